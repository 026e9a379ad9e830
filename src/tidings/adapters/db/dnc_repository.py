"""DNC lists and their entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from tidings.adapters.db.database import Database
from tidings.adapters.db.division_repository import name_key
from tidings.adapters.db.divisioned import counts, find_by_name, page_of, update_versioned
from tidings.adapters.db.tables import dnc_entries, dnc_lists
from tidings.domain.dnc import DncList
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope


def _entity(row: Any) -> DncList:
    return DncList(
        id=row.id,
        name=row.name,
        division_id=row.division_id,
        contact_method=row.contact_method,
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


def _live(now: datetime) -> Any:
    return or_(dnc_entries.c.expires_at.is_(None), dnc_entries.c.expires_at > now)


class SqlDncRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, list_id: str) -> DncList | None:
        row = (await self._db.execute(select(dnc_lists).where(dnc_lists.c.id == list_id))).first()
        return None if row is None else _entity(row)

    async def find_by_name(self, name: str) -> DncList | None:
        row = await find_by_name(self._db, dnc_lists, name)
        return None if row is None else _entity(row)

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        division_ids: Sequence[str] = (),
    ) -> tuple[list[DncList], int]:
        rows, total = await page_of(
            self._db,
            dnc_lists,
            scope,
            page,
            name=name,
            name_match=name_match,
            division_ids=division_ids,
        )
        return [_entity(row) for row in rows], total

    async def add(self, dnc_list: DncList) -> None:
        await self._db.execute(
            insert(dnc_lists).values(
                id=dnc_list.id,
                name=dnc_list.name,
                name_key=name_key(dnc_list.name),
                division_id=dnc_list.division_id,
                contact_method=dnc_list.contact_method,
                version=dnc_list.version,
                date_created=dnc_list.date_created,
                date_modified=dnc_list.date_modified,
            )
        )

    async def update(self, dnc_list: DncList, expected_version: int) -> bool:
        return await update_versioned(
            self._db,
            dnc_lists,
            dnc_list,
            expected_version,
            {
                "name": dnc_list.name,
                "name_key": name_key(dnc_list.name),
                "division_id": dnc_list.division_id,
                "contact_method": dnc_list.contact_method,
                "date_modified": dnc_list.date_modified,
            },
        )

    async def delete(self, list_id: str) -> bool:
        """Deletes the list and its entries (they have no foreign key to it)."""
        await self._db.execute(delete(dnc_entries).where(dnc_entries.c.dnc_list_id == list_id))
        result = await self._db.execute(delete(dnc_lists).where(dnc_lists.c.id == list_id))
        return bool(result.rowcount)

    async def sizes(self, list_ids: Sequence[str]) -> dict[str, int]:
        return await counts(self._db, dnc_entries.c.dnc_list_id, list_ids)

    async def add_entries(
        self, list_id: str, kind: str, addresses: Sequence[str], expires_at: datetime | None
    ) -> None:
        """Adds the addresses; one already listed takes the new expiration."""
        if not addresses:
            return
        # No foreign key to the list (migration 0009): it is checked and held instead.
        await self._db.hold(dnc_lists, list_id, "DNC list")
        dialect = self._db.connection.dialect.name
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert_(dnc_entries)
        statement = statement.on_conflict_do_update(
            index_elements=[dnc_entries.c.dnc_list_id, dnc_entries.c.kind, dnc_entries.c.address],
            set_={"expires_at": statement.excluded.expires_at},
        )
        await self._db.execute(
            statement,
            [
                {"dnc_list_id": list_id, "kind": kind, "address": a, "expires_at": expires_at}
                for a in dict.fromkeys(addresses)
            ],
        )

    async def remove_entries(self, list_id: str, kind: str, addresses: Sequence[str]) -> int:
        if not addresses:
            return 0
        result = await self._db.execute(
            delete(dnc_entries).where(
                dnc_entries.c.dnc_list_id == list_id,
                dnc_entries.c.kind == kind,
                dnc_entries.c.address.in_(list(addresses)),
            )
        )
        return int(result.rowcount or 0)

    async def purge(self, list_id: str, kind: str, *, expired_before: datetime | None) -> int:
        """Removes every entry of `kind`, or only those expired before `expired_before`."""
        conditions = [dnc_entries.c.dnc_list_id == list_id, dnc_entries.c.kind == kind]
        if expired_before is not None:
            conditions.append(dnc_entries.c.expires_at <= expired_before)
        result = await self._db.execute(delete(dnc_entries).where(*conditions))
        return int(result.rowcount or 0)

    async def listing(
        self, list_ids: Sequence[str], kind: str, address: str, now: datetime
    ) -> set[str]:
        """The lists among `list_ids` where `address` is listed and not expired: one
        primary-key lookup per list."""
        if not list_ids:
            return set()
        # Not a row-value IN ((list, kind, address), ...): SQLite scans the table for that
        # (tests/integration/test_dnc_matching.py shows the plan).
        rows = await self._db.execute(
            select(dnc_entries.c.dnc_list_id).where(
                dnc_entries.c.dnc_list_id.in_(list(list_ids)),
                dnc_entries.c.kind == kind,
                dnc_entries.c.address == address,
                _live(now),
            )
        )
        return {row.dnc_list_id for row in rows}

    async def listed_among(
        self, list_ids: Sequence[str], kind: str, addresses: Sequence[str], now: datetime
    ) -> set[str]:
        """Which of `addresses` are listed (and not expired) on any of the lists: primary-key
        lookups, one per list and address."""
        if not list_ids or not addresses:
            return set()
        rows = await self._db.execute(
            select(dnc_entries.c.address).where(
                dnc_entries.c.dnc_list_id.in_(list(list_ids)),
                dnc_entries.c.kind == kind,
                dnc_entries.c.address.in_(sorted(set(addresses))),
                _live(now),
            )
        )
        return {row.address for row in rows}
