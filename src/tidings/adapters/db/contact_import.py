"""Moves staged contacts into their list in one transaction: all of the file or nothing
(`bulk.BulkEngine`).

SQLite: one executemany of an upsert per staged part. PostgreSQL: COPY straight into
`contacts` for a list without contacts, else into a temporary table, then one
INSERT ... SELECT with the last row of each contact id winning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from tidings.adapters.db.bulk import (
    COPY_CSV,
    BulkEngine,
    copy_or_upsert,
    count,
    hold,
    write_csv,
)
from tidings.adapters.db.writer_gate import WriterGate
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.imports import StagedParts

LIST = "Contact list"
_ALWAYS = ("data", "addresses", "priority", "queued_at")
_SYSTEM = ("callable", "phone_number_status", "contactable_status")
_COLUMNS = (
    "contact_list_id, id, data, callable, phone_number_status, contactable_status, "
    "addresses, priority, queued_at, date_created"
)


def _updates(clear_system_data: bool) -> str:
    names = _ALWAYS + (_SYSTEM if clear_system_data else ())
    return ", ".join(f"{name} = excluded.{name}" for name in names)


class SqlStagedContactWriter:
    def __init__(self, url: str, writer_gate: WriterGate | None) -> None:
        self._bulk = BulkEngine(url, writer_gate)

    async def merge(
        self,
        list_id: str,
        parts: StagedParts,
        *,
        clear_system_data: bool,
        max_contacts: int,
        queued_base: int,
    ) -> int:
        """Adds or updates the staged contacts as their parts arrive; answers the list's
        size afterwards. Over `max_contacts`, or if the reading fails, nothing is kept."""
        now = datetime.now(UTC).replace(tzinfo=None)
        merge = _Merge(list_id, clear_system_data, max_contacts, queued_base, now)
        return await self._bulk.merge(parts, sqlite=merge.sqlite, postgresql=merge.postgresql)

    def close(self) -> None:
        self._bulk.close()


@dataclass(frozen=True)
class _Merge:
    """One file's contacts into one list, on either database."""

    list_id: str
    clear_system_data: bool
    max_contacts: int
    queued_base: int
    now: datetime

    def sqlite(self, cursor: Any, parts: list[Path]) -> int:
        statement = (
            f"INSERT INTO contacts ({_COLUMNS}) VALUES (?, ?, ?, 1, '{{}}', '{{}}', ?, 0, ?, ?) "
            f"ON CONFLICT (contact_list_id, id) DO UPDATE SET {_updates(self.clear_system_data)}"
        )
        created = self.now.isoformat(sep=" ", timespec="microseconds")  # as SQLAlchemy does
        hold(cursor, "SELECT id FROM contact_lists WHERE id = ?", LIST, self.list_id)
        for part in parts:
            rows = pl.read_ipc(part).select(
                pl.lit(self.list_id).alias("list"),
                "id",
                "data",
                "addresses",
                (pl.col("row").cast(pl.Int64) + self.queued_base).alias("queued"),
                pl.lit(created).alias("created"),
            )
            # In file order, so a contact id that comes again ends with its last row.
            cursor.executemany(statement, rows.iter_rows())
        return self._size(cursor, "SELECT count(*) FROM contacts WHERE contact_list_id = ?")

    def postgresql(self, cursor: Any, parts: StagedParts) -> int:
        hold(cursor, "SELECT id FROM contact_lists WHERE id = %s FOR KEY SHARE", LIST, self.list_id)
        # A contact id that comes twice in the file makes the straight COPY fail: then the
        # whole file is upserted, the last row of each id winning.
        copy_or_upsert(
            cursor,
            "SELECT 1 FROM contacts WHERE contact_list_id = %s LIMIT 1",
            self.list_id,
            lambda: _copy_contacts(cursor, self.list_id, parts, self.queued_base, self.now),
            lambda: _upsert_contacts(
                cursor,
                self.list_id,
                parts.received + list(parts),
                self.clear_system_data,
                self.queued_base,
                self.now,
            ),
        )
        return self._size(cursor, "SELECT count(*) FROM contacts WHERE contact_list_id = %s")

    def _size(self, cursor: Any, query: str) -> int:
        """The list's size; over the limit, nothing is kept (raising rolls back)."""
        size = count(cursor, query, self.list_id)
        if size > self.max_contacts:
            raise InvalidInput(
                f"A contact list holds at most {self.max_contacts} contacts; this file would "
                f"bring it to {size}",
                details=[FieldProblem("file", "limit.exceeded", "contacts per list")],
            )
        return size


def _copy_contacts(
    cursor: Any, list_id: str, parts: Iterable[Path], queued_base: int, now: datetime
) -> None:
    created = now.isoformat(sep=" ", timespec="microseconds")
    with cursor.copy(f"COPY contacts ({_COLUMNS}) FROM STDIN {COPY_CSV}") as copy:
        for part in parts:
            frame = pl.read_ipc(part).select(
                pl.lit(list_id).alias("list"),
                "id",
                "data",
                pl.lit(True).alias("callable"),
                pl.lit("{}").alias("phone_number_status"),
                pl.lit("{}").alias("contactable_status"),
                "addresses",
                pl.lit(False).alias("priority"),
                (pl.col("row").cast(pl.Int64) + queued_base).alias("queued"),
                pl.lit(created).alias("created"),
            )
            write_csv(copy, frame)


def _upsert_contacts(
    cursor: Any,
    list_id: str,
    parts: Iterable[Path],
    clear_system_data: bool,
    queued_base: int,
    now: datetime,
) -> None:
    cursor.execute(
        "CREATE TEMPORARY TABLE staged_contacts "
        "(row bigint, id text, data text, addresses text) ON COMMIT DROP"
    )
    with cursor.copy(
        f"COPY staged_contacts (row, id, data, addresses) FROM STDIN {COPY_CSV}"
    ) as copy:
        for part in parts:
            write_csv(copy, pl.read_ipc(part).select("row", "id", "data", "addresses"))
    # PostgreSQL refuses to update one row twice in a statement: the last row of each
    # contact id is chosen first, then all go in file order.
    cursor.execute(
        f"INSERT INTO contacts ({_COLUMNS}) "
        "SELECT %(list)s, id, data::json, true, '{}'::json, '{}'::json, "
        "addresses::json, false, %(base)s + row, %(now)s FROM ("
        "  SELECT DISTINCT ON (id) row, id, data, addresses FROM staged_contacts"
        "  ORDER BY id, row DESC"
        ") AS latest ORDER BY row "
        f"ON CONFLICT (contact_list_id, id) DO UPDATE SET {_updates(clear_system_data)}",
        {"list": list_id, "base": queued_base, "now": now},
    )
