"""Callable time sets."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.division_repository import escape_like, name_key
from tidings.adapters.db.tables import callable_time_sets as sets
from tidings.domain.callable_times import CallableTime, CallableTimeSet, TimeSlot
from tidings.domain.paging import PageRequest


def _document(time_set: CallableTimeSet) -> list[dict[str, Any]]:
    return [
        {
            "timeZoneId": entry.time_zone_id,
            "timeSlots": [
                {"day": s.day, "startTime": s.start.isoformat(), "stopTime": s.stop.isoformat()}
                for s in entry.slots
            ],
        }
        for entry in time_set.callable_times
    ]


def _entity(row: Any) -> CallableTimeSet:
    return CallableTimeSet(
        id=row.id,
        name=row.name,
        callable_times=[
            CallableTime(
                entry["timeZoneId"],
                tuple(
                    TimeSlot(
                        s["day"],
                        time.fromisoformat(s["startTime"]),
                        time.fromisoformat(s["stopTime"]),
                    )
                    for s in entry["timeSlots"]
                ),
            )
            for entry in row.callable_times
        ],
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


class SqlCallableTimeSetRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, set_id: str) -> CallableTimeSet | None:
        row = (await self._db.execute(select(sets).where(sets.c.id == set_id))).first()
        return None if row is None else _entity(row)

    async def find_by_name(self, name: str) -> CallableTimeSet | None:
        row = (
            await self._db.execute(select(sets).where(sets.c.name_key == name_key(name)))
        ).first()
        return None if row is None else _entity(row)

    async def list(
        self, page: PageRequest, *, name: str | None = None
    ) -> tuple[list[CallableTimeSet], int]:
        conditions = []
        if name:
            conditions.append(sets.c.name_key.like(f"{escape_like(name_key(name))}%", escape="/"))
        total = (
            await self._db.execute(select(func.count()).select_from(sets).where(*conditions))
        ).scalar()
        rows = await self._db.execute(
            select(sets)
            .where(*conditions)
            .order_by(sets.c.name_key)
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [_entity(row) for row in rows], int(total or 0)

    async def add(self, time_set: CallableTimeSet) -> None:
        await self._db.execute(
            insert(sets).values(
                id=time_set.id,
                name=time_set.name,
                name_key=name_key(time_set.name),
                callable_times=_document(time_set),
                version=time_set.version,
                date_created=time_set.date_created,
                date_modified=time_set.date_modified,
            )
        )

    async def update(self, time_set: CallableTimeSet, expected_version: int) -> bool:
        result = await self._db.execute(
            update(sets)
            .where(sets.c.id == time_set.id, sets.c.version == expected_version)
            .values(
                name=time_set.name,
                name_key=name_key(time_set.name),
                callable_times=_document(time_set),
                version=expected_version + 1,
                date_modified=time_set.date_modified,
            )
        )
        if result.rowcount != 1:
            return False
        time_set.version = expected_version + 1
        return True

    async def delete(self, set_id: str) -> bool:
        result = await self._db.execute(delete(sets).where(sets.c.id == set_id))
        return bool(result.rowcount)
