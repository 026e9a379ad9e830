"""Which dispatcher processes are alive: a heartbeat row each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import dispatchers


class SqlDispatcherRegistry:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def heartbeat(self, dispatcher_id: str, hostname: str, pid: int, now: datetime) -> None:
        result = await self._db.execute(
            update(dispatchers).where(dispatchers.c.id == dispatcher_id).values(seen_at=now)
        )
        if result.rowcount == 0:
            await self._db.execute(
                insert(dispatchers).values(
                    id=dispatcher_id, hostname=hostname, pid=pid, started_at=now, seen_at=now
                )
            )

    async def forget(self, dispatcher_id: str) -> None:
        await self._db.execute(delete(dispatchers).where(dispatchers.c.id == dispatcher_id))

    async def live(self, seen_since: datetime) -> list[str]:
        rows = await self._db.execute(
            select(dispatchers.c.id).where(dispatchers.c.seen_at >= seen_since)
        )
        return [row.id for row in rows]
