"""Queries shared by the named, versioned tables in divisions (contact lists, DNC lists, ...):
each has `id`, `name`, `name_key` (unique, case-folded), `division_id` and `version`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table, func, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.division_repository import escape_like, name_key
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope

# How `filterType` matches `name` (Genesys' names; the comparisons are case-insensitive).
NAME_PATTERNS = {
    "Prefix": "{}%",
    "BeginsWith": "{}%",
    "Contains": "%{}%",
    "EndsWith": "%{}",
    "Equals": "{}",
}


async def find_by_name(db: Database, table: Table, name: str) -> Any | None:
    return (await db.execute(select(table).where(table.c.name_key == name_key(name)))).first()


async def page_of(
    db: Database,
    table: Table,
    scope: Scope,
    page: PageRequest,
    *,
    name: str | None = None,
    name_match: str = "Prefix",
    ids: Sequence[str] = (),
    division_ids: Sequence[str] = (),
    where: Sequence[ColumnElement[bool]] = (),
    division: ColumnElement[str] | None = None,
    source: FromClause | None = None,
) -> tuple[list[Any], int]:
    """One page of rows the scope lets the caller see, by name, and their total.
    `division` and `source`: for rows whose division is another table's (a filter is in
    its list's division), that column and the join that reaches it."""
    division = table.c.division_id if division is None else division
    conditions = list(where)
    if not scope.everywhere:
        if not scope.division_ids:
            return [], 0
        conditions.append(division.in_(sorted(scope.division_ids)))
    if name:
        pattern = NAME_PATTERNS[name_match].format(escape_like(name_key(name)))
        conditions.append(table.c.name_key.like(pattern, escape="/"))
    if ids:
        conditions.append(table.c.id.in_(list(ids)))
    if division_ids:
        conditions.append(division.in_(list(division_ids)))
    source = table if source is None else source
    total = (await db.execute(select(func.count()).select_from(source).where(*conditions))).scalar()
    rows = await db.execute(
        select(table)
        .select_from(source)
        .where(*conditions)
        .order_by(
            *(
                (table.c.name_key.desc(), table.c.id.desc())
                if page.descending
                else (table.c.name_key, table.c.id)
            )
        )
        .limit(page.page_size)
        .offset(page.offset)
    )
    return list(rows), int(total or 0)


async def update_versioned(
    db: Database, table: Table, item: Any, expected_version: int, values: dict[str, Any]
) -> bool:
    """Writes `values` and version+1 if the stored version is `expected_version` (else the
    caller lost a race); on success `item.version` follows."""
    result = await db.execute(
        update(table)
        .where(table.c.id == item.id, table.c.version == expected_version)
        .values(version=expected_version + 1, **values)
    )
    if result.rowcount != 1:
        return False
    item.version = expected_version + 1
    return True


async def counts(db: Database, column: Any, keys: Sequence[str]) -> dict[str, int]:
    """How many rows of `column`'s table carry each of `keys` (zero included)."""
    found = dict.fromkeys(keys, 0)
    if keys:
        rows = await db.execute(
            select(column.label("key"), func.count().label("n"))
            .where(column.in_(list(keys)))
            .group_by(column)
        )
        found.update({row.key: int(row.n) for row in rows})
    return found
