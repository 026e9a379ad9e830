"""The data layer against real SQLite and PostgreSQL: migrations, types, concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from tidings.adapters.db import migrate
from tidings.adapters.db.engine import make_async_engine, make_sync_engine
from tidings.adapters.db.tables import divisions, metadata
from tidings.adapters.db.text_search import schema_filter
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.adapters.db.writer_gate import WriterGate
from tidings.domain.divisions import Division
from tidings.domain.oauth import OAuthClient


def test_the_migrations_build_exactly_the_schema_the_code_queries(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            include = schema_filter(connection.dialect.name)
            context = MigrationContext.configure(connection, opts={"include_object": include})
            differences = compare_metadata(context, metadata)
            homes = connection.execute(
                select(func.count()).select_from(divisions).where(divisions.c.home_division)
            ).scalar()
    finally:
        engine.dispose()
    assert differences == []
    assert homes == 1


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.upgrade(database_url)
    assert not migrate.pending(database_url)


def test_after_migration_0025_no_contact_takes_a_seq_a_contact_or_attempt_held(
    database_url: str,
) -> None:
    """SQLite: contacts whose largest seqs were deleted (one still named by a campaign
    attempt) keep their seqs through the table's rebuild, and the next contact comes after
    every seq ever handed out."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's sequence never reuses a number")
    migrate.upgrade(database_url, "0024")
    engine = make_sync_engine(database_url)
    contact = (
        "INSERT INTO contacts (seq, contact_list_id, id, data, callable, phone_number_status,"
        " contactable_status, addresses, priority, queued_at, date_created)"
        " VALUES (?, 'l', ?, '{}', 1, '{}', '{}', '{}', 0, 0, '2026-11-28 00:00:00')"
    )
    try:
        with engine.begin() as connection:
            for seq in (1, 2, 7, 9):
                connection.exec_driver_sql(contact, (seq, f"c{seq}"))
            connection.exec_driver_sql(
                "INSERT INTO campaign_attempts (campaign_id, cycle, contact_seq, contact_id,"
                " state, rank, position) VALUES ('k', 1, 9, 'c9', 'pending', 1, 9)"
            )
            connection.exec_driver_sql("DELETE FROM contacts WHERE seq IN (7, 9)")
        migrate.upgrade(database_url)
        with engine.begin() as connection:
            kept = connection.exec_driver_sql("SELECT seq, id FROM contacts ORDER BY seq").all()
            connection.exec_driver_sql(
                contact.replace("VALUES (?, ", "VALUES (").replace("(seq, ", "("), ("new",)
            )
            new = connection.exec_driver_sql("SELECT seq FROM contacts WHERE id = 'new'").scalar()
    finally:
        engine.dispose()
    assert [tuple(row) for row in kept] == [(1, "c1"), (2, "c2")]
    assert new == 10


@pytest.fixture
async def uow_factory(database_url: str):  # type: ignore[no-untyped-def]
    migrate.upgrade(database_url)
    engine = make_async_engine(database_url)
    gate = WriterGate(None)
    yield lambda: SqlUnitOfWork(engine, gate)
    await engine.dispose()


async def test_times_come_back_as_the_same_utc_instant(uow_factory) -> None:  # type: ignore[no-untyped-def]
    from datetime import timezone

    tokyo = timezone(timedelta(hours=9))
    when = datetime(2030, 5, 1, 19, 0, 0, 123000, tzinfo=tokyo)
    now = datetime.now(UTC)
    client = OAuthClient(
        id="c1",
        name="tz",
        secret_digest="0" * 64,
        authorized_grant_type="CLIENT-CREDENTIALS",
        date_to_delete=when,
        date_created=now,
        date_modified=now,
    )
    async with uow_factory() as uow:
        await uow.oauth_clients.add(client)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.oauth_clients.get("c1")
    assert stored is not None and stored.date_to_delete == when
    assert stored.date_to_delete.tzinfo == UTC


async def test_a_concurrent_update_loses_with_a_version_conflict(uow_factory) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    async with uow_factory() as uow:
        await uow.divisions.add(Division(id="d1", name="Race", date_created=now, date_modified=now))
        await uow.commit()
    async with uow_factory() as first, uow_factory() as second:
        mine = await first.divisions.get("d1")
        theirs = await second.divisions.get("d1")
        assert mine and theirs
        mine.name = "Mine"
        assert await first.divisions.update(mine, expected_version=1)
        await first.commit()
        theirs.name = "Theirs"
        assert not await second.divisions.update(theirs, expected_version=1)
    async with uow_factory() as uow:
        final = await uow.divisions.get("d1")
    assert final and final.name == "Mine" and final.version == 2


async def test_an_uncommitted_unit_of_work_leaves_nothing(uow_factory) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    async with uow_factory() as uow:
        await uow.divisions.add(Division(id="d2", name="Gone", date_created=now, date_modified=now))
    async with uow_factory() as uow:
        assert await uow.divisions.get("d2") is None


async def test_concurrent_writers_all_land(uow_factory) -> None:  # type: ignore[no-untyped-def]
    """Fifty units of work writing at once: none fails with "database is locked"."""
    now = datetime.now(UTC)

    async def write(index: int) -> None:
        async with uow_factory() as uow:
            await uow.divisions.get("none")  # a read first, as services do
            await uow.divisions.add(
                Division(id=f"c{index}", name=f"C{index}", date_created=now, date_modified=now)
            )
            await uow.commit()

    await asyncio.gather(*(write(i) for i in range(50)))
    async with uow_factory() as uow:
        found = [await uow.divisions.get(f"c{i}") for i in range(50)]
    assert all(found)
