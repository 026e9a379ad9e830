"""A new database's first big campaign grows the send path's tables by thousands of rows a
second. Until PostgreSQL analyses them, its planner takes them for empty and checks each
receipt's provider ids by walking every id of the channel. The dispatcher's pass analyses
tables that outgrew their statistics, so the lookups go by the id again within a second,
whether autovacuum is on, late or off."""

from __future__ import annotations

import pytest

from tests.conftest import BACKEND
from tests.support.query_plans import plan, statements_sent
from tidings import bootstrap
from tidings.adapters.db.planner_statistics import CHANGED_ROWS_FLOOR
from tidings.dispatch.loop import Dispatcher
from tidings.domain.ids import utcnow
from tidings.domain.receipts import Receipt

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="a choice of PostgreSQL's planner")

SENT = 2 * CHANGED_ROWS_FLOOR
# As in the first seconds of a first campaign: the statistics stay those of the empty
# tables the migrations made, however long autovacuum (on or off) would take.
_FILL = [
    "ALTER TABLE message_provider_ids SET (autovacuum_enabled = false)",
    "INSERT INTO message_provider_ids (channel, provider_message_id, message_id) "
    f"SELECT 'sms', 'p' || i, 'm' || i FROM generate_series(1, {SENT}) AS i",
    # A session reports its changes to the statistics at most once a second: now.
    "SELECT pg_stat_force_next_flush()",
]


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


async def test_a_dispatcher_pass_analyses_grown_tables_so_receipts_find_ids_by_key(
    app: bootstrap.Container,
) -> None:
    async with app.engine.begin() as connection:
        for statement in _FILL:
            await connection.exec_driver_sql(statement)
    before = await _receipt_lookup_plan(app)
    assert not _ids_looked_up_by_key(before), before

    await Dispatcher(app.unit_of_work, poll_seconds=1).run_once()

    after = await _receipt_lookup_plan(app)
    assert _ids_looked_up_by_key(after), after


async def test_tables_are_analysed_again_only_after_as_many_changes_as_they_held(
    app: bootstrap.Container,
) -> None:
    async with app.engine.begin() as connection:
        for statement in _FILL:
            await connection.exec_driver_sql(statement)
    async with app.unit_of_work() as uow:
        assert await uow.statistics.refresh() == ["message_provider_ids"]
        await uow.commit()
    async with app.unit_of_work() as uow:
        assert await uow.statistics.refresh() == []
        await uow.commit()
    async with app.engine.begin() as connection:
        await connection.exec_driver_sql(
            "INSERT INTO message_provider_ids (channel, provider_message_id, message_id) "
            f"SELECT 'sms', 'q' || i, 'm' || i FROM generate_series(1, {SENT}) AS i"
        )
        await connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")
    async with app.unit_of_work() as uow:
        assert await uow.statistics.refresh() == ["message_provider_ids"]
        await uow.commit()
