"""An SMS campaign of 100,000 contacts at the highest messagesPerMinute into the test SMSC
(tests/support/smsc.py on smpp34.Server, its own process, a DELIVRD receipt per submit),
beside the raw smpp34 client into the same peer process in the same run.

    python bench/campaign_sms.py                          # SQLite: without DNC, with 1M DNC
    python bench/campaign_sms.py --postgres
    python bench/campaign_sms.py --postgres --dnc 0 --workers 1 2   # serve + N workers

The rate is contacts over the time from switch-on (`POST .../start`) to the last receipt
written to the database (every message `delivery-success`). With `--dnc N` the campaign's
DNC list holds N numbers (none of them a contact's, so the same messages go out), loaded by
CSV upload. Each run checks at the SMSC that every contact got exactly one message.
CPU a message is the CPU time of the server and its workers (and PostgreSQL's processes)
from switch-on to the end, over the messages.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.server import free_port, running_server

from bench.campaign_common import (
    CAMPAIGNS,
    Api,
    CpuMeter,
    run_campaign,
    wait_for_dispatchers,
    workers,
)
from bench.dnc_import import write_file as write_dnc_file
from bench.smpp_raw import raw
from bench.token_and_list import database

SENDER = "+13175550100"
MAX_PER_MINUTE = 600_000  # the default of campaign_max_messages_per_minute


def phone(n: int) -> str:
    """Contact n's number: 463 (Indianapolis) numbers, an area the DNC file never uses."""
    return f"+1463{200 + n // 10_000:03d}{n % 10_000:04d}"


def _text(destination: str) -> str:
    """What contact n's message says (the template is "Hello {{n}}")."""
    n = (int(destination[4:7]) - 200) * 10_000 + int(destination[7:])
    return f"Hello {n}"


# The SMSC, in its own process; the benchmark asks it for counts over a pipe.


def _peer(port: int, commands: Connection) -> None:
    from tests.support.smsc import Smsc

    async def serve() -> None:
        async with Smsc(port) as smsc:
            commands.send("ready")
            loop = asyncio.get_running_loop()
            receipts = {"count": 0, "at": 0.0}

            async def watch_receipts() -> None:
                # When the SMSC last sent a receipt (deliver_sm acknowledged), to 10 ms.
                while True:
                    await asyncio.sleep(0.01)
                    if smsc.receipts_sent != receipts["count"]:
                        receipts.update(count=smsc.receipts_sent, at=time.monotonic())

            watcher = asyncio.create_task(watch_receipts())
            while True:
                command = await loop.run_in_executor(None, commands.recv)
                if command == "stop":
                    watcher.cancel()
                    return
                if command == "reset":
                    smsc.submits.clear()
                    smsc.receipts_sent = 0
                    commands.send("ok")
                elif command == "stats":
                    submits = list(smsc.submits)
                    by_phone = Counter(s.destination for s in submits)
                    times = [s.received_at for s in submits]
                    commands.send(
                        {
                            "submits": len(submits),
                            "phones": len(by_phone),
                            "doubled": sum(1 for n in by_phone.values() if n > 1),
                            "destinations": set(by_phone),
                            "wrong_text": sum(1 for s in submits if s.text != _text(s.destination)),
                            "receipts": smsc.receipts_sent,
                            "last_receipt": receipts["at"],
                            "first": min(times, default=0.0),
                            "last": max(times, default=0.0),
                        }
                    )

    asyncio.run(serve())


class Peer:
    def __init__(self) -> None:
        self.port = free_port()
        context = multiprocessing.get_context("spawn")
        self._commands, theirs = context.Pipe()
        self.process = context.Process(target=_peer, args=(self.port, theirs), daemon=True)
        self.process.start()
        assert self._commands.recv() == "ready"

    def ask(self, command: str) -> Any:
        self._commands.send(command)
        return self._commands.recv()

    def close(self) -> None:
        self._commands.send("stop")
        self.process.join(10)


@contextlib.contextmanager
def custom_plan_mode(url: str | None, force: bool) -> Iterator[None]:
    """With `force`, PostgreSQL plans every execution of a prepared statement for its
    values (psycopg prepares a statement on its 5th use; PostgreSQL then may switch to a
    generic plan)."""
    if url and force:
        import psycopg

        name = url.rpartition("/")[2]
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'ALTER DATABASE "{name}" SET plan_cache_mode = force_custom_plan')
    yield


