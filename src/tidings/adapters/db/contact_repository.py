"""Contacts of a contact list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tidings.adapters.db.contact_filter_sql import FilterCompiler, sorts
from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import contact_lists, contacts
from tidings.domain.contact_filters import Criteria
from tidings.domain.contact_lists import AddressCheck, ChannelHistory, Contact
from tidings.domain.paging import PageRequest


def _addresses(contact: Contact) -> dict[str, Any]:
    # Without the raw value: it is the contact's data cell (a million-row list is
    # smaller by a sixth). Rows written before kept it; reading ignores it.
    return {
        column: {
            "address": check.address,
            "reason": check.reason,
            "timeZones": list(check.time_zones),
            "zoneSource": check.zone_source,
        }
        for column, check in contact.addresses.items()
    }


def contact_from_row(row: Any) -> Contact:
    return Contact(
        id=row.id,
        contact_list_id=row.contact_list_id,
        data=dict(row.data),
        callable=row.callable,
        phone_number_status=dict(row.phone_number_status),
        contactable_status=dict(row.contactable_status),
        addresses={
            column: AddressCheck(
                row.data.get(column, ""),
                v["address"],
                v["reason"],
                tuple(v["timeZones"]),
                v.get("zoneSource"),
            )
            for column, v in row.addresses.items()
        },
        priority=row.priority,
        queued_at=row.queued_at,
        date_created=row.date_created,
        history={
            channel: ChannelHistory(
                getattr(row, f"{channel}_last_attempt"),
                getattr(row, f"{channel}_last_result"),
                getattr(row, f"{channel}_last_column"),
                getattr(row, f"{channel}_attempts"),
            )
            for channel in ("sms", "email")
            if getattr(row, f"{channel}_attempts", 0)
        },
    )


def _values(contact: Contact) -> dict[str, Any]:
    return {
        "contact_list_id": contact.contact_list_id,
        "id": contact.id,
        "data": contact.data,
        "callable": contact.callable,
        "phone_number_status": contact.phone_number_status,
        "contactable_status": contact.contactable_status,
        "addresses": _addresses(contact),
        "priority": contact.priority,
        "queued_at": contact.queued_at,
        "date_created": contact.date_created,
    }


class SqlContactRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get_many(self, list_id: str, contact_ids: Sequence[str]) -> list[Contact]:
        if not contact_ids:
            return []
        rows = await self._db.execute(
            select(contacts)
            .where(contacts.c.contact_list_id == list_id, contacts.c.id.in_(list(contact_ids)))
            .order_by(contacts.c.seq)
        )
        return [contact_from_row(row) for row in rows]

    async def upsert(
        self, batch: Sequence[Contact], *, keep_system_data: bool, keep_queue_position: bool
    ) -> None:
        if not batch:
            return
        # No foreign key to the list (migration 0007): it is checked and held instead.
        await self._db.hold(contact_lists, batch[0].contact_list_id, "Contact list")
        dialect = self._db.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(contacts)
        replaced = ["data", "addresses"]
        if not keep_system_data:
            replaced += ["callable", "phone_number_status", "contactable_status"]
            replaced += [
                f"{channel}_{item}"
                for channel in ("sms", "email")
                for item in ("last_attempt", "last_result", "last_column", "attempts")
            ]
        if not keep_queue_position:
            replaced += ["priority", "queued_at"]
        statement = statement.on_conflict_do_update(
            index_elements=[contacts.c.contact_list_id, contacts.c.id],
            set_={name: statement.excluded[name] for name in replaced},
        )
        await self._db.execute(statement, [_values(c) for c in batch])

    async def search(
        self,
        list_id: str,
        criteria: Criteria,
        sort_keys: Sequence[tuple[str, bool, bool]],
        page: PageRequest,
        now: datetime,
    ) -> tuple[list[Contact], int]:
        """A page of the list's contacts that the criteria take, and how many they take."""
        compiler = FilterCompiler(self._db.connection.dialect.name, now)
        where = (contacts.c.contact_list_id == list_id, compiler.condition(criteria))
        total = (
            await self._db.execute(select(func.count()).select_from(contacts).where(*where))
        ).scalar()
        rows = await self._db.execute(
            select(contacts)
            .where(*where)
            .order_by(*sorts(compiler, sort_keys))
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [contact_from_row(row) for row in rows], int(total or 0)

    async def zone_counts(
        self, list_id: str, column: str
    ) -> list[tuple[tuple[str, ...], str | None, int]]:
        """How many of the list's contacts have each (zones, zone source) for `column`."""
        zones = contacts.c.addresses[(column, "timeZones")].as_string()
        source = contacts.c.addresses[(column, "zoneSource")].as_string()
        rows = await self._db.execute(
            select(zones.label("zones"), source.label("source"), func.count().label("n"))
            .where(contacts.c.contact_list_id == list_id)
            .group_by(zones, source)
        )
        return [
            (tuple(orjson.loads(row.zones)) if row.zones else (), row.source, int(row.n))
            for row in rows
        ]

    async def replace(self, contact: Contact) -> bool:
        values = _values(contact)
        for key in ("contact_list_id", "id", "date_created", "queued_at"):
            del values[key]
        result = await self._db.execute(
            update(contacts)
            .where(
                contacts.c.contact_list_id == contact.contact_list_id,
                contacts.c.id == contact.id,
            )
            .values(**values)
        )
        return bool(result.rowcount)

    async def delete(self, list_id: str, contact_ids: Sequence[str]) -> int:
        if not contact_ids:
            return 0
        result = await self._db.execute(
            delete(contacts).where(
                contacts.c.contact_list_id == list_id, contacts.c.id.in_(list(contact_ids))
            )
        )
        return int(result.rowcount or 0)

    async def clear(self, list_id: str) -> int:
        result = await self._db.execute(
            delete(contacts).where(contacts.c.contact_list_id == list_id)
        )
        return int(result.rowcount or 0)
