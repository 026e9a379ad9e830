"""The send path looks rows up by lists of ids (provider ids, message ids, addresses,
contacts) of any length, up to a claim's batch. Each lookup finds exactly its rows, and on
PostgreSQL every length is one statement text: a text per length was parsed and planned
anew at each call (a lookup of 1,000-2,000 ids took 14.8 ms, as one array 2.7 ms)."""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.query_plans import statements_sent
from tidings.adapters.db.in_list import in_list

_rows = Table(
    "listed_rows",
    MetaData(),
    Column("seq", BigInteger, primary_key=True),
    Column("name", String(36), nullable=False),
)
BY_SEQ = select(_rows.c.name).where(in_list(_rows.c.seq, "b_seqs"))
BY_NAME = select(_rows.c.seq).where(in_list(_rows.c.name, "b_names"))

COUNT = 3000


@pytest.fixture
async def filled(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as connection:
        await connection.run_sync(_rows.metadata.create_all)
        rows = [{"seq": n, "name": f"name {n}"} for n in range(COUNT)]
        await connection.execute(insert(_rows), rows)
    return engine


@pytest.mark.parametrize("length", [0, 1, 2, 2000])
async def test_a_list_of_any_length_finds_exactly_its_rows(
    filled: AsyncEngine, length: int
) -> None:
    # Every other one exists, the rest are past the end, and seq 2 is asked twice.
    seqs = [n * 2 if n % 2 else COUNT + n for n in range(length)] + ([2] if length > 1 else [])
    names = [f"name {n}" for n in seqs] + (["name ' 日本", "%"] if length > 1 else [])
    async with filled.connect() as connection:
        by_seq = set((await connection.execute(BY_SEQ, {"b_seqs": seqs})).scalars())
        by_name = set((await connection.execute(BY_NAME, {"b_names": names})).scalars())
    wanted = {n for n in seqs if n < COUNT}
    assert by_seq == {f"name {n}" for n in wanted}
    assert by_name == wanted


async def test_a_value_longer_than_the_column_matches_nothing(filled: AsyncEngine) -> None:
    # "name 1234" followed by more: it must not be taken for the row it begins with, on a
    # column of 36 characters.
    stored = "name 1234".ljust(36, "x")
    async with filled.begin() as connection:
        await connection.execute(insert(_rows), [{"seq": COUNT, "name": stored}])
    async with filled.connect() as connection:
        found = (await connection.execute(BY_NAME, {"b_names": [stored + "y"]})).all()
        exact = (await connection.execute(BY_NAME, {"b_names": [stored]})).scalars().all()
    assert found == []
    assert exact == [COUNT]


async def test_on_postgresql_every_length_is_one_statement(filled: AsyncEngine) -> None:
    if filled.dialect.name != "postgresql":
        pytest.skip("SQLite has no arrays: it gets a placeholder an item")
    async with filled.connect() as connection:
        with statements_sent(filled, "listed_rows") as sent:
            for length in (1, 7, 2000):
                await connection.execute(BY_SEQ, {"b_seqs": list(range(length))})
    assert len({statement for statement, _ in sent}) == 1
