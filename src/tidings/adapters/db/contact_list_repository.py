"""Contact lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, insert, select

from tidings.adapters.db.database import Database
from tidings.adapters.db.division_repository import name_key
from tidings.adapters.db.divisioned import counts, find_by_name, page_of, update_versioned
from tidings.adapters.db.tables import contact_lists, contacts
from tidings.domain.contact_lists import AddressColumn, ColumnDataType, ContactList
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope


def _definition(contact_list: ContactList) -> dict[str, Any]:
    return {
        "columnNames": contact_list.column_names,
        "phoneColumns": [asdict(c) for c in contact_list.phone_columns],
        "emailColumns": [asdict(c) for c in contact_list.email_columns],
        "columnDataTypes": [asdict(c) for c in contact_list.column_data_types],
        "trimWhitespace": contact_list.trim_whitespace,
        "timeZone": contact_list.time_zone,
        "automaticTimeZoneMapping": contact_list.automatic_time_zone_mapping,
        "zipCodeColumnName": contact_list.zip_code_column_name,
        "previewModeColumnName": contact_list.preview_mode_column_name,
        "previewModeAcceptedValues": contact_list.preview_mode_accepted_values,
    }


def _entity(row: Any) -> ContactList:
    d = row.definition
    return ContactList(
        id=row.id,
        name=row.name,
        division_id=row.division_id,
        column_names=list(d["columnNames"]),
        phone_columns=[AddressColumn(**c) for c in d["phoneColumns"]],
        email_columns=[AddressColumn(**c) for c in d["emailColumns"]],
        column_data_types=[ColumnDataType(**c) for c in d["columnDataTypes"]],
        trim_whitespace=d["trimWhitespace"],
        time_zone=d["timeZone"],
        automatic_time_zone_mapping=d["automaticTimeZoneMapping"],
        zip_code_column_name=d["zipCodeColumnName"],
        preview_mode_column_name=d["previewModeColumnName"],
        preview_mode_accepted_values=list(d["previewModeAcceptedValues"]),
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


class SqlContactListRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, list_id: str) -> ContactList | None:
        row = (
            await self._db.execute(select(contact_lists).where(contact_lists.c.id == list_id))
        ).first()
        return None if row is None else _entity(row)

    async def find_by_name(self, name: str) -> ContactList | None:
        row = await find_by_name(self._db, contact_lists, name)
        return None if row is None else _entity(row)

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        ids: Sequence[str] = (),
        division_ids: Sequence[str] = (),
    ) -> tuple[list[ContactList], int]:
        rows, total = await page_of(
            self._db,
            contact_lists,
            scope,
            page,
            name=name,
            name_match=name_match,
            ids=ids,
            division_ids=division_ids,
        )
        return [_entity(row) for row in rows], total

    async def add(self, contact_list: ContactList) -> None:
        await self._db.execute(
            insert(contact_lists).values(
                id=contact_list.id,
                name=contact_list.name,
                name_key=name_key(contact_list.name),
                division_id=contact_list.division_id,
                definition=_definition(contact_list),
                version=contact_list.version,
                date_created=contact_list.date_created,
                date_modified=contact_list.date_modified,
            )
        )

    async def update(self, contact_list: ContactList, expected_version: int) -> bool:
        return await update_versioned(
            self._db,
            contact_lists,
            contact_list,
            expected_version,
            {
                "name": contact_list.name,
                "name_key": name_key(contact_list.name),
                "division_id": contact_list.division_id,
                "definition": _definition(contact_list),
                "date_modified": contact_list.date_modified,
            },
        )

    async def delete(self, list_id: str) -> bool:
        await self._db.execute(delete(contacts).where(contacts.c.contact_list_id == list_id))
        result = await self._db.execute(delete(contact_lists).where(contact_lists.c.id == list_id))
        return bool(result.rowcount)

    async def sizes(self, list_ids: Sequence[str]) -> dict[str, int]:
        return await counts(self._db, contacts.c.contact_list_id, list_ids)
