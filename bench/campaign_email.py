"""An e-mail campaign of 20,000 contacts into an aiosmtpd relay (tests/support/smtp_peer.py,
its own process) over 4 SMTP connections, beside the raw aiosmtplib rate over 4 connections
into the same relay process in the same run.

    python bench/campaign_email.py                 # SQLite
    python bench/campaign_email.py --postgres

The rate is contacts over the time from switch-on to the last message settled `sent` in the
database (e-mail has no delivery receipt). The campaign's domain is provisioned through the
API, so its messages are DKIM-signed (RSA-2048) as every message of a provisioned domain
is; the raw client sends the same kind of message unsigned, and, as a second floor, signed
with the same signer (`--raw-signed`). Each run checks at the relay that every contact got
exactly one message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import aiosmtplib
from tests.support.emails import DKIM, outbound
from tests.support.server import free_port, running_server

from bench.campaign_common import CAMPAIGNS, Api, CpuMeter, run_campaign
from bench.delay_proxy import DelayProxy
from bench.token_and_list import database
from tidings.adapters.email.compose import compose
from tidings.domain.channels import EmailAddress

DOMAIN = "news.tidings-bench.org"
SUBJECT = "Your news, {{name}}"
HTML = "<p>Hello {{name}},</p><p>this month's news is below.</p><p>Regards, the team</p>"


def address(n: int) -> str:
    return f"reader{n}@example.org"


def _relay(port: int, pipelining: bool, commands: Connection) -> None:
    from tests.support.smtp_peer import SmtpPeer

    with SmtpPeer(port=port, pipelining=pipelining) as peer:
        commands.send("ready")
        while True:
            command = commands.recv()
            if command == "stop":
                return
            if command == "reset":
                with peer._lock:
                    peer.messages.clear()
                commands.send("ok")
            elif command == "stats":
                with peer._lock:
                    received = list(peer.messages)
                by_rcpt = Counter(r for m in received for r in m.rcpt_tos)
                commands.send(
                    {
                        "messages": len(received),
                        "recipients": set(by_rcpt),
                        "doubled": sum(1 for n in by_rcpt.values() if n > 1),
                        "signed": sum(1 for m in received if b"DKIM-Signature:" in m.data),
                        "sessions": len({m.session for m in received}),
                    }
                )


class Relay:
    def __init__(self, pipelining: bool) -> None:
        self.port = free_port()
        context = multiprocessing.get_context("spawn")
        self._commands, theirs = context.Pipe()
        self.process = context.Process(
            target=_relay, args=(self.port, pipelining, theirs), daemon=True
        )
        self.process.start()
        assert self._commands.recv() == "ready"

    def ask(self, command: str) -> Any:
        self._commands.send(command)
        return self._commands.recv()

    def close(self) -> None:
        self._commands.send("stop")
        self.process.join(10)


async def raw(port: int, count: int, connections: int, signed: bool) -> float:
    """aiosmtplib alone: `connections` kept connections, each sending its share in turn.
    The messages are composed (and signed) inside the timing, as a sender must."""
    clients = [
        aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        for _ in range(connections)
    ]
    for client in clients:
        await client.connect()
    queue = iter(range(count))

    async def send(client: aiosmtplib.SMTP) -> None:
        for n in queue:
            message = outbound(n, to_address=EmailAddress(address(n), f"Reader {n}"))
            composed = compose(dataclasses.replace(message, dkim=DKIM) if signed else message)
            await client.sendmail(
                composed.envelope_sender, [composed.envelope_recipient], composed.data
            )

    started = time.perf_counter()
    await asyncio.gather(*(send(client) for client in clients))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.quit()
    return count / elapsed


def write_contacts(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write("name,email\n")
        file.writelines(f"Reader {n},{address(n)}\n" for n in range(count))


def run(
    relay: Relay, port: int, postgres: bool, contacts: Path, count: int, connections: int
) -> str:
    relay.ask("reset")
    with (
        tempfile.TemporaryDirectory(prefix="tidings-bench-") as directory,
        database(postgres) as url,
        running_server(
            url,
            data_dir=Path(directory),
            smtp_url=(f"smtp://127.0.0.1:{port}?connections={connections}&starttls=never"),
        ) as server,
    ):
        api = Api(server)
        api("POST", "/api/v2/routing/email/outbound/domains", {"id": DOMAIN, "name": DOMAIN})
        template = api.template(
            "CampaignEmailTemplate",
            [
                {"content": SUBJECT, "contentType": "text/plain", "type": "subject"},
                {"content": HTML, "contentType": "text/html", "type": "body"},
            ],
        )
        list_id = api.contact_list(
            ["name", "email"], contacts, emailColumns=[{"columnName": "email", "type": "personal"}]
        )
        campaign = api(
            "POST",
            CAMPAIGNS,
            {
                "name": "bench",
                "contactList": {"id": list_id},
                "messagesPerMinute": 600_000,
                "emailConfig": {
                    "emailColumns": ["email"],
                    "fromAddress": {
                        "domain": {"id": DOMAIN},
                        "localPart": "news",
                        "friendlyName": "The News",
                    },
                    "contentTemplate": {"id": template},
                },
            },
        )
        meter = CpuMeter([server.process.pid], postgres)
        meter.start()
        outcome = run_campaign(api, campaign["id"], count, "sent")
        cpu = meter.stop()
        stats = relay.ask("stats")
    expected = {address(n) for n in range(count)}
    exact = (
        stats["messages"] == count
        and stats["doubled"] == 0
        and stats["recipients"] == expected
        and outcome.statuses == {"sent": count}
        and outcome.attempts == {"OUTBOUND_MESSAGE_SENT": count}
    )
    return (
        f"| {'PostgreSQL' if postgres else 'SQLite'} | {count:,} | {outcome.seconds:.1f} "
        f"| **{count / outcome.seconds:,.0f}** | {stats['messages']:,} | {stats['doubled']} "
        f"| {stats['signed']:,} | {stats['sessions']} | {1000 * cpu['tidings'] / count:.2f} "
        f"| {1000 * cpu['postgres'] / count:.2f} | {'ok' if exact else 'MISMATCH'} |"
    ) + ("" if exact else f" {outcome.statuses} {outcome.attempts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--raw-count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--no-pipelining", action="store_true", help="the relay does not offer PIPELINING"
    )
    parser.add_argument(
        "--rtt-ms",
        type=float,
        default=0,
        help="reach the relay (raw client and campaign alike) through a proxy adding this "
        "round-trip time, as a relay elsewhere on the network",
    )
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores")
    relay = Relay(pipelining=not args.no_pipelining)
    rows = []
    try:
        with contextlib.ExitStack() as stack:
            port = relay.port
            if args.rtt_ms:
                port = stack.enter_context(DelayProxy(relay.port, args.rtt_ms / 2)).port
            directory = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="tidings-bench-files-")
            )
            contacts = Path(directory) / "contacts.csv"
            write_contacts(contacts, args.contacts)
            for _ in range(args.runs):
                relay.ask("reset")
                unsigned = asyncio.run(raw(port, args.raw_count, args.connections, False))
                relay.ask("reset")
                signed = asyncio.run(raw(port, args.raw_count, args.connections, True))
                row = run(relay, port, args.postgres, contacts, args.contacts, args.connections)
                rate = float(row.split("**")[1].replace(",", ""))
                rows.append(
                    f"{row} {unsigned:,.0f} | {rate / unsigned:.0%} | {signed:,.0f} "
                    f"| {rate / signed:.0%} |"
                )
                print(rows[-1], flush=True)
    finally:
        relay.close()
    print(
        "\n| database | contacts | seconds | messages/s (switch-on to last sent) "
        "| at the relay | doubled | DKIM-signed | SMTP sessions | CPU ms a message (tidings) "
        "| CPU ms a message (PostgreSQL) | check | raw aiosmtplib msg/s (unsigned) "
        "| campaign / raw | raw aiosmtplib msg/s (DKIM-signed) | campaign / raw signed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
