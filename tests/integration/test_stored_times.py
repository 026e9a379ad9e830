"""Times go into the database as UTC and come back as aware UTC datetimes, in the order
they happened whatever zone they were given in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from tidings.adapters.db.tables import opt_outs

TOKYO = timezone(timedelta(hours=9))


def _row(address: str, at: datetime) -> dict[str, object]:
    return {"channel": "sms", "address": address, "sender": "*", "reason": "t", "created_at": at}


async def test_times_read_back_as_the_same_instants_in_utc_and_sort_in_time_order(
    engine: AsyncEngine,
) -> None:
    given = {
        "+14632000001": datetime(2030, 5, 1, 19, 0, 0, 123456, tzinfo=TOKYO),  # 10:00 UTC
        "+14632000002": datetime(2030, 5, 1, 9, 30, tzinfo=UTC),  # no microseconds
        "+14632000003": datetime(2030, 5, 1, 10, 0, 0, 1, tzinfo=UTC),
        "+14632000004": datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    }
    async with engine.begin() as connection:
        await connection.execute(insert(opt_outs), [_row(a, at) for a, at in given.items()])
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(opt_outs.c.address, opt_outs.c.created_at).order_by(opt_outs.c.created_at)
            )
        ).all()
        later = (
            await connection.execute(
                select(opt_outs.c.address).where(
                    opt_outs.c.created_at > datetime(2030, 5, 1, 19, 0, tzinfo=TOKYO)
                )
            )
        ).scalars()
        later_addresses = set(later)
        if engine.dialect.name == "sqlite":
            stored = (
                await connection.execute(
                    text("SELECT created_at FROM opt_outs WHERE address = '+14632000002'")
                )
            ).scalar_one()
    assert [r.address for r in rows] == [
        "+14632000004",
        "+14632000002",
        "+14632000003",
        "+14632000001",
    ]
    for row in rows:
        assert row.created_at == given[row.address]
        assert row.created_at.tzinfo == UTC
    assert later_addresses == {"+14632000001", "+14632000003"}
    if engine.dialect.name == "sqlite":
        # SQLAlchemy's own format: what earlier versions stored compares the same.
        assert stored == "2030-05-01 09:30:00.000000"


async def test_a_time_without_a_zone_is_refused(engine: AsyncEngine) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with engine.begin() as connection:
            await connection.execute(
                insert(opt_outs), [_row("+14632000009", datetime(2030, 5, 1, 10, 0))]
            )
