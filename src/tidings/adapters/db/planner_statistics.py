"""PostgreSQL's planner statistics of the tables the send path grows from nothing.

A campaign or a burst of agentless sends can fill these tables with tens of thousands of
rows a minute. Until a table is analysed, the planner takes it for its size at the last
analysis (none, on a new database) and plans the send path's lookups for a tiny table:
a receipt's provider ids were checked by walking every id of the channel, 4-14 ms a lookup
at 60,000 messages instead of a fraction of one, under the lock that receipts and
settlements share. Autovacuum analyses a changed table a minute or more later, or never
when it is off; the dispatcher does not wait for it.
"""

from __future__ import annotations

from sqlalchemy import text

from tidings.adapters.db.database import Database

SEND_PATH_TABLES = (
    "messages",
    "conversations",
    "message_provider_ids",
    "message_receipts",
    "campaign_attempts",
    "webhook_deliveries",
)
# A table is analysed again once it has changed by as many rows as it held at its last
# analysis, and by this many at least: each analysis samples 30,000 rows (0.1-0.3 s for the
# messages at 100,000), so a growing table is analysed a few times, at doubling sizes.
CHANGED_ROWS_FLOOR = 5_000
# Held while analysing, so that of several dispatchers only one analyses at a time.
_ANALYSING_LOCK = 0x7469_6469_6E67_0002

_STALE = text(
    "SELECT c.relname FROM unnest(CAST(:names AS text[])) AS t(name) "
    "JOIN pg_class c ON c.oid = to_regclass(t.name) "
    "JOIN pg_stat_user_tables s ON s.relid = c.oid "
    "WHERE s.n_mod_since_analyze >= greatest(:floor, c.reltuples)"
)


class SqlPlannerStatistics:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def refresh(self, floor: int = CHANGED_ROWS_FLOOR) -> list[str]:
        """Analyses the send path's tables that changed a lot since their last analysis;
        returns their names. Nothing on SQLite, whose planner works by rules here."""
        if self._db.connection.dialect.name != "postgresql":
            return []
        names = list(SEND_PATH_TABLES)
        stale = [
            row.relname
            for row in await self._db.connection.execute(_STALE, {"names": names, "floor": floor})
        ]
        if not stale:
            return []
        taken = await self._db.connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _ANALYSING_LOCK}
        )
        if not taken.scalar():
            return []
        for name in stale:
            # The name is one of SEND_PATH_TABLES, as the database spells it.
            await self._db.connection.exec_driver_sql(f'ANALYZE "{name}"')
        return stale