def write_contacts(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write("n,phone\n")
        file.writelines(f"{n},{phone(n)}\n" for n in range(count))


def run(
    peer: Peer,
    postgres: bool,
    contacts: Path,
    count: int,
    dnc_file: Path | None,
    dnc: int,
    window: int,
    worker_count: int,
    custom_plans: bool = False,
) -> tuple[str, str]:
    peer.ask("reset")
    with (
        tempfile.TemporaryDirectory(prefix="tidings-bench-") as directory,
        database(postgres) as url,
        custom_plan_mode(url, custom_plans),
        running_server(
            url,
            data_dir=Path(directory),
            sms_url=f"smpp://bench:bench@127.0.0.1:{peer.port}?window={window}",
            run_dispatcher="false" if worker_count else "true",
        ) as server,
        workers(server, worker_count) as processes,
    ):
        api = Api(server)
        wait_for_dispatchers(api, max(worker_count, 1))
        api(
            "POST",
            "/api/v2/routing/sms/phonenumbers",
            {"phoneNumber": SENDER, "phoneNumberType": "local", "countryCode": "US"},
        )
        template = api.template(
            "CampaignSmsTemplate",
            [{"content": "Hello {{n}}", "contentType": "text/plain", "type": "body"}],
        )
        list_id = api.contact_list(
            ["n", "phone"], contacts, phoneColumns=[{"columnName": "phone", "type": "cell"}]
        )
        dnc_lists = []
        if dnc_file is not None:
            dnc_id, _ = api.dnc_list("Phone", dnc_file)
            dnc_lists.append({"id": dnc_id})
        campaign = api(
            "POST",
            CAMPAIGNS,
            {
                "name": "bench",
                "contactList": {"id": list_id},
                "dncLists": dnc_lists,
                "messagesPerMinute": MAX_PER_MINUTE,
                "smsConfig": {
                    "phoneColumn": "phone",
                    "senderSmsPhoneNumber": {"phoneNumber": SENDER},
                    "contentTemplate": {"id": template},
                },
            },
        )
        meter = CpuMeter([server.process.pid, *(p.pid for p in processes)], postgres)
        meter.start()
        outcome = run_campaign(api, campaign["id"], count, "delivery-success")
        cpu = meter.stop()
        stats = peer.ask("stats")
    expected = {phone(n).removeprefix("+") for n in range(count)}
    exact = (
        stats["submits"] == count
        and stats["doubled"] == 0
        and stats["wrong_text"] == 0
        and stats["destinations"] == expected
        and outcome.statuses == {"delivery-success": count}
        and outcome.attempts == {"OUTBOUND_MESSAGE_SENT": count}
    )
    processes_text = f"serve + {worker_count} workers" if worker_count else "serve"
    return (
        f"| {'PostgreSQL' if postgres else 'SQLite'} | {processes_text} | {dnc:,} | {count:,} "
        f"| {outcome.seconds:.1f} | **{count / outcome.seconds:,.0f}** "
        f"| {stats['first'] - outcome.clock:.1f} | {stats['last'] - outcome.clock:.1f} "
        f"| {stats['last_receipt'] - outcome.clock:.1f} "
        f"| {stats['submits'] / (stats['last'] - stats['first']):,.0f} "
        f"| {stats['submits']:,} | {stats['doubled']} "
        f"| {outcome.statuses.get('delivery-success', 0):,} "
        f"| {1000 * cpu['tidings'] / count:.2f} "
        f"| {1000 * cpu['postgres'] / count:.2f} | {'ok' if exact else 'MISMATCH'} |"
    ), (f"{outcome.statuses} {outcome.attempts}" if not exact else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument(
        "--dnc", type=int, nargs="+", default=[0, 1_000_000], help="DNC entries, per run"
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[0],
        help="0: the dispatcher in serve; N: serve without it and N `tidings worker`s",
    )
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--custom-plans", action="store_true", help="PostgreSQL: see run()")
    parser.add_argument("--raw-count", type=int, default=20_000)
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores")
    peer = Peer()
    try:
        with tempfile.TemporaryDirectory(prefix="tidings-bench-files-") as directory:
            contacts = Path(directory) / "contacts.csv"
            write_contacts(contacts, args.contacts)
            rows = []
            for dnc in args.dnc:
                dnc_file = None
                if dnc:
                    dnc_file = Path(directory) / f"dnc-{dnc}.csv"
                    if not dnc_file.exists():
                        write_dnc_file(dnc_file, dnc)
                for worker_count in args.workers:
                    peer.ask("reset")
                    raw_rate = asyncio.run(raw(peer.port, args.raw_count, args.window))
                    row, problem = run(
                        peer,
                        args.postgres,
                        contacts,
                        args.contacts,
                        dnc_file,
                        dnc,
                        args.window,
                        worker_count,
                        args.custom_plans,
                    )
                    ratio = float(row.split("**")[1].replace(",", "")) / raw_rate
                    rows.append(f"{row} {raw_rate:,.0f} | {ratio:.0%} |")
                    print(rows[-1], problem, flush=True)
    finally:
        peer.close()
    print(
        "\n| database | processes | DNC entries | contacts | seconds | messages/s (switch-on "
        "to last receipt) | first submit s | last submit s | last receipt sent s "
        "| SMSC received/s | at the SMSC | doubled | delivery-success "
        "| CPU ms a message (tidings) | CPU ms a message (PostgreSQL) | check "
        "| raw smpp34 msg/s | campaign / raw |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
