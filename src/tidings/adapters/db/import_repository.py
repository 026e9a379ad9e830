"""Contact imports: their state and progress, as `importstatus` shows them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import contact_imports
from tidings.domain.imports import AWAITING_UPLOAD, ContactImport

_FIELDS = (
    "contact_list_id",
    "state",
    "contact_id_column",
    "clear_system_data",
    "total_records",
    "completed_records",
    "imported",
    "rejected",
    "duplicates",
    "failure_reason",
    "warnings",
    "created_by",
    "date_created",
    "date_completed",
)


def _entity(row: Any) -> ContactImport:
    found = ContactImport(id=row.id, **{name: getattr(row, name) for name in _FIELDS})
    found.warnings = list(found.warnings)
    found.date_modified = row.date_modified
    return found


class SqlContactImportRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def add(self, job: ContactImport, now: datetime) -> None:
        values = {name: getattr(job, name) for name in _FIELDS}
        await self._db.execute(
            insert(contact_imports).values(id=job.id, date_modified=now, **values)
        )

    async def save(self, job: ContactImport, now: datetime) -> None:
        values = {name: getattr(job, name) for name in _FIELDS}
        await self._db.execute(
            update(contact_imports)
            .where(contact_imports.c.id == job.id)
            .values(date_modified=now, **values)
        )

    async def get(self, import_id: str) -> ContactImport | None:
        row = (
            await self._db.execute(select(contact_imports).where(contact_imports.c.id == import_id))
        ).first()
        return None if row is None else _entity(row)

    async def latest(self, list_ids: Sequence[str]) -> dict[str, ContactImport]:
        """The latest import that received its file, per list."""
        rows = await self._db.execute(
            select(contact_imports)
            .where(
                contact_imports.c.contact_list_id.in_(list(list_ids)),
                contact_imports.c.state != AWAITING_UPLOAD,
            )
            .order_by(contact_imports.c.date_created, contact_imports.c.id)
        )
        return {row.contact_list_id: _entity(row) for row in rows}

    async def drop_older(self, list_id: str, keep_id: str) -> list[str]:
        """Forgets the list's other ended imports; returns their ids (to delete files)."""
        rows = await self._db.execute(
            select(contact_imports.c.id).where(
                contact_imports.c.contact_list_id == list_id,
                contact_imports.c.id != keep_id,
                contact_imports.c.state.in_(["COMPLETE", "FAILED"]),
            )
        )
        ids = [row.id for row in rows]
        if ids:
            await self._db.execute(delete(contact_imports).where(contact_imports.c.id.in_(ids)))
        return ids

    async def ids_for(self, list_ids: Sequence[str]) -> list[str]:
        rows = await self._db.execute(
            select(contact_imports.c.id).where(
                contact_imports.c.contact_list_id.in_(list(list_ids))
            )
        )
        return [row.id for row in rows]
