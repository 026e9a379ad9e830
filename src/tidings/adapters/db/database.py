"""The connection as repositories see it; SQLite writers pass a gate (writer_gate.py).

On SQLite the first write of a unit of work passes the writer gate and opens the
transaction with BEGIN IMMEDIATE, which takes SQLite's write lock up front. Without the
gate, concurrent writers collide inside their transactions and wait in SQLite's busy
handler, whose growing sleeps (up to 100 ms each) gave token requests a p99 of half a
second. Reads before the first write run in autocommit, as they did with the driver's own
transaction handling. PostgreSQL needs none of this (row locks, MVCC): there the gate is None.

A task must not open a second unit of work that writes while its first one holds the gate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import Executable, Table, select, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from tidings.adapters.db.inline import InlineConnection
from tidings.adapters.db.many_rows import ManyRows
from tidings.adapters.db.writer_gate import WriterGate
from tidings.domain.errors import Conflict, InvalidInput, NotFound

# From this many rows an INSERT goes to PostgreSQL as COPY: one stream the server parses
# once, against a statement a row through the pipeline. COPY costs a round trip more (the
# server first answers that it is ready), which a few rows do not win back.
COPY_FROM_ROWS = 16


class Database:
    """The connection as repositories see it: `execute` opens the write transaction lazily."""

    def __init__(
        self, connection: AsyncConnection | InlineConnection, writer_gate: WriterGate | None
    ) -> None:
        self.connection = connection
        # The SQLite driver runs in autocommit (engine.py), so writes must open their
        # transaction here.
        self._explicit_begin = connection.dialect.name == "sqlite"
        self._writer_gate = writer_gate
        self._locked = False
        self.writing = False

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        if _writes(statement):
            await self.begin_write()
        try:
            return await self.connection.execute(statement, parameters)
        except IntegrityError as exc:
            # A unique key or a reference that another writer changed since we checked it.
            raise Conflict(_CONFLICT) from exc
        except DataError as exc:
            raise _refused(exc.orig) from exc

    async def execute_many(
        self,
        statement: ManyRows,
        rows: Sequence[Mapping[str, Any]],
        shared: Mapping[str, Any] | None = None,
    ) -> int:
        """Runs a write once per row, the rows handed to the driver as they are; returns
        how many rows it changed in all."""
        if not rows:
            return 0
        # The rows are turned into parameters before the write lock is taken, not while
        # other writers wait for it.
        dialect = self.connection.dialect
        sql, parameters = statement.rows(dialect, rows, shared)
        await self.begin_write()
        copy_sql = statement.copy_sql(dialect) if len(parameters) >= COPY_FROM_ROWS else None
        if copy_sql is not None and isinstance(self.connection, AsyncConnection):
            await self._copy(copy_sql, parameters)
            return len(parameters)
        try:
            result = await self.connection.exec_driver_sql(sql, parameters)
        except IntegrityError as exc:
            raise Conflict(_CONFLICT) from exc
        except DataError as exc:
            raise _refused(exc.orig) from exc
        return int(result.rowcount)

    async def _copy(self, copy_sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Inserts the rows on PostgreSQL by COPY, in this transaction."""
        raw = await self.connection.get_raw_connection()  # type: ignore[union-attr]
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            async with cursor, cursor.copy(copy_sql) as copy:
                for row in rows:
                    await copy.write_row(row)
        except psycopg.errors.IntegrityError as exc:
            raise Conflict(_CONFLICT) from exc
        except psycopg.errors.DataError as exc:
            raise _refused(exc) from exc

    async def begin_write(self) -> None:
        """Enters the write transaction now: reads that a write depends on come after this,
        so on SQLite no other writer can change what they saw."""
        if not self._explicit_begin or self.writing:
            return
        if self._writer_gate is not None:
            await self._writer_gate.acquire()
            self._locked = True
        self.writing = True
        try:
            await self.connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end_write()
            raise

    async def hold(self, table: Table, row_id: str, kind: str) -> None:
        """Enters the write transaction and checks that the row is there, holding it on
        PostgreSQL (`FOR KEY SHARE`) so it cannot be deleted before the transaction ends:
        for rows that point at it without a foreign key (contacts, DNC entries)."""
        await self.begin_write()
        query = select(table.c.id).where(table.c.id == row_id)
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(key_share=True)
        if (await self.execute(query)).first() is None:
            raise NotFound(kind, row_id)

    async def serialize(self, lock_key: int) -> None:
        """Enters the write transaction and, on PostgreSQL, waits for others holding the same
        transaction-scoped advisory lock (SQLite's write lock already serialises writers)."""
        await self.begin_write()
        if self.connection.dialect.name == "postgresql":
            await self.connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key}
            )

    def end_write(self) -> None:
        self.writing = False
        if self._locked:
            self._locked = False
            assert self._writer_gate is not None
            self._writer_gate.release()


_CONFLICT = (
    "The change conflicts with one made at the same moment (a duplicate, or a reference "
    "that was just removed); read the data again and retry"
)


def _writes(statement: Executable) -> bool:
    return bool(getattr(statement, "is_dml", False))


def _refused(cause: BaseException | None) -> InvalidInput:
    # A value the database cannot take (a NUL in text, a number out of range): the input's
    # fault, and only its own (a group commit writes its neighbours again without it).
    first_line = str(cause).splitlines()[0] if str(cause) else "a value"
    return InvalidInput(f"the database refused a value: {first_line}")
