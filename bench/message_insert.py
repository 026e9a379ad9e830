"""What the messages' indexes cost the send path: new outbound SMS (each with its
conversation) written through `SqlMessageRepository.add_many`, a unit of work per batch, into
a database that already holds the query benchmark's million conversations; then their
status moved twice (sent, then delivered) in batches, as settlements and receipts do.

    python bench/message_insert.py --database sqlite:////tmp/aq.db [--messages 100000]
    python bench/message_insert.py --database postgresql://postgres@127.0.0.1:5432/NAME

Besides wall times: this process's CPU per message (with SQLite, the database's work too)
and, for PostgreSQL, the CPU of the server processes serving the database (read from /proc:
the server must run on this machine). On a shared machine the CPU figures are the steadier.

Fill the database first with bench/analytics_query.py (--keep / --keep-postgres). The
messages written are deleted again at the end, so runs before and after a migration
measure the same table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import delete, update
from sqlalchemy.engine import make_url

from tidings.adapters.db.database import WriterGate
from tidings.adapters.db.engine import driver_url, is_sqlite, make_async_engine
from tidings.adapters.db.tables import conversations, messages
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.domain.messages import Conversation, Message

START = datetime(2024, 7, 1, tzinfo=UTC)
SENDER = "+13175550000"


def pair(n: int, run: str) -> tuple[Conversation, Message]:
    at = START + timedelta(milliseconds=n)
    to = f"+1555{uuid.uuid4().int % 10**7:07d}"  # random: index entries land anywhere
    conversation = Conversation(f"{run}-c{n}", "sms", SENDER, to, at, campaign_id=run)
    message = Message(
        id=f"{run}-m{n}",
        conversation_id=conversation.id,
        media_type="sms",
        direction="outbound",
        from_address=SENDER,
        to_address=to,
        status="queued",
        created_at=at,
        text_body=f"Hello {n}, your parcel {uuid.uuid4().hex[:8]} arrives today at 10:00",
        segment_count=1,
        campaign_id=run,
        contact_list_id=run,
        contact_id=f"contact-{n}",
    )
    return conversation, message


class ServerCpu:
    """PostgreSQL: the CPU seconds of the server processes serving this database (read
    from /proc: the server runs on this machine), steadier than wall time under load."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._name = make_url(url).database
        plain = make_url(driver_url(url, asynchronous=False)).set(drivername="postgresql")
        self._admin = psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True)

    def seconds(self) -> dict[int, float]:
        rows = self._admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self._name,),
        ).fetchall()
        found = {}
        tick = os.sysconf("SC_CLK_TCK")
        for (pid,) in rows:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[pid] = (int(fields[11]) + int(fields[12])) / tick
        return found

    def since(self, before: dict[int, float]) -> float:
        return sum(now - before.get(pid, 0.0) for pid, now in self.seconds().items())


async def measure(url: str, count: int, batch: int) -> dict[str, float]:
    engine = make_async_engine(url)
    gate = WriterGate(None)
    run = uuid.uuid4().hex[:8]
    ids = [f"{run}-m{n}" for n in range(count)]
    results: dict[str, float] = {}
    server = None if is_sqlite(url) else ServerCpu(url)
    try:
        async with engine.connect():  # the pool's first connection, so its process is seen
            pass
        server_before = server.seconds() if server else {}
        started, cpu = time.perf_counter(), time.process_time()
        for first in range(0, count, batch):
            async with SqlUnitOfWork(engine, gate) as uow:
                await uow.messages.add_many(
                    [pair(n, run) for n in range(first, min(first + batch, count))]
                )
                await uow.commit()
        elapsed = time.perf_counter() - started
        results["insert s"] = round(elapsed, 2)
        results["insert µs/message"] = round(elapsed / count * 1e6, 1)
        # This process's CPU (with SQLite, the database's work too): steadier than the
        # wall time on a shared machine.
        results["insert CPU µs/message"] = round((time.process_time() - cpu) / count * 1e6, 1)
        if server:
            results["insert server CPU µs/message"] = round(
                server.since(server_before) / count * 1e6, 1
            )
        for status in ("sent", "delivery-success"):
            server_before = server.seconds() if server else {}
            started = time.perf_counter()
            for first in range(0, count, batch):
                # One statement a batch: a transaction of its own on either database.
                async with engine.begin() as connection:
                    await connection.execute(
                        update(messages)
                        .where(messages.c.id.in_(ids[first : first + batch]))
                        .values(status=status, status_changed_at=datetime.now(UTC))
                    )
            elapsed = time.perf_counter() - started
            results[f"status {status} µs/message"] = round(elapsed / count * 1e6, 1)
            if server:
                results[f"status {status} server CPU µs/message"] = round(
                    server.since(server_before) / count * 1e6, 1
                )
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(messages).where(messages.c.campaign_id == run))
            await connection.execute(
                delete(conversations).where(conversations.c.campaign_id == run)
            )
        await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a database URL, filled already")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100, help="messages per unit of work")
    args = parser.parse_args()
    results = asyncio.run(measure(args.database, args.messages, args.batch))
    report = {"messages": args.messages, "batch": args.batch, **results}
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
