"""What the order of ids costs the send path: outbound SMS, each with its conversation,
written through `SqlMessageRepository.add_many` in batches of 500 into a fresh database,
once with random ids (UUID version 4, what tidings made before) and once with `new_id`
(version 7, time-ordered), in the same run.

    python bench/id_order.py                      # SQLite, 200,000 messages each way
    python bench/id_order.py --postgres [--messages N]

Reported per quarter of the run (the tables grow through it): wall µs a message, this
process's CPU µs a message (with SQLite, the database's work too) and, on PostgreSQL, the
CPU of the server process (read from /proc: the server must run on this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TIDINGS_TEST_DATABASE", "sqlite")

from bench.message_insert import ServerCpu, pair
from tidings.adapters.db.database import WriterGate
from tidings.adapters.db.engine import is_sqlite, make_async_engine
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.domain.ids import new_id

BATCH = 500


def random_id() -> str:
    return str(uuid.uuid4())


async def measure(url: str, count: int, make_id: Callable[[], str]) -> list[str]:
    upgrade(url)
    engine = make_async_engine(url)
    gate = WriterGate(None)
    server = None if is_sqlite(url) else ServerCpu(url)
    quarters = []
    try:
        async with engine.connect():  # the pool's first connection, so its process is seen
            pass
        quarter = count // 4
        for first_of_quarter in range(0, quarter * 4, quarter):
            server_before = server.seconds() if server else {}
            started, cpu = time.perf_counter(), time.process_time()
            for first in range(first_of_quarter, first_of_quarter + quarter, BATCH):
                pairs = []
                for n in range(first, first + BATCH):
                    conversation, message = pair(n, "bench")
                    conversation.id, message.id = make_id(), make_id()
                    message.conversation_id = conversation.id
                    pairs.append((conversation, message))
                async with SqlUnitOfWork(engine, gate) as uow:
                    await uow.messages.add_many(pairs)
                    await uow.commit()
            wall = (time.perf_counter() - started) / quarter * 1e6
            own = (time.process_time() - cpu) / quarter * 1e6
            figures = f"{wall:.0f} / {own:.0f}"
            if server:
                figures += f" / {server.since(server_before) / quarter * 1e6:.0f}"
            quarters.append(figures)
    finally:
        await engine.dispose()
    return quarters


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--messages", type=int, default=200_000)
    args = parser.parse_args()
    if args.postgres:
        os.environ["TIDINGS_TEST_DATABASE"] = "postgresql"
    from tests.conftest import fresh_database  # reads TIDINGS_TEST_DATABASE on import

    name = "PostgreSQL" if args.postgres else "SQLite"
    unit = "wall / CPU / server CPU" if args.postgres else "wall / CPU"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores")
    print(f"\n| database | ids | µs a message ({unit}), by quarter of {args.messages:,} |")
    print("|---|---|---|")
    for label, make_id in (("random (v4)", random_id), ("time-ordered (v7)", new_id)):
        with tempfile.TemporaryDirectory() as directory, fresh_database(Path(directory)) as url:
            quarters = asyncio.run(measure(url, args.messages, make_id))
        print(f"| {name} | {label} | {' · '.join(quarters)} |", flush=True)


if __name__ == "__main__":
    main()
