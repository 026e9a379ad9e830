"""SMPP throughput into the test SMSC (tests/support/smsc.py, smpp34.Server, run as its own
process with receipts on): the raw smpp34 client with a window, then the same load through
SmppSender (window, rate gate, receipt parsing, an in-memory events sink), so the adapter's
overhead shows.

    python bench/smpp_raw.py                 # N=20000, window 100
    python bench/smpp_raw.py -n 5000 --window 10 100

Rate = messages from the first submit_sm to the last delivery receipt received.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import smpp34
from tests.support.server import free_port

from tidings.adapters.sms.smpp import SmppSender
from tidings.domain.channels import DeliveryReport, InboundSms, OutboundSms, SendOutcome


@contextmanager
def smsc_process() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.smsc", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()  # "SMSC listening on ..."
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


async def raw(port: int, count: int, window: int) -> float:
    client = smpp34.Client(
        "127.0.0.1", port, "bench", "bench", window_size=window, inbound_capacity=65536
    )
    smsc = await client.connect()
    receipts = 0
    done = asyncio.Event()

    async def read() -> None:
        nonlocal receipts
        while True:
            event = await smsc.next()
            if isinstance(event, smpp34.Disconnected):
                return
            if event.esm_class & 0x04:
                receipts += 1
                if receipts == count:
                    done.set()

    reader = asyncio.create_task(read())
    slots = asyncio.Semaphore(window)

    async def submit(n: int) -> None:
        async with slots:
            answer = await smsc.submit_sm(
                "15551230000",
                f"bench message {n}".encode(),
                source_addr="15550001111",
                registered_delivery=1,
            )
            assert answer.is_success, answer

    started = time.perf_counter()
    await asyncio.gather(*(submit(n) for n in range(count)))
    await done.wait()
    elapsed = time.perf_counter() - started
    await smsc.unbind()
    await reader
    return count / elapsed


class CountingSink:
    def __init__(self, count: int) -> None:
        self.count = count
        self.reports = 0
        self.done = asyncio.Event()

    async def delivery_report(self, report: DeliveryReport) -> None:
        self.reports += 1
        if self.reports == self.count:
            self.done.set()

    async def inbound_sms(self, message: InboundSms) -> None:
        pass


async def adapter(port: int, count: int, window: int) -> float:
    sink = CountingSink(count)
    sender = SmppSender.from_url(f"smpp://bench:bench@127.0.0.1:{port}?window={window}")
    await sender.start(sink)
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            sender.send(OutboundSms(f"m{n}", "+15550001111", "+15551230000", f"bench {n}"))
            for n in range(count)
        )
    )
    await sink.done.wait()
    elapsed = time.perf_counter() - started
    await sender.close()
    assert all(r.outcome is SendOutcome.ACCEPTED for r in results)
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--count", type=int, default=20_000)
    parser.add_argument("--window", type=int, nargs="+", default=[100])
    arguments = parser.parse_args()
    print("| client | window | messages | msg/s (first submit → last receipt) |")
    print("|---|---|---|---|")
    for window in arguments.window:
        for name, run in (("smpp34 raw", raw), ("SmppSender", adapter)):
            with smsc_process() as port:
                rate = asyncio.run(run(port, arguments.count, window))
            print(f"| {name} | {window} | {arguments.count} | {rate:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
