"""DNC entries in bulk: a staged upload into its list in one transaction (`bulk.BulkEngine`),
and a list's entries streamed out for an export.

The entries of a file are added each once and in key order: inserting in the primary
key's order writes its index page after page instead of all over it (a million entries on
PostgreSQL: COPY 6.8 s shuffled, 2.3 s sorted). SQLite takes them as JSON arrays through
`json_each`, 50,000 a statement: binding them one row at a time cost 3.6 s a million,
`json_each` 1.4 s.

On PostgreSQL a large upload ends with ANALYZE of the entries (see `_refresh_statistics`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import polars as pl
from sqlalchemy import select

from tidings.adapters.db.bulk import (
    COPY_CSV,
    BulkEngine,
    copy_or_upsert,
    count,
    hold,
    write_csv,
)
from tidings.adapters.db.tables import dnc_entries
from tidings.adapters.db.writer_gate import WriterGate
from tidings.domain.imports import StagedParts
from tidings.ports import DncEntry

DNC = "DNC list"
_JSON_ROWS = 50_000
_EXPORT_BATCH = 10_000
# An upload of at least this many entries, and a tenth of its list or more, refreshes the
# planner's statistics of dnc_entries in its transaction.
_ANALYZE_AFTER = 10_000
_KEY = "(dnc_list_id, kind, address)"
# An entry already listed takes the new expiration; one that keeps its expiration is left
# alone (uploading a list again rewrites nothing).
_UPSERT = (
    f"ON CONFLICT {_KEY} DO UPDATE SET expires_at = excluded.expires_at "
    "WHERE dnc_entries.expires_at IS DISTINCT FROM excluded.expires_at"
)
_SQLITE_INSERT = (
    "INSERT INTO dnc_entries (dnc_list_id, kind, address, expires_at) "
    "SELECT ?, ?, value, ? FROM json_each(?) WHERE true "  # WHERE: SQLite's upsert syntax
    + _UPSERT.replace("IS DISTINCT FROM", "IS NOT")
)
_COPY = f"COPY dnc_entries (dnc_list_id, kind, address, expires_at) FROM STDIN {COPY_CSV}"


class SqlDncBulk:
    def __init__(self, url: str, writer_gate: WriterGate | None) -> None:
        self._bulk = BulkEngine(url, writer_gate)

    async def merge(self, list_id: str, parts: StagedParts, *, expires_at: datetime | None) -> int:
        """Adds the staged entries; answers the list's size after."""
        # Stored as SQLAlchemy stores UtcDateTime: UTC without a zone.
        expires = None if expires_at is None else expires_at.astimezone(UTC).replace(tzinfo=None)
        return await self._bulk.merge(
            parts,
            sqlite=partial(_merge_sqlite, list_id, expires),
            postgresql=partial(_merge_postgresql, list_id, expires),
        )

    def entries(self, list_id: str) -> Iterator[list[DncEntry]]:
        """The list's entries in key order, read as they are written out (a server-side
        cursor on PostgreSQL). Blocking: a worker thread's."""
        query = (
            select(dnc_entries.c.kind, dnc_entries.c.address, dnc_entries.c.expires_at)
            .where(dnc_entries.c.dnc_list_id == list_id)
            .order_by(dnc_entries.c.kind, dnc_entries.c.address)
        )
        with self._bulk.engine.connect() as connection:
            result = connection.execution_options(
                stream_results=True, yield_per=_EXPORT_BATCH
            ).execute(query)
            for rows in result.partitions():
                yield [(kind, address, expires) for kind, address, expires in rows]

    def close(self) -> None:
        self._bulk.close()


def _entries(parts: list[Path]) -> dict[str, pl.Series]:
    """The staged addresses of each kind, each once, in order. (A sorted column with its
    repeats dropped next to each other: `DataFrame.unique().sort()` took twice the time
    and held 350 MB more for a million entries.)"""
    frames = [pl.read_ipc(part, columns=["kind", "address"]) for part in parts]
    if not frames:
        return {}
    staged = pl.concat(frames)
    found = {}
    for kind in sorted(staged["kind"].unique().to_list()):
        addresses = staged.filter(pl.col("kind") == kind)["address"].sort()
        found[kind] = addresses.filter((addresses != addresses.shift(1)).fill_null(True))
    return found


def _as_text(expires: datetime | None) -> str | None:
    return None if expires is None else expires.isoformat(sep=" ", timespec="microseconds")


def _merge_sqlite(list_id: str, expires: datetime | None, cursor: Any, parts: list[Path]) -> int:
    hold(cursor, "SELECT id FROM dnc_lists WHERE id = ?", DNC, list_id)
    for kind, addresses in _entries(parts).items():
        for start in range(0, addresses.len(), _JSON_ROWS):
            payload = orjson.dumps(addresses.slice(start, _JSON_ROWS).to_list()).decode()
            cursor.execute(_SQLITE_INSERT, (list_id, kind, _as_text(expires), payload))
    return count(cursor, "SELECT count(*) FROM dnc_entries WHERE dnc_list_id = ?", list_id)


def _merge_postgresql(
    list_id: str, expires: datetime | None, cursor: Any, parts: StagedParts
) -> int:
    hold(cursor, "SELECT id FROM dnc_lists WHERE id = %s FOR KEY SHARE", DNC, list_id)
    entries = pl.concat(
        [
            pl.DataFrame({"kind": kind, "address": addresses})
            for kind, addresses in _entries(list(parts)).items()
        ]
        or [pl.DataFrame(schema={"kind": pl.String, "address": pl.String})]
    )
    rows = entries.select(
        pl.lit(list_id).alias("list"),
        "kind",
        "address",
        pl.lit(_as_text(expires), dtype=pl.String).alias("expires"),
    )

    def copy() -> None:
        with cursor.copy(_COPY) as into:
            write_csv(into, rows)

    def upsert() -> None:
        cursor.execute("CREATE TEMPORARY TABLE staged_dnc (kind text, address text) ON COMMIT DROP")
        with cursor.copy(f"COPY staged_dnc (kind, address) FROM STDIN {COPY_CSV}") as into:
            write_csv(into, entries)
        cursor.execute(
            "INSERT INTO dnc_entries (dnc_list_id, kind, address, expires_at) "
            "SELECT %(list)s, kind, address, %(expires)s FROM staged_dnc "
            f"ORDER BY kind, address {_UPSERT}",
            {"list": list_id, "expires": expires},
        )

    copy_or_upsert(
        cursor, "SELECT 1 FROM dnc_entries WHERE dnc_list_id = %s LIMIT 1", list_id, copy, upsert
    )
    size = count(cursor, "SELECT count(*) FROM dnc_entries WHERE dnc_list_id = %s", list_id)
    _refresh_statistics(cursor, entries.height, size)
    return size


def _refresh_statistics(cursor: Any, staged: int, size: int) -> None:
    """The planner's statistics of the entries, after a large upload into a list. Until
    then (autovacuum analyses a table a minute or more later, or never when it is off) it
    believes the list tiny, and plans a campaign claim's check of its 500 numbers
    (`SqlDncRepository.listed_among`) as a walk over every entry of the list, filtering
    on the numbers, instead of 500 lookups: 0.3-0.6 s a claim at a million entries instead
    of 2-6 ms. ANALYZE samples its 30,000 rows in about 0.15 s there; in the upload's
    transaction it counts the entries just written and its statistics commit with them."""
    if staged >= _ANALYZE_AFTER and staged * 10 >= size:
        cursor.execute("ANALYZE dnc_entries")
