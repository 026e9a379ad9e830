"""Many-row writes handed to the driver as tuples store exactly what SQLAlchemy would."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tidings.adapters.db.database import Database
from tidings.adapters.db.many_rows import ManyRows
from tidings.adapters.db.message_rows import INSERT_MESSAGES, message_values
from tidings.adapters.db.tables import messages
from tidings.adapters.db.writer_gate import WriterGate
from tidings.domain.messages import PENDING, QUEUED, SENDING, Message


@contextlib.asynccontextmanager
async def database(engine: AsyncEngine) -> AsyncIterator[Database]:
    """A unit of work's connection, committed at the end."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield Database(connection, WriterGate(None))
        await transaction.commit()


def _message(n: int, created: datetime) -> Message:
    return Message(
        id=f"m{n}",
        conversation_id=f"c{n}",
        media_type="sms",
        direction="outbound",
        from_address="+13175550100",
        to_address=f"+1463200{n:04d}",
        status=QUEUED,
        created_at=created,
        text_body="héllo 50% ' \" 日本" if n % 2 else None,
        segment_count=1,
        send_state=PENDING,
        keyword_reply=bool(n % 2),
    )


async def test_a_message_stored_through_many_rows_reads_back_as_through_sqlalchemy(
    engine: AsyncEngine,
) -> None:
    tokyo = timezone(timedelta(hours=9))
    created = datetime(2030, 5, 1, 19, 0, 0, 123456, tzinfo=tokyo)
    async with database(engine) as db:
        await db.execute_many(
            INSERT_MESSAGES, [message_values(_message(n, created)) for n in (1, 2)]
        )
        await db.execute(insert(messages), [message_values(_message(n, created)) for n in (3, 4)])
    async with database(engine) as db:
        rows = {r.id: r._asdict() for r in await db.execute(select(messages))}
    for ours, theirs in (("m1", "m3"), ("m2", "m4")):
        mine, sqlalchemys = dict(rows[ours]), dict(rows[theirs])
        for row in (mine, sqlalchemys):
            for key in ("id", "conversation_id", "to_address"):
                row.pop(key)
        assert mine == sqlalchemys
    assert rows["m1"]["created_at"] == created.astimezone(UTC)
    assert rows["m1"]["text_body"] == "héllo 50% ' \" 日本"


async def test_constants_stay_constant_and_shared_values_apply_to_every_row(
    engine: AsyncEngine,
) -> None:
    created = datetime(2030, 5, 1, tzinfo=UTC)
    claim = ManyRows(
        update(messages)
        .where(messages.c.id == bindparam("b_id"), messages.c.send_state == PENDING)
        .values(send_state=SENDING, claimed_by=bindparam("b_by"), lease_until=None)
    )
    async with database(engine) as db:
        await db.execute_many(
            INSERT_MESSAGES, [message_values(_message(n, created)) for n in (1, 2, 3)]
        )
        await db.execute_many(claim, [{"b_id": "m1"}, {"b_id": "m2"}], {"b_by": "d1"})
        # m2 is no longer pending: the statement's own condition holds it back.
        await db.execute_many(claim, [{"b_id": "m2"}, {"b_id": "m3"}], {"b_by": "d2"})
    async with database(engine) as db:
        rows = {r.id: (r.send_state, r.claimed_by) for r in await db.execute(select(messages))}
    assert rows == {"m1": (SENDING, "d1"), "m2": (SENDING, "d1"), "m3": (SENDING, "d2")}


def test_a_list_parameter_is_refused_when_the_statement_is_prepared(engine: AsyncEngine) -> None:
    statement = ManyRows(
        update(messages)
        .where(messages.c.id.in_(bindparam("b_ids", expanding=True)))
        .values(status=bindparam("b_status"))
    )
    with pytest.raises(ValueError, match="b_ids"):
        statement.prepare(engine.dialect)
