"""DNC lists against the real database: whether an address is on a list (formatting does
not matter, expired entries do not apply, a check is a key lookup, even in a million), and
who may export one."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.query_plans import plan, statements_sent
from tidings import bootstrap
from tidings.domain.dnc import DncList
from tidings.domain.errors import InvalidInput, MissingPermission
from tidings.domain.imports import StagedParts
from tidings.domain.permissions import (
    ALL_DIVISIONS,
    ROLES_BY_ID,
    Access,
    Grant,
    Role,
    find_role,
)
from tidings.services.caller import Caller

ADMIN = find_role("admin")
assert ADMIN
CALLER = Caller("tests", Access("tests", [Grant(ADMIN.id, ALL_DIVISIONS)]), 10**9)
SHAPES = ["({}) {}-{}", "{}.{}.{}", "+1 {} {} {}", "1-{}-{}-{}", "{}{}{}", "+1{}{}{}"]


async def _list(app: bootstrap.Container, method: str = "Any") -> str:
    created = await app.dnc.create(CALLER, DncList("", f"dnc-{method}", "", method))
    return created.id


async def test_formatting_does_not_matter(app: bootstrap.Container) -> None:
    list_id = await _list(app)
    stored: set[tuple[str, str, str]] = set()
    # Hypothesis drives a plain function: it runs in a thread and hands each example's
    # coroutine to this test's event loop.
    loop = asyncio.get_running_loop()

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.tuples(
            st.sampled_from(["317", "212", "415"]),
            st.integers(200, 999).map(str),
            st.integers(0, 9999).map(lambda n: f"{n:04d}"),
        ),
        st.sampled_from(SHAPES),
        st.sampled_from(SHAPES),
    )
    def check(parts: tuple[str, str, str], written: str, asked: str) -> None:
        async def run() -> None:
            try:
                await app.dnc.add(CALLER, list_id, "phone", [written.format(*parts)], None)
            except InvalidInput:  # not a valid number in its region: nothing to look up
                return
            stored.add(parts)
            assert await app.dnc.listing([list_id], phone=asked.format(*parts)) == {list_id}

        asyncio.run_coroutine_threadsafe(run(), loop).result()

    await asyncio.to_thread(check)
    assert stored


async def test_expired_entries_do_not_apply(app: bootstrap.Container) -> None:
    list_id = await _list(app, "Email")
    past = datetime.now(UTC) - timedelta(minutes=1)
    future = datetime.now(UTC) + timedelta(days=1)
    await app.dnc.add(CALLER, list_id, "email", ["old@example.com"], past)
    await app.dnc.add(CALLER, list_id, "email", ["Soon@Example.com"], future)
    assert await app.dnc.listing([list_id], email="OLD@example.com") == set()
    assert await app.dnc.listing([list_id], email="soon@example.COM") == {list_id}


async def test_only_the_lists_that_hold_the_address_are_named(app: bootstrap.Container) -> None:
    first, second = await _list(app, "Phone"), await _list(app, "Email")
    await app.dnc.add(CALLER, first, "phone", ["+13175550100"], None)
    assert await app.dnc.listing([first, second], phone="317-555-0100") == {first}
    assert await app.dnc.listing([first, second], phone="+13175550199") == set()
    assert await app.dnc.listing([first, second], phone="not a number") == set()


async def test_email_entries_match_in_their_normalised_form(app: bootstrap.Container) -> None:
    """An internationalised domain listed in its ASCII (punycode) form still matches."""
    list_id = await _list(app, "Email")
    await app.dnc.add(CALLER, list_id, "email", ["User@XN--BCHER-KVA.CH"], None)
    assert await app.dnc.listing([list_id], email="user@bücher.ch") == {list_id}


_FILL = {
    # A million numbers, +13172000000 to +13172999999, written by the database itself.
    "sqlite": (
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999) "
        "INSERT INTO dnc_entries (dnc_list_id, kind, address) "
        "SELECT ?, 'phone', printf('+1317%07d', 2000000 + i) FROM n"
    ),
    "postgresql": (
        "INSERT INTO dnc_entries (dnc_list_id, kind, address) "
        "SELECT %s, 'phone', '+1317' || (2000000 + i) FROM generate_series(0, 999999) AS i"
    ),
}


async def test_a_check_against_a_million_entries_is_a_primary_key_lookup(
    app: bootstrap.Container,
) -> None:
    """What the campaign engine asks for each contact: the query plan goes through the
    primary key's index to the one entry, whatever the size of the lists."""
    big, other = await _list(app, "Phone"), await _list(app, "Any")
    dialect = app.engine.dialect.name
    async with app.engine.begin() as connection:
        await connection.exec_driver_sql(_FILL[dialect], (big,))
    with statements_sent(app.engine, "FROM dnc_entries") as asked:
        started = time.perf_counter()
        assert await app.dnc.listing([big, other], phone="(317) 212-3456") == {big}
        seconds = time.perf_counter() - started
        assert await app.dnc.listing([big, other], phone="(317) 555-0100") == set()
    assert (await app.dnc.get(CALLER, big, include_size=True))[1] == 1_000_000
    text = await plan(app.engine, *asked[0])
    if dialect == "sqlite":
        assert "SEARCH dnc_entries USING INDEX sqlite_autoindex_dnc_entries_1" in text, text
        assert "(dnc_list_id=? AND kind=? AND address=?)" in text, text
    else:
        assert "Index Scan using pk_dnc_entries on dnc_entries" in text, text
        assert "Index Cond: (((dnc_list_id)::text = ANY" in text, text
    assert "SCAN dnc_entries" not in text and "Seq Scan" not in text, text
    assert seconds < 1.0  # a scan of a million rows would take longer than a lookup


