"""Agentless SMS through `tidings serve` into the test SMSC (smpp34.Server, receipts on), with
the load from `wrk` (C, its own process). In the same run, the raw smpp34 client into the
same kind of peer: the physical limit of the stack.

    python bench/agentless_sms.py                       # SQLite, 1 API process
    python bench/agentless_sms.py --postgres --workers 2 --connections 8 16

For each configuration it reports the accepted sends/s and the API's p50/p99 (wrk), the rate
at which the SMSC received them (first to last submit) and how long the last receipt took to
reach the database; then it checks that the SMSC got every accepted message exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sqlalchemy import create_engine, text
from tests.support.server import free_port, running_server
from tests.support.smsc import SmscThread

from bench.smpp_raw import raw, smsc_process
from bench.token_and_list import database, wrk_counted
from tidings.adapters.db.engine import driver_url

SENDER = "+13175550100"
LUA = """
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"fromAddress":"%s","toAddress":"+1317555%04d",' ..
    '"toAddressMessengerType":"sms","textBody":"Your code is %d"}',
    "{sender}", counter % 10000, counter)
  return wrk.format("POST", "/api/v2/conversations/messages/agentless",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}, body)
end
"""


def _delivered(url: str) -> tuple[int, int]:
    engine = create_engine(driver_url(url, asynchronous=False))
    with engine.connect() as connection:
        rows = dict(
            connection.execute(text("SELECT status, count(*) FROM messages GROUP BY status")).all()
        )
    engine.dispose()
    return sum(rows.values()), rows.get("delivery-success", 0)


def run(postgres: bool, workers: int, connections: int, seconds: int, window: int) -> str:
    port = free_port()
    with (
        SmscThread(port) as smsc,
        tempfile.TemporaryDirectory(prefix="tidings-bench-") as directory,
        database(postgres) as url,
        running_server(
            url,
            data_dir=Path(directory),
            workers=str(workers),
            sms_url=f"smpp://bench:bench@127.0.0.1:{port}?window={window}",
        ) as server,
    ):
        admin = server.token(server.create_client("bench admin", "admin"))
        status, body, _ = server.request(
            "POST",
            "/api/v2/routing/sms/phonenumbers",
            token=admin,
            json_body={"phoneNumber": SENDER, "phoneNumberType": "local", "countryCode": "US"},
        )
        assert status == 200, body
        token = server.token(server.create_client("bench sender", "sender"))
        script = Path(directory) / "agentless.lua"
        script.write_text(LUA.replace("{sender}", SENDER).replace("{token}", token))
        started = time.monotonic()
        rate, p50, p99, sent = wrk_counted(
            server.base_url + "/api/v2/conversations/messages/agentless",
            seconds,
            connections,
            "-s",
            str(script),
        )
        database_url = url or f"sqlite:///{server.data_dir}/tidings.db"
        deadline = time.monotonic() + 300
        while True:
            # wrk does not count requests cut short when it stops; the database has them all.
            total, delivered = _delivered(database_url)
            if (delivered >= total >= sent) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        drained = time.monotonic() - started
        submits = smsc.submits
        texts = Counter(s.text for s in submits)
        doubled = sum(1 for count in texts.values() if count > 1)
        first = min(s.received_at for s in submits)
        last = max(s.received_at for s in submits)
        peer_rate = len(submits) / (last - first) if last > first else float("nan")
        verdict = "ok" if (len(texts), doubled, delivered) == (total, 0, total) else "MISMATCH"
        return (
            f"| {'PostgreSQL' if postgres else 'SQLite'} | {workers} | {connections} | "
            f"{rate:,.0f} | {p50:.1f} | {p99:.1f} | {peer_rate:,.0f} | "
            f"{total / drained:,.0f} | {total:,} | {len(submits):,} | {doubled} | {delivered:,} "
            f"| {verdict} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--connections", type=int, nargs="+", default=[8])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--raw-count", type=int, default=20_000)
    arguments = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores")
    with smsc_process() as port:
        raw_rate = asyncio.run(raw(port, arguments.raw_count, arguments.window))
    print(f"raw smpp34 client, window {arguments.window}, receipts on: {raw_rate:,.0f} msg/s\n")
    print(
        "| database | API processes | connections | accepted/s | p50 ms | p99 ms | "
        "SMSC received/s | end to end/s (to the last receipt) | accepted | at the SMSC | "
        "doubled | delivered | check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for workers in arguments.workers:
        for connections in arguments.connections:
            print(
                run(arguments.postgres, workers, connections, arguments.seconds, arguments.window),
                flush=True,
            )


if __name__ == "__main__":
    main()
