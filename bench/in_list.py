"""The receipts' lookup of provider ids on PostgreSQL, with the list bound as SQLAlchemy's
expanding IN (a placeholder an item: a new statement text for each length) against one
array (`in_list`: `= ANY(:ids)`), alternating in one process so the machine's drift hits
both alike. Time a call, client and server together, on an empty migrated database.

    python bench/in_list.py                 # lists of 5-60 ids, 20-800, 1,000-2,000
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import psycopg
from sqlalchemy import Select, bindparam, select
from sqlalchemy.sql.elements import ColumnElement

from bench.token_and_list import POSTGRES
from tidings.adapters.db import migrate
from tidings.adapters.db.engine import make_async_engine
from tidings.adapters.db.in_list import in_list
from tidings.adapters.db.tables import message_provider_ids, messages

CALLS = 300
ROUNDS = 6


def owners(listed: ColumnElement[bool]) -> Select[tuple[str, str, str]]:
    return (
        select(
            message_provider_ids.c.provider_message_id,
            message_provider_ids.c.message_id,
            messages.c.status,
        )
        .join(messages, messages.c.id == message_provider_ids.c.message_id)
        .where(message_provider_ids.c.channel == bindparam("b_channel"), listed)
        .order_by(message_provider_ids.c.id)
    )


EXPANDING = owners(
    message_provider_ids.c.provider_message_id.in_(bindparam("b_ids", expanding=True))
)
ARRAY = owners(in_list(message_provider_ids.c.provider_message_id, "b_ids"))


async def measure(url: str, low: int, high: int) -> dict[str, list[float]]:
    engine = make_async_engine(url)
    times: dict[str, list[float]] = {"expanding IN": [], "one array": []}
    variants = [("expanding IN", EXPANDING), ("one array", ARRAY)]
    async with engine.connect() as connection:
        for round_ in range(ROUNDS):
            for label, statement in variants if round_ % 2 == 0 else variants[::-1]:
                started = time.perf_counter()
                for _ in range(CALLS):
                    ids = [f"{random.getrandbits(40):x}" for _ in range(random.randint(low, high))]
                    await connection.execute(statement, {"b_channel": "sms", "b_ids": ids})
                times[label].append((time.perf_counter() - started) / CALLS * 1e6)
    await engine.dispose()
    return times


def main() -> None:
    logging.disable(logging.INFO)
    name = f"tidings_bench_{uuid.uuid4().hex[:8]}"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores")
    print("\n| ids a call | expanding IN µs a call, median (rounds) | one array, the same |")
    print("|---|---|---|")
    with psycopg.connect(f"{POSTGRES}/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"{POSTGRES}/{name}"
            migrate.upgrade(url)
            for low, high in ((5, 60), (20, 800), (1000, 2000)):
                times = asyncio.run(measure(url, low, high))
                cells = [
                    f"{statistics.median(v):,.0f} ({', '.join(f'{x:,.0f}' for x in v)})"
                    for v in times.values()
                ]
                print(f"| {low:,} to {high:,} | {cells[0]} | {cells[1]} |", flush=True)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