async def test_an_export_needs_the_entries_permission_too(
    app: bootstrap.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Genesys asks for ALL of outbound:dncList:view and outbound:dnc:view; no built-in
    role holds the one without the other, so one is made up here."""
    lists_only = Role("dncListsOnly", "", ("outbound:dncList:view",))
    monkeypatch.setitem(ROLES_BY_ID, lists_only.id, lists_only)
    caller = Caller("lists-only", Access("lists-only", [Grant(lists_only.id, ALL_DIVISIONS)]), 1)
    list_id = await _list(app, "Phone")
    assert (await app.dnc.get(caller, list_id))[0].id == list_id  # it may read the list
    for attempt in (app.dnc_exports.start, app.dnc_exports.latest):
        with pytest.raises(MissingPermission, match="outbound:dnc:view"):
            await attempt(caller, list_id)


async def test_a_claims_check_after_a_large_upload_looks_each_number_up(
    app: bootstrap.Container, tmp_path: Path
) -> None:
    """A campaign claim asks about 500 numbers at once (`listed_among`). Right after a
    large upload into an empty table, PostgreSQL without statistics believed the list tiny
    and walked all its entries for each claim, filtering on the numbers (0.3-0.6 s a claim
    at a million entries); the upload refreshes the statistics, so each number is a lookup
    in the primary key."""
    list_id = await _list(app, "Phone")
    part = tmp_path / "staged.arrow"
    pl.DataFrame(
        {"kind": "phone", "address": [f"+1317{2000000 + i}" for i in range(200_000)]}
    ).write_ipc(part)
    parts = StagedParts()
    parts.put(part)
    parts.finish()
    assert await app.dnc_bulk.merge(list_id, parts, expires_at=None) == 200_000
    numbers = [f"+1463{2000000 + i}" for i in range(499)] + ["+13172000123"]
    with statements_sent(app.engine, "FROM dnc_entries") as asked:
        async with app.unit_of_work() as uow:
            found = await uow.dnc.listed_among([list_id], "phone", numbers, datetime.now(UTC))
    assert found == {"+13172000123"}
    text = await plan(app.engine, *asked[0])
    if app.engine.dialect.name == "sqlite":
        assert "(dnc_list_id=? AND kind=? AND address=?)" in text, text
    else:
        # Not "Index Cond: (dnc_list_id = ... AND kind = ...)" with the numbers a Filter.
        index_condition = next((line for line in text.splitlines() if "Index Cond:" in line), "")
        assert "address" in index_condition, text
    assert "SCAN dnc_entries" not in text and "Seq Scan" not in text, text
