"""The contacts of a list, streamed for an export as polars frames of a few MB: the fields
of `ExportRecord`, the JSON columns as their stored text (the exporter decodes them whole
columns at a time). Run synchronously in the export's worker thread.

SQLite: one query, read 256 rows at a time as bytes (no decoding to str), each block
turned into columns at once. PostgreSQL: one COPY, parsed a block at a time by polars as
CSV; Python only gathers the messages. A row as Python objects would cost more than
everything else the export does.

An export through a filter adds the filter's SQL condition (`FilterCompiler`, the one that
serves search and preview) to the same statement, so it takes exactly the contacts search
takes and still streams.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import orjson
import polars as pl
from sqlalchemy.engine import Dialect, Engine

from tidings.adapters.db.contact_filter_sql import FilterCompiler
from tidings.adapters.db.engine import is_sqlite, make_sync_engine
from tidings.domain.contact_filters import Criteria

# About 2,300 contacts of the benchmark's list: enough for polars to work on whole columns.
# Peak memory follows the block size (a block is held several times over on its way, and
# the allocators keep some); measured, 1 MB was as fast as 4 MB and 60 MB lighter.
BLOCK_BYTES = 2**20
_FETCH_ROWS = 256

_COLUMNS = (
    "id, data, callable, priority, phone_number_status, addresses, contactable_status, "
    "sms_last_attempt, sms_last_result, sms_attempts, "
    "email_last_attempt, email_last_result, email_attempts"
)
_SCHEMA = pl.Schema(
    {
        "id": pl.String(),
        "data": pl.String(),
        "callable": pl.Boolean(),
        "priority": pl.Boolean(),
        "phone_number_status": pl.String(),
        "addresses": pl.String(),
        "contactable_status": pl.String(),
        "sms_last_attempt": pl.String(),
        "sms_last_result": pl.String(),
        "sms_attempts": pl.Int64(),
        "email_last_attempt": pl.String(),
        "email_last_result": pl.String(),
        "email_attempts": pl.Int64(),
    }
)
_sizes = itemgetter(1, 5)  # data and addresses: most of a row

# CSV quoted with \x01 and separated by \x02: JSON text holds neither, so only an odd
# contact id (or JSON written over several lines) is ever quoted.
_COPY = ("COPY ({query}) TO STDOUT (FORMAT csv, DELIMITER e'\\x02', QUOTE e'\\x01')").format
_COPY_SCHEMA = pl.Schema({**_SCHEMA, "callable": pl.Int8(), "priority": pl.Int8()})


class SqlExportSource:
    def __init__(self, url: str, block_bytes: int = BLOCK_BYTES) -> None:
        self._url = url
        self._block_bytes = block_bytes
        self._engine: Engine | None = None

    def batches(
        self,
        list_id: str,
        contact_ids: Sequence[str] = (),
        criteria: Criteria | None = None,
        now: datetime | None = None,
    ) -> Iterator[pl.DataFrame]:
        if self._engine is None:
            self._engine = make_sync_engine(self._url)
        taken = _Condition.of(self._engine.dialect, criteria, now)
        with self._engine.connect() as connection:
            raw: Any = connection.connection.driver_connection
            if is_sqlite(self._url):
                yield from self._sqlite(raw, list_id, contact_ids, taken)
            else:
                yield from self._postgresql(raw, list_id, contact_ids, taken)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _sqlite(
        self, raw: Any, list_id: str, contact_ids: Sequence[str], taken: _Condition
    ) -> Iterator[pl.DataFrame]:
        isolation_level, text_factory = raw.isolation_level, raw.text_factory
        raw.isolation_level = None  # no implicit transactions: the one below is explicit
        raw.text_factory = bytes  # polars checks the UTF-8 itself, a column at a time
        try:
            raw.execute("BEGIN")  # one snapshot for the statements below
            cursor = raw.cursor()
            try:
                cursor.execute(*_sqlite_query(raw, list_id, contact_ids, taken))
                rows: list[tuple[Any, ...]] = []
                size = 0
                # A block may run over by one fetch; small blocks (tests) fetch less.
                fetch = max(1, min(_FETCH_ROWS, self._block_bytes // 4096))
                while fetched := cursor.fetchmany(fetch):
                    rows += fetched
                    size += sum(len(data) + len(checks) for data, checks in map(_sizes, fetched))
                    if size >= self._block_bytes:
                        yield _sqlite_frame(rows)
                        rows, size = [], 0
                if rows:
                    yield _sqlite_frame(rows)
            finally:
                cursor.close()
                raw.execute("ROLLBACK")
        finally:
            raw.isolation_level, raw.text_factory = isolation_level, text_factory

    def _postgresql(
        self, raw: Any, list_id: str, contact_ids: Sequence[str], taken: _Condition
    ) -> Iterator[pl.DataFrame]:
        query = (
            "SELECT id, data::text, callable::int, priority::int, phone_number_status::text, "
            "addresses::text, contactable_status::text, sms_last_attempt::text, "
            "sms_last_result, sms_attempts, email_last_attempt::text, email_last_result, "
            "email_attempts FROM contacts WHERE contact_list_id = %(export_list_id)s"
        )
        params: dict[str, object] = {"export_list_id": list_id}
        if contact_ids:
            query += " AND id = ANY(%(export_contact_ids)s)"
            params["export_contact_ids"] = list(contact_ids)
        if taken.sql:
            query += f" AND ({taken.sql})"
            params.update(taken.named)
        block = bytearray()
        with (
            raw.cursor() as cursor,
            cursor.copy(_COPY(query=f"{query} ORDER BY seq"), params) as copy,
        ):
            for row in copy:  # a message a row (with its line break): blocks end between rows
                block += row
                if len(block) >= self._block_bytes:
                    yield _copy_frame(block)
                    block.clear()
        if block:
            yield _copy_frame(block)


def _sqlite_query(
    raw: Any, list_id: str, contact_ids: Sequence[str], taken: _Condition
) -> tuple[str, tuple[object, ...]]:
    """SQLite, without statistics, reads a list through its index and sorts the whole list
    by `seq` before the first row (a temporary B-tree of every row, spilt to disk). A list
    that fills most of its stretch of the table (a list imported in one go) is read along
    the table instead, in `seq` order as stored: nothing to sort."""
    select = f"SELECT {_COLUMNS} FROM contacts"
    extra, extra_params = (f" AND ({taken.sql})", taken.positional) if taken.sql else ("", ())
    if contact_ids:
        chosen = orjson.dumps(list(contact_ids)).decode()
        return (
            f"{select} WHERE contact_list_id = ? AND id IN (SELECT value FROM json_each(?))"
            f"{extra} ORDER BY seq",
            (list_id, chosen, *extra_params),
        )
    size, first, last = raw.execute(
        "SELECT count(*), min(seq), max(seq) FROM contacts WHERE contact_list_id = ?",
        (list_id,),
    ).fetchone()
    if size and last - first + 1 <= 2 * size:
        return (
            f"{select} NOT INDEXED WHERE seq BETWEEN ? AND ? AND contact_list_id = ?{extra} "
            "ORDER BY seq",
            (first, last, list_id, *extra_params),
        )
    return f"{select} WHERE contact_list_id = ?{extra} ORDER BY seq", (list_id, *extra_params)


class _Condition:
    """A filter's condition as SQL text for the driver, with its parameters as the driver
    takes them (SQLite: `?` in order; psycopg: `%(name)s`), their values already through the
    types' bind processors (a JSON path becomes `$."column"` on SQLite)."""

    def __init__(
        self,
        sql: str = "",
        positional: tuple[object, ...] = (),
        named: dict[str, object] | None = None,
    ) -> None:
        self.sql = sql
        self.positional = positional
        self.named = named or {}

    @classmethod
    def of(cls, dialect: Dialect, criteria: Criteria | None, now: datetime | None) -> _Condition:
        if criteria is None or not criteria.clauses:
            return cls()  # takes every contact
        condition = FilterCompiler(dialect.name, now or datetime.now(UTC)).condition(criteria)
        compiled = condition.compile(dialect=dialect)
        state = compiled.construct_expanded_state()
        values = dict(state.parameters)
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None and name in values:
                values[name] = process(values[name])
        if state.positiontup is not None:
            return cls(state.statement, tuple(values[name] for name in state.positiontup))
        return cls(state.statement, named=values)


# SQLite hands text over as bytes (text_factory) and numbers as numbers.
_SQLITE_TYPES: dict[Any, Any] = {pl.Boolean: pl.Int8, pl.Int64: pl.Int64}


def _sqlite_frame(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    columns = zip(*rows, strict=True)
    frame = pl.DataFrame(
        [
            pl.Series(name, values, dtype=_SQLITE_TYPES.get(kind, pl.Binary))
            for (name, kind), values in zip(_SCHEMA.items(), columns, strict=True)
        ]
    )
    return frame.cast(_SCHEMA)


def _copy_frame(block: bytearray) -> pl.DataFrame:
    frame = pl.read_csv(
        io.BytesIO(block),
        has_header=False,
        separator="\x02",
        quote_char="\x01",
        schema=_COPY_SCHEMA,
    )
    return frame.cast(_SCHEMA)
