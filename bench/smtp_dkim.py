"""Email throughput through `SmtpSender`, unsigned against DKIM-signed (RSA-2048), in one run.

    python bench/smtp_dkim.py --messages 5000 --connections 4

The relay is an aiosmtpd sink in its own process (it answers 250 to everything and counts).
Each round sends N messages per mode over the same pool size, the modes alternating; the best
and the median round of each are compared (other work on the machine makes single rounds
noisy). Target: signed at least 80% of unsigned. The CPU time a message of the client (this
process, all its threads) and of the sink tell what the rates would be on idle cores.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import statistics
import sys
import time
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.emails import DKIM, outbound
from tests.support.smtp_peer import free_port

from tidings.adapters.email.smtp import SmtpSender
from tidings.domain.channels import OutboundEmail, SendOutcome


def sink(port: int, ready: Event, stop: Event) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port, data_size_limit=None)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far (Linux: /proc/PID/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def send_all(url: str, messages: list[OutboundEmail], tasks: int) -> tuple[float, float]:
    """Messages a second, and this process's CPU milliseconds a message (all threads)."""
    sender = SmtpSender.from_url(url)
    await sender.send(messages[0])  # opens a connection: not part of the timing
    queue = iter(messages)
    failures: list[object] = []

    async def worker() -> None:
        for message in queue:
            result = await sender.send(message)
            if result.outcome is not SendOutcome.ACCEPTED:
                failures.append(result)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await sender.close()
    if failures:
        raise SystemExit(f"{len(failures)} sends failed, first: {failures[0]}")
    return len(messages) / elapsed, cpu * 1000 / len(messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=32, help="concurrent senders")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    relay = context.Process(target=sink, args=(port, ready, stop), daemon=True)
    relay.start()
    ready.wait(30)
    url = f"smtp://127.0.0.1:{port}?connections={args.connections}&starttls=never"
    unsigned = [outbound(n) for n in range(args.messages)]
    signed = [dataclasses.replace(m, dkim=DKIM) for m in unsigned]
    rates: dict[str, list[float]] = {"unsigned": [], "signed": []}
    try:
        for round_ in range(1, args.rounds + 1):
            for mode, messages in (("unsigned", unsigned), ("signed", signed)):
                sink_before = cpu_seconds(relay.pid or 0)
                rate, cpu = asyncio.run(send_all(url, messages, args.tasks))
                sink_cpu = (cpu_seconds(relay.pid or 0) - sink_before) * 1000 / len(messages)
                rates[mode].append(rate)
                print(
                    f"round {round_} {mode:>8}: {rate:5.0f} messages/s; CPU a message: "
                    f"client {cpu:.2f} ms, sink {sink_cpu:.2f} ms"
                )
    finally:
        stop.set()
        relay.join(10)
    best = {mode: max(values) for mode, values in rates.items()}
    middle = {mode: statistics.median(values) for mode, values in rates.items()}
    print(
        f"{args.messages} messages, {args.connections} connections, {args.tasks} tasks, "
        f"{args.rounds} rounds:\n"
        f"  best:   unsigned {best['unsigned']:.0f}/s, DKIM RSA-2048 {best['signed']:.0f}/s, "
        f"signed/unsigned {best['signed'] / best['unsigned']:.0%} (target >= 80%)\n"
        f"  median: unsigned {middle['unsigned']:.0f}/s, DKIM RSA-2048 {middle['signed']:.0f}/s, "
        f"signed/unsigned {middle['signed'] / middle['unsigned']:.0%}"
    )


if __name__ == "__main__":
    main()
