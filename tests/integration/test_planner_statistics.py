"""A new database's first big campaign grows the send path's tables by thousands of rows a
second. Until PostgreSQL analyses them, its planner has no statistics of their columns and
checks each receipt's provider ids by walking every id of the channel. A running dispatcher
analyses tables that outgrew their statistics, so the lookups go by the id again within a
second, whether autovacuum is on, late or off. (PostgreSQL 15 or later: the tests make the
server count their changes at once with `pg_stat_force_next_flush`.)"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.conftest import BACKEND
from tests.support.query_plans import plan, statements_sent
from tidings import bootstrap
from tidings.adapters.db import lock_keys
from tidings.adapters.db.planner_statistics import CHANGED_ROWS_FLOOR
from tidings.dispatch.loop import Dispatcher
from tidings.domain.ids import utcnow
from tidings.domain.opt_outs import OptOutChange
from tidings.domain.receipts import Receipt

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="a choice of PostgreSQL's planner")

SENT = 2 * CHANGED_ROWS_FLOOR


async def _add_provider_ids(app: bootstrap.Container, prefix: str, count: int) -> None:
    async with app.engine.begin() as connection:
        # As in the first seconds of a first campaign: the statistics stay those of the
        # empty table the migrations made, however long autovacuum (on or off) would take.
        await connection.exec_driver_sql(
            "ALTER TABLE message_provider_ids SET (autovacuum_enabled = false)"
        )
        await connection.exec_driver_sql(
            "INSERT INTO message_provider_ids (channel, provider_message_id, message_id) "
            f"SELECT 'sms', '{prefix}' || i, 'm' || i FROM generate_series(1, {count}) AS i"
        )
        # A session reports its changes to the statistics at most once a second: now.
        await connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")


async def _receipt_lookup_plan(app: bootstrap.Container) -> str:
    with statements_sent(app.engine, "FROM message_provider_ids JOIN messages") as sent:
        async with app.send_path_uow() as uow:
            await uow.messages.record_receipts(
                "sms", [(Receipt(f"p{i}", "DELIVRD"), utcnow()) for i in range(1, 41)]
            )
    [(statement, parameters)] = sent
    return await plan(app.engine, statement, parameters)


def _ids_looked_up_by_key(text: str) -> bool:
    return any("Index Cond" in line and "provider_message_id" in line for line in text.splitlines())


async def test_a_running_dispatcher_analyses_grown_tables_so_receipts_find_ids_by_key(
    app: bootstrap.Container,
) -> None:
    await _add_provider_ids(app, "p", SENT)
    before = await _receipt_lookup_plan(app)
    assert not _ids_looked_up_by_key(before), before

    stop = asyncio.Event()
    running = asyncio.create_task(Dispatcher(app.unit_of_work, poll_seconds=0.05).run(stop))
    try:
        for _ in range(100):
            after = await _receipt_lookup_plan(app)
            if _ids_looked_up_by_key(after):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running
    assert _ids_looked_up_by_key(after), after


async def _refresh(app: bootstrap.Container) -> list[str]:
    return await Dispatcher(app.unit_of_work, poll_seconds=1).refresh_statistics()


async def test_a_table_is_analysed_again_once_its_changes_reach_its_size(
    app: bootstrap.Container,
) -> None:
    await _add_provider_ids(app, "p", SENT)
    assert await _refresh(app) == ["message_provider_ids"]
    assert await _refresh(app) == []
    await _add_provider_ids(app, "q", SENT * 3 // 4)
    assert await _refresh(app) == []
    await _add_provider_ids(app, "r", SENT // 4)
    assert await _refresh(app) == ["message_provider_ids"]


async def test_a_dispatcher_leaves_a_table_to_the_one_analysing_and_opt_outs_wait_for_neither(
    app: bootstrap.Container,
) -> None:
    await _add_provider_ids(app, "p", SENT)
    async with app.engine.connect() as other:
        await other.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_keys.ANALYSING})
        try:
            assert await _refresh(app) == []
            # An opt-out takes a lock of its own, not the analysing dispatcher's.
            async with asyncio.timeout(5), app.unit_of_work() as uow:
                await uow.opt_outs.suppress(
                    "sms", "+13175550199", "*", OptOutChange("api"), utcnow()
                )
                await uow.commit()
        finally:
            await other.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": lock_keys.ANALYSING}
            )
    assert await _refresh(app) == ["message_provider_ids"]
