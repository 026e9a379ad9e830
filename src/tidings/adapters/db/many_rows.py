"""Many-row statements whose rows go to the driver as plain tuples.

For an `executemany`, SQLAlchemy processes every row's parameters in Python (building the
parameter dictionary, running each type's bind processor): about 30 µs a row for a
statement of the send path on this project's machine, as much as SQLite takes to write the
row. A campaign message passes through nine such statements (its conversation, its message,
the attempt, the claim, the settlement, the provider id, the receipt, the status, the
contact). A `ManyRows` statement compiles its statement once per dialect, keeps only the bind
processors that do something, and turns each row into the driver's positional tuple.

Values that change from call to call go through a named `bindparam`, given in each row or,
when the same for every row of a call, in `shared`. A value written into the statement
(`send_state == SENDING`) is a constant: it is taken once, at the first compilation, so a
time (`.values(x=now)`) must never be written in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import Compiled

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Prepared:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Processor, ...]
    # Positions of values written into the statement, with their processed values.
    constants: dict[int, Any]
    # On PostgreSQL, an INSERT of nothing but its rows' values as COPY, which the server
    # takes in one stream instead of one statement a row (see `Database.execute_many`).
    copy_sql: str | None = None


class ManyRows:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._prepared: dict[str, _Prepared] = {}

    def prepare(self, dialect: Dialect) -> _Prepared:
        found = self._prepared.get(dialect.name)
        if found is None:
            found = self._prepared[dialect.name] = _prepare(self.statement, dialect)
        return found

    def copy_sql(self, dialect: Dialect) -> str | None:
        return self.prepare(dialect).copy_sql

    def rows(
        self,
        dialect: Dialect,
        rows: Sequence[Mapping[str, Any]],
        shared: Mapping[str, Any] | None = None,
    ) -> tuple[str, list[tuple[Any, ...]]]:
        """The SQL and the driver's parameter tuples for these rows."""
        prepared = self.prepare(dialect)
        shared = shared or {}
        fixed = dict(prepared.constants)
        fixed.update(
            (index, _processed(prepared.processors[index], shared[name]))
            for index, name in enumerate(prepared.names)
            if name in shared
        )
        varying = [
            (index, name, prepared.processors[index])
            for index, name in enumerate(prepared.names)
            if index not in fixed
        ]
        if not fixed and len(varying) > 1:
            return prepared.sql, _in_order(prepared, rows)
        template = [fixed.get(index) for index in range(len(prepared.names))]
        out = []
        for row in rows:
            values = template.copy()
            for index, name, process in varying:
                value = row[name]
                values[index] = value if process is None or value is None else process(value)
            out.append(tuple(values))
        return prepared.sql, out


def _in_order(prepared: _Prepared, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows that give every value: one `itemgetter` call takes a row's values in the
    statement's order (a quarter less than taking them one by one), and only the
    values whose type converts them are touched again."""
    take = itemgetter(*prepared.names)
    converting = [(i, process) for i, process in enumerate(prepared.processors) if process]
    if not converting:
        return [take(row) for row in rows]
    out = []
    for row in rows:
        values = list(take(row))
        for index, process in converting:
            value = values[index]
            if value is not None:
                values[index] = process(value)
        out.append(tuple(values))
    return out


def _processed(process: Processor, value: Any) -> Any:
    return value if process is None or value is None else process(value)


def _prepare(statement: Executable, dialect: Dialect) -> _Prepared:
    compiled: Compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    sql = compiled.string
    binds = compiled.binds  # type: ignore[attr-defined]
    for name, bind in binds.items():
        if bind.callable is not None or bind.expanding:
            raise ValueError(f"a many-row statement cannot take {name} (a callable or a list)")
    if compiled.positiontup:  # type: ignore[attr-defined]
        names = tuple(compiled.positiontup)  # type: ignore[attr-defined]
    else:
        # Named styles (psycopg's %(name)s): rewritten to positional %s in order of use.
        names = tuple(match.group(1) for match in _PYFORMAT.finditer(sql))
        sql = _PYFORMAT.sub("%s", sql)
    processors: list[Processor] = []
    constants = {}
    for index, name in enumerate(names):
        bind = binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        processors.append(process)
        if not bind.required:
            constants[index] = _processed(process, bind.value)
    copy_sql = None
    plain_insert = _PLAIN_INSERT.fullmatch(sql)
    if dialect.name == "postgresql" and plain_insert and not constants:
        copy_sql = f"COPY {plain_insert.group(1)} ({plain_insert.group(2)}) FROM STDIN"
    return _Prepared(sql, names, tuple(processors), constants, copy_sql)


_PYFORMAT = re.compile(r"%\((\w+)\)s")
# Every value a placeholder (psycopg's dialect adds casts); an id the table makes is
# returned, but no one reads it.
_VALUE = r"%s(?:::[A-Z][A-Z ]*(?:\(\d+\))?)?"
_PLAIN_INSERT = re.compile(
    rf"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \((?:{_VALUE}, )*{_VALUE}\)"
    r"(?: RETURNING [\w.]+)?"
)
