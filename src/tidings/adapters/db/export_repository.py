"""Export jobs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import exports
from tidings.domain.exports import Export


def _entity(row: Any) -> Export:
    return Export(
        id=row.id,
        contact_list_id=row.contact_list_id,
        state=row.state,
        row_count=row.row_count,
        error=row.error,
        date_created=row.date_created,
        date_completed=row.date_completed,
    )


class SqlExportRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def add(self, export: Export) -> None:
        await self._db.execute(
            insert(exports).values(
                id=export.id,
                contact_list_id=export.contact_list_id,
                state=export.state,
                row_count=export.row_count,
                date_created=export.date_created,
            )
        )

    async def get(self, export_id: str) -> Export | None:
        row = (await self._db.execute(select(exports).where(exports.c.id == export_id))).first()
        return None if row is None else _entity(row)

    async def latest_complete(self, list_id: str) -> Export | None:
        row = (
            await self._db.execute(
                select(exports)
                .where(exports.c.contact_list_id == list_id, exports.c.state == "complete")
                .order_by(exports.c.date_completed.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else _entity(row)

    async def ids_for(self, list_ids: Sequence[str]) -> list[str]:
        rows = await self._db.execute(
            select(exports.c.id).where(exports.c.contact_list_id.in_(list(list_ids)))
        )
        return [row.id for row in rows]

    async def drop_older(self, list_id: str, keep_id: str) -> list[str]:
        """Forgets the list's other finished exports; returns their ids (to delete files)."""
        rows = await self._db.execute(
            select(exports.c.id).where(
                exports.c.contact_list_id == list_id,
                exports.c.id != keep_id,
                exports.c.state != "running",
            )
        )
        ids = [row.id for row in rows]
        if ids:
            await self._db.execute(delete(exports).where(exports.c.id.in_(ids)))
        return ids

    async def finish(
        self, export_id: str, state: str, row_count: int, error: str | None, when: datetime
    ) -> None:
        await self._db.execute(
            update(exports)
            .where(exports.c.id == export_id)
            .values(state=state, row_count=row_count, error=error, date_completed=when)
        )
