"""Divisions."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.sql import ColumnElement

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import (
    contact_lists,
    divisions,
    dnc_lists,
    oauth_client_grants,
    response_libraries,
)
from tidings.domain.divisions import Division
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope


def _entity(row: Any) -> Division:
    return Division(
        id=row.id,
        name=row.name,
        description=row.description,
        home_division=row.home_division,
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


def name_key(name: str) -> str:
    """Division names are unique regardless of case, as in Genesys."""
    return name.strip().casefold()


def escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _conditions(scoped: bool, named: bool, by_ids: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scoped:
        conditions.append(divisions.c.id.in_(bindparam("scope", expanding=True)))
    if named:
        conditions.append(divisions.c.name_key.like(bindparam("pattern"), escape="/"))
    if by_ids:
        conditions.append(divisions.c.id.in_(bindparam("ids", expanding=True)))
    return conditions


# Built once per shape: constructing a statement and its cache key costs more than running
# it on a small table. The values travel as bound parameters.
@functools.cache
def _list_query(scoped: bool, named: bool, by_ids: bool) -> Select[Any]:
    # One round trip: the window count rides along with the page.
    return (
        select(divisions, func.count().over().label("total"))
        .where(*_conditions(scoped, named, by_ids))
        .order_by(divisions.c.home_division.desc(), divisions.c.name_key)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@functools.cache
def _count_query(scoped: bool, named: bool, by_ids: bool) -> Select[Any]:
    return select(func.count()).select_from(divisions).where(*_conditions(scoped, named, by_ids))


class SqlDivisionRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, division_id: str) -> Division | None:
        row = (
            await self._db.execute(select(divisions).where(divisions.c.id == division_id))
        ).first()
        return None if row is None else _entity(row)

    async def get_home(self) -> Division:
        row = (
            await self._db.execute(select(divisions).where(divisions.c.home_division.is_(True)))
        ).one()
        return _entity(row)

    async def find_by_name(self, name: str) -> Division | None:
        row = (
            await self._db.execute(select(divisions).where(divisions.c.name_key == name_key(name)))
        ).first()
        return None if row is None else _entity(row)

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[Division], int]:
        if not scope.everywhere and not scope.division_ids:
            return [], 0
        params: dict[str, Any] = {"limit": page.page_size, "offset": page.offset}
        if not scope.everywhere:
            params["scope"] = sorted(scope.division_ids)
        if name:
            params["pattern"] = f"%{escape_like(name_key(name))}%"
        if ids:
            params["ids"] = list(ids)
        query = _list_query(not scope.everywhere, bool(name), bool(ids))
        rows = (await self._db.execute(query, params)).all()
        if rows:
            return [_entity(row) for row in rows], int(rows[0].total)
        if page.page_number == 1:
            return [], 0
        count = _count_query(not scope.everywhere, bool(name), bool(ids))
        return [], int((await self._db.execute(count, params)).scalar() or 0)

    async def add(self, division: Division) -> None:
        await self._db.execute(
            insert(divisions).values(
                id=division.id,
                name=division.name,
                name_key=name_key(division.name),
                description=division.description,
                home_division=division.home_division,
                version=division.version,
                date_created=division.date_created,
                date_modified=division.date_modified,
            )
        )

    async def update(self, division: Division, expected_version: int) -> bool:
        result = await self._db.execute(
            update(divisions)
            .where(divisions.c.id == division.id, divisions.c.version == expected_version)
            .values(
                name=division.name,
                name_key=name_key(division.name),
                description=division.description,
                version=expected_version + 1,
                date_modified=division.date_modified,
            )
        )
        if result.rowcount != 1:
            return False
        division.version = expected_version + 1
        return True

    async def delete(self, division_id: str) -> bool:
        result = await self._db.execute(delete(divisions).where(divisions.c.id == division_id))
        return bool(result.rowcount)

    async def usage(self, division_id: str) -> dict[str, int]:
        """What still names the division, by kind (only kinds with something in them)."""
        counts = {}
        for kind, table, column in (
            ("OAuth client grant", oauth_client_grants, oauth_client_grants.c.division_id),
            ("contact list", contact_lists, contact_lists.c.division_id),
            ("DNC list", dnc_lists, dnc_lists.c.division_id),
            ("response library", response_libraries, response_libraries.c.division_id),
        ):
            found = (
                await self._db.execute(
                    select(func.count()).select_from(table).where(column == division_id)
                )
            ).scalar()
            if found:
                counts[kind] = int(found)
        return counts

    async def existing_ids(self, division_ids: Sequence[str]) -> set[str]:
        """The ids that exist, held until the unit of work ends (a grant is about to name
        them): inside the write transaction on SQLite, FOR SHARE on PostgreSQL, so a
        concurrent delete of the division waits for us and then sees the grant."""
        if not division_ids:
            return set()
        await self._db.begin_write()
        rows = await self._db.execute(
            select(divisions.c.id)
            .where(divisions.c.id.in_(list(division_ids)))
            .with_for_update(read=True)
        )
        return {row.id for row in rows}
