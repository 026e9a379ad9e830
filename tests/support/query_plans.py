"""The statements a test's code sends to the database, and the database's plan of each."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextlib.contextmanager
def statements_sent(engine: AsyncEngine, marker: str) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) sent meanwhile whose text holds `marker`."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if marker in statement:
            sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def plan(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    """The database's plan of a statement, one line a step."""
    sqlite = engine.dialect.name == "sqlite"
    explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    async with engine.connect() as connection:
        rows = (await connection.exec_driver_sql(explain + statement, parameters)).all()
    return "\n".join(str(row[-1]) for row in rows)
