"""A contact list filter evaluated by the database (SQLite or PostgreSQL, as this run
tests) takes exactly the contacts the reference evaluation in Python takes."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import Engine

from tests.conftest import fresh_database
from tidings.adapters.db import migrate
from tidings.adapters.db.contact_filter_sql import FilterCompiler, sorts
from tidings.adapters.db.engine import driver_url
from tidings.adapters.db.export_source import SqlExportSource
from tidings.adapters.db.tables import contact_lists, contacts, divisions
from tidings.domain.contact_filters import (
    NUMBER,
    OPERATORS,
    Clause,
    Criteria,
    FilterRange,
    Predicate,
    matches,
)

COLUMNS = ["name", "amount", "due", "city"]
NOW = datetime(2030, 5, 10, 12, 0, tzinfo=UTC)
CELLS = [
    "",
    "0",
    "7",
    "-3",
    "+4.50",
    "10",
    "2.5",
    "007",
    "1.",
    ".5",
    "1e3",
    "Ann",
    "ann",
    "Åsa",
    "Zoë",
    "山田",
    "a,b",
    "O'Brien",
    "x%y_z",
    "2030-05-01",
    "2030-05-09 23:59",
    "2030-05-10T11:00:00Z",
    "2030-05-10T12:00:01",
    "2030-13-45",
    "2030-05-01 1:00",
    "10 apples",
]
VALUES = st.sampled_from([*CELLS, "a", "n", "2030-05-05", "P3D", "PT2H", "P1DT30M", "5"])


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    directory: Path = tmp_path_factory.mktemp("filters")
    with fresh_database(directory) as url:
        migrate.upgrade(url)
        engine = create_engine(driver_url(url, asynchronous=False))
        rng = random.Random(5)
        now = datetime.now(UTC)
        with engine.begin() as connection:
            home = connection.execute(select(divisions.c.id)).scalar_one()
            connection.execute(
                insert(contact_lists).values(
                    id="L",
                    name="L",
                    name_key="l",
                    division_id=home,
                    definition={},
                    version=1,
                    date_created=now,
                    date_modified=now,
                )
            )
            rows = []
            for n in range(300):
                data = {c: rng.choice(CELLS) for c in COLUMNS if rng.random() > 0.1}
                rows.append(
                    {
                        "contact_list_id": "L",
                        "id": f"c{n}",
                        "data": data,
                        "callable": True,
                        "phone_number_status": {},
                        "contactable_status": {},
                        "addresses": {},
                        "priority": False,
                        "queued_at": n,
                        "date_created": now,
                    }
                )
            connection.execute(insert(contacts), rows)
        yield engine
        engine.dispose()


def _rows(engine: Engine) -> list[tuple[str, dict[str, str]]]:
    with engine.connect() as connection:
        found = connection.execute(
            select(contacts.c.id, contacts.c.data).order_by(contacts.c.seq)
        ).all()
    return [(row.id, dict(row.data)) for row in found]


@st.composite
def predicates(draw: st.DrawFn) -> Predicate:
    operator = draw(st.sampled_from(OPERATORS))
    numeric = operator not in ("CONTAINS", "BEGINS_WITH", "ENDS_WITH") and draw(st.booleans())
    number = st.sampled_from(["0", "7", "-3", "4.5", "10", "2.5", "+1", "7.0"])
    value = draw(number if numeric else VALUES)
    if operator in ("BEFORE", "AFTER"):
        value = draw(st.sampled_from(["2030-05-05", "2030-05-10 11:30", "P3D", "PT2H", "P10D"]))
    bounds = FilterRange(
        min=draw(number if numeric else VALUES),
        max=draw(number if numeric else VALUES),
        min_inclusive=draw(st.booleans()),
        max_inclusive=draw(st.booleans()),
        in_set=tuple(draw(st.lists(number if numeric else VALUES, min_size=1, max_size=4))),
    )
    return Predicate(
        column=draw(st.sampled_from(COLUMNS)),
        operator=operator,
        column_type="numeric" if numeric else "alphabetic",
        value=value,
        range=bounds,
        inverted=draw(st.booleans()),
    )


criteria = st.builds(
    Criteria,
    clauses=st.lists(
        st.builds(
            Clause,
            predicates=st.lists(predicates(), min_size=1, max_size=3).map(tuple),
            filter_type=st.sampled_from(["AND", "OR"]),
        ),
        max_size=3,
    ).map(tuple),
    filter_type=st.sampled_from(["AND", "OR"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(found=criteria)
def test_sql_takes_the_contacts_python_takes(engine: Engine, found: Criteria) -> None:
    compiler = FilterCompiler(engine.dialect.name, NOW)
    with engine.connect() as connection:
        taken = (
            connection.execute(
                select(contacts.c.id)
                .where(contacts.c.contact_list_id == "L", compiler.condition(found))
                .order_by(contacts.c.seq)
            )
            .scalars()
            .all()
        )
    expected = [contact_id for contact_id, data in _rows(engine) if matches(found, data, NOW)]
    assert list(taken) == expected


def test_sorts_order_numbers_by_value_and_text_by_code_point(engine: Engine) -> None:
    compiler = FilterCompiler(engine.dialect.name, NOW)
    keys = [("amount", True, True), ("name", False, False)]
    with engine.connect() as connection:
        ordered = (
            connection.execute(
                select(contacts.c.id)
                .where(contacts.c.contact_list_id == "L")
                .order_by(*sorts(compiler, keys))
            )
            .scalars()
            .all()
        )
    rows = _rows(engine)  # in insertion order: the last tie-breaker

    def key(item: tuple[int, tuple[str, dict[str, str]]]) -> tuple[object, ...]:
        position, (_, data) = item
        amount, name = data.get("amount", ""), data.get("name", "")
        number = -Decimal(amount) if NUMBER.fullmatch(amount) else Decimal(0)
        return (not NUMBER.fullmatch(amount), number, name, position)

    expected = [contact_id for _, (contact_id, _) in sorted(enumerate(rows), key=key)]
    assert list(ordered) == expected


@pytest.fixture(scope="module")
def export_source(engine: Engine) -> Iterator[SqlExportSource]:
    made = SqlExportSource(engine.url.render_as_string(hide_password=False), block_bytes=2_000)
    yield made
    made.close()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(found=criteria, chosen=st.none() | st.sets(st.integers(0, 320), max_size=40))
def test_an_export_through_a_filter_takes_the_contacts_search_takes(
    engine: Engine, export_source: SqlExportSource, found: Criteria, chosen: set[int] | None
) -> None:
    """The export streams the same condition search and preview use, cut into blocks, so
    the file holds exactly the contacts they count (of the chosen ids, when some are)."""
    ids = [f"c{n}" for n in sorted(chosen)] if chosen is not None else []
    compiler = FilterCompiler(engine.dialect.name, NOW)
    query = select(contacts.c.id).where(contacts.c.contact_list_id == "L")
    if ids:
        query = query.where(contacts.c.id.in_(ids))
    with engine.connect() as connection:
        searched = connection.execute(
            query.where(compiler.condition(found)).order_by(contacts.c.seq)
        ).scalars()
        expected = list(searched)
    batches = list(export_source.batches("L", ids, found, NOW))
    exported = [contact_id for batch in batches for contact_id in batch["id"]]
    assert exported == expected
    in_python = [
        contact_id
        for contact_id, data in _rows(engine)
        if (not ids or contact_id in ids) and matches(found, data, NOW)
    ]
    assert exported == in_python
