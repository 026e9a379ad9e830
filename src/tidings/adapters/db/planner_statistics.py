"""PostgreSQL's planner statistics of the tables the send path grows from nothing.

A campaign or a burst of agentless sends can fill these tables with tens of thousands of
rows a minute. Until a table is analysed the planner has no statistics of its columns and
plans the send path's lookups as for a handful of rows: a receipt's provider ids were
checked by walking every id of the channel, 4-14 ms a lookup at 60,000 messages instead of
a fraction of one, under the lock that receipts and settlements share. Autovacuum analyses
a changed table a minute or more later, or never when it is off; the dispatcher does not
wait for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text

from tidings.adapters.db import lock_keys
from tidings.adapters.db.database import Database

SEND_PATH_TABLES = (
    "messages",
    "conversations",
    "message_provider_ids",
    "message_receipts",
    "campaign_attempts",
    "webhook_deliveries",
)
# A table is analysed again once the rows inserted, updated or deleted since its last
# analysis are as many as it held then, and this many at least. A message's row is written
# three or four times, so `messages` is analysed every quarter or third of growth: at
# 100,000 messages a dozen times, 0.25 s each, against a minute and a half of sending.
CHANGED_ROWS_FLOOR = 5_000
# How long an analysis waits for its table's lock (a VACUUM, an index being built, a
# migration hold it): past it the table waits for a later pass, and nothing else waits.
LOCK_WAIT = "100ms"

_STALE = text(
    "SELECT c.relname FROM unnest(CAST(:names AS text[])) AS t(name) "
    "JOIN pg_class c ON c.oid = to_regclass(t.name) "
    "WHERE pg_stat_get_mod_since_analyze(c.oid) >= greatest(:floor, c.reltuples) "
    # Only tables this role may analyse (it owns them or the database): PostgreSQL skips
    # the others with a warning, and their count of changes, never reset, would name them
    # again every pass.
    "AND (pg_has_role(c.relowner, 'USAGE') OR pg_has_role("
    "(SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE')) "
    # A table being vacuumed holds the lock an analysis needs, often for minutes.
    "AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_vacuum v WHERE v.relid = c.oid)"
)


class SqlPlannerStatistics:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def stale(self) -> list[str]:
        """The send path's tables that changed a lot since their last analysis. None on
        SQLite, whose planner goes by rules here."""
        if self._db.connection.dialect.name != "postgresql":
            return []
        return await self._stale(SEND_PATH_TABLES)

    async def analyse(self, table: str) -> bool:
        """Analyses one of the tables `stale` named, if it still is and no other dispatcher
        is analysing; whether it did. One table a transaction: the statistics are kept at
        the commit, but the table's count of changes is reset when the analysis ends, so a
        failure after it would leave the table looking fresh without them; alone in its
        transaction, it takes no other table's with it."""
        if self._db.connection.dialect.name != "postgresql" or table not in SEND_PATH_TABLES:
            return False
        taken = await self._db.connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_keys.ANALYSING}
        )
        # Read again under the lock: another dispatcher may have analysed it meanwhile.
        if not taken.scalar() or not await self._stale([table]):
            return False
        await self._db.connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
        await self._db.connection.exec_driver_sql(f'ANALYZE "{table}"')
        return True

    async def _stale(self, names: Sequence[str]) -> list[str]:
        rows = await self._db.connection.execute(
            _STALE, {"names": list(names), "floor": CHANGED_ROWS_FLOOR}
        )
        return [row.relname for row in rows]
