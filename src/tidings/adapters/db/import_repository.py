"""Imports of files into lists: their state and progress, as `importstatus` shows them.
One repository serves contact imports and DNC imports; each has its table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, delete, insert, select, update

from tidings.adapters.db.database import Database
from tidings.domain.imports import AWAITING_UPLOAD, ImportJob

J = TypeVar("J", bound=ImportJob)

_FIELDS = (
    "state",
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


class SqlImportRepository(Generic[J]):
    """The imports of one kind of list: `table` has the list's foreign key, and a column for
    each field the job type adds to `ImportJob`."""

    def __init__(self, connection: Database, table: Table, job_type: type[J]) -> None:
        self._db = connection
        self._table = table
        self._list = next(iter(table.foreign_keys)).parent
        self._job_type = job_type
        common = {f.name for f in fields(ImportJob)}
        self._fields = _FIELDS + tuple(f.name for f in fields(job_type) if f.name not in common)

    def _values(self, job: J) -> dict[str, Any]:
        values = {name: getattr(job, name) for name in self._fields}
        values[self._list.name] = job.list_id
        return values

    def _entity(self, row: Any) -> J:
        found = self._job_type(
            id=row.id,
            list_id=getattr(row, self._list.name),
            **{name: getattr(row, name) for name in self._fields},
        )
        found.warnings = list(found.warnings)
        found.date_modified = row.date_modified
        return found

    async def add(self, job: J, now: datetime) -> None:
        await self._db.execute(
            insert(self._table).values(id=job.id, date_modified=now, **self._values(job))
        )

    async def save(self, job: J, now: datetime) -> None:
        await self._db.execute(
            update(self._table)
            .where(self._table.c.id == job.id)
            .values(date_modified=now, **self._values(job))
        )

    async def get(self, import_id: str) -> J | None:
        row = (
            await self._db.execute(select(self._table).where(self._table.c.id == import_id))
        ).first()
        return None if row is None else self._entity(row)

    async def latest(self, list_ids: Sequence[str]) -> dict[str, J]:
        """The latest import that received its file, per list."""
        rows = await self._db.execute(
            select(self._table)
            .where(self._list.in_(list(list_ids)), self._table.c.state != AWAITING_UPLOAD)
            .order_by(self._table.c.date_created, self._table.c.id)
        )
        found = [self._entity(row) for row in rows]
        return {job.list_id: job for job in found}

    async def drop_older(self, list_id: str, keep_id: str) -> list[str]:
        """Forgets the list's other ended imports; returns their ids (to delete files)."""
        rows = await self._db.execute(
            select(self._table.c.id).where(
                self._list == list_id,
                self._table.c.id != keep_id,
                self._table.c.state.in_(["COMPLETE", "FAILED"]),
            )
        )
        ids = [row.id for row in rows]
        if ids:
            await self._db.execute(delete(self._table).where(self._table.c.id.in_(ids)))
        return ids

    async def ids_for(self, list_ids: Sequence[str]) -> list[str]:
        rows = await self._db.execute(
            select(self._table.c.id).where(self._list.in_(list(list_ids)))
        )
        return [row.id for row in rows]
