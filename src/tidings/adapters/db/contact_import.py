"""Moves staged contacts into their list in one transaction: all of the file or nothing.

SQLite: one executemany of an upsert per staged part, holding the writer gate (so API
writers queue for the few seconds it takes instead of failing). PostgreSQL: COPY into a
temporary table, then one INSERT ... SELECT with the last row of each contact id winning.
Both run on a synchronous connection in a worker thread: a million rows through the async
driver would cost a thread hop or an await per row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
from sqlalchemy.engine import Engine

from tidings.adapters.db.database import WriterGate
from tidings.adapters.db.engine import is_sqlite, make_sync_engine
from tidings.domain.errors import FieldProblem, InvalidInput, NotFound
from tidings.domain.imports import StagedParts

_SQLITE_CACHE_KB = 64 * 1024
# Rows per COPY write: the CSV text of a slice is held in memory twice (str, then bytes).
_COPY_ROWS = 20_000
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
        self._url = url
        self._gate = writer_gate
        self._engine: Engine | None = None

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
        if self._engine is None:
            self._engine = make_sync_engine(self._url)
        now = datetime.now(UTC).replace(tzinfo=None)
        if not is_sqlite(self._url):
            return await asyncio.to_thread(
                self._merge_postgresql,
                list_id,
                parts,
                clear_system_data,
                max_contacts,
                queued_base,
                now,
            )
        # SQLite has one writer: the lock is taken only once the whole file is staged.
        received = await asyncio.to_thread(list, parts)
        if self._gate is not None:
            await self._gate.acquire()
        try:
            return await asyncio.to_thread(
                self._merge_sqlite,
                list_id,
                received,
                clear_system_data,
                max_contacts,
                queued_base,
                now,
            )
        finally:
            if self._gate is not None:
                self._gate.release()

    def _merge_sqlite(
        self,
        list_id: str,
        parts: list[Path],
        clear_system_data: bool,
        max_contacts: int,
        queued_base: int,
        now: datetime,
    ) -> int:
        assert self._engine is not None
        statement = (
            f"INSERT INTO contacts ({_COLUMNS}) VALUES (?, ?, ?, 1, '{{}}', '{{}}', ?, 0, ?, ?) "
            f"ON CONFLICT (contact_list_id, id) DO UPDATE SET {_updates(clear_system_data)}"
        )
        created = now.isoformat(sep=" ", timespec="microseconds")  # as SQLAlchemy stores it
        with self._engine.connect() as connection:
            raw: Any = connection.connection.driver_connection
            raw.isolation_level = None
            cursor = raw.cursor()
            # A bigger page cache for this connection: the list's two indexes outgrow the
            # default 2 MB within the first 100,000 rows (saves ~1 s a million).
            cursor.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KB}")
            cursor.execute("BEGIN IMMEDIATE")
            try:
                _lock_list(cursor, "SELECT id FROM contact_lists WHERE id = ?", list_id)
                for part in parts:
                    rows = pl.read_ipc(part).select(
                        pl.lit(list_id).alias("list"),
                        "id",
                        "data",
                        "addresses",
                        (pl.col("row").cast(pl.Int64) + queued_base).alias("queued"),
                        pl.lit(created).alias("created"),
                    )
                    # In file order, so a contact id that comes again ends with its last row.
                    cursor.executemany(statement, rows.iter_rows())
                size = _size(
                    cursor, "SELECT count(*) FROM contacts WHERE contact_list_id = ?", list_id
                )
                _check_size(size, max_contacts)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        return size

    def _merge_postgresql(
        self,
        list_id: str,
        parts: StagedParts,
        clear_system_data: bool,
        max_contacts: int,
        queued_base: int,
        now: datetime,
    ) -> int:
        assert self._engine is not None
        with self._engine.begin() as connection:
            raw: Any = connection.connection.driver_connection
            with raw.cursor() as cursor:
                _lock_list(
                    cursor, "SELECT id FROM contact_lists WHERE id = %s FOR KEY SHARE", list_id
                )
                cursor.execute(
                    "SELECT 1 FROM contacts WHERE contact_list_id = %s LIMIT 1", (list_id,)
                )
                if cursor.fetchone() is not None:
                    _upsert_contacts(cursor, list_id, parts, clear_system_data, queued_base, now)
                else:
                    # A first import: straight in. A contact id that comes twice in the
                    # file breaks the unique key; then the file is upserted instead.
                    cursor.execute("SAVEPOINT first_import")
                    try:
                        _copy_contacts(cursor, list_id, parts, queued_base, now)
                    except psycopg.errors.UniqueViolation:
                        cursor.execute("ROLLBACK TO SAVEPOINT first_import")
                        received = parts.received + list(parts)
                        _upsert_contacts(
                            cursor, list_id, received, clear_system_data, queued_base, now
                        )
                size = _size(
                    cursor, "SELECT count(*) FROM contacts WHERE contact_list_id = %s", list_id
                )
                _check_size(size, max_contacts)  # raising rolls the transaction back
        return size

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _size(cursor: Any, query: str, list_id: str) -> int:
    cursor.execute(query, (list_id,))
    return int(cursor.fetchone()[0])


def _check_size(size: int, max_contacts: int) -> None:
    if size > max_contacts:
        raise InvalidInput(
            f"A contact list holds at most {max_contacts} contacts; this file would bring it "
            f"to {size}",
            details=[FieldProblem("file", "limit.exceeded", "contacts per list")],
        )


# COPY in CSV with a quote character that JSON never holds unescaped, so the JSON's own
# quotes are not doubled (a third fewer bytes to send and parse).
_COPY_CSV = "(FORMAT csv, QUOTE e'\\x01')"


def _write_csv(copy: Any, frame: pl.DataFrame) -> None:
    for piece in frame.iter_slices(_COPY_ROWS):
        copy.write(piece.write_csv(include_header=False, quote_char="\x01").encode())


def _copy_contacts(
    cursor: Any, list_id: str, parts: Iterable[Path], queued_base: int, now: datetime
) -> None:
    created = now.isoformat(sep=" ", timespec="microseconds")
    with cursor.copy(f"COPY contacts ({_COLUMNS}) FROM STDIN {_COPY_CSV}") as copy:
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
            _write_csv(copy, frame)


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
        f"COPY staged_contacts (row, id, data, addresses) FROM STDIN {_COPY_CSV}"
    ) as copy:
        for part in parts:
            _write_csv(copy, pl.read_ipc(part).select("row", "id", "data", "addresses"))
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


def _lock_list(cursor: Any, query: str, list_id: str) -> None:
    """Contacts have no foreign key to their list (migration 0007): the list is checked,
    and on PostgreSQL held, inside the transaction that adds them."""
    cursor.execute(query, (list_id,))
    if cursor.fetchone() is None:
        raise NotFound("Contact list", list_id)
