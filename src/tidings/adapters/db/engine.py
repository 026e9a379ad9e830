"""Engines for SQLite (WAL, foreign keys on) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def driver_url(url: str, *, asynchronous: bool) -> str:
    """`postgresql://` and `sqlite:///` as users write them, with the driver we ship."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        driver = "aiosqlite" if asynchronous else "pysqlite"
    elif backend == "postgresql":
        driver = "psycopg"
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.set(drivername=f"{backend}+{driver}").render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # No implicit BEGIN from the driver: the unit of work opens write transactions itself
    # (BEGIN IMMEDIATE, see database.py) and reads run in autocommit.
    dbapi_connection.isolation_level = None


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# orjson reads JSON columns several times faster than the standard library.
_JSON = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def make_async_engine(url: str) -> AsyncEngine:
    if is_sqlite(url):
        # No rollback when a connection returns to the pool: every unit of work already
        # ends its transaction itself, and on aiosqlite each call is a thread hop.
        engine = create_async_engine(
            driver_url(url, asynchronous=True), pool_size=5, pool_reset_on_return=None, **_JSON
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _driver_autocommit)
        return engine
    return create_async_engine(
        driver_url(url, asynchronous=True),
        pool_size=10,
        max_overflow=10,
        pool_recycle=1800,
        connect_args={"options": postgres_options(url)},
        **_JSON,
    )


def postgres_options(url: str) -> str:
    """The connection's `options`: JIT off, then what the operator gave (the URL's
    `options`, else PGOPTIONS, which libpq would no longer read), which wins where both
    set the same thing. PostgreSQL's JIT compiles every statement its planner thinks
    costly, here the campaign engine's and the analytics queries, and it cost more than it
    saved in both (docs/benchmarks.md, session 10)."""
    given = make_url(url).query.get("options") or os.environ.get("PGOPTIONS", "")
    if not isinstance(given, str):  # the parameter given twice: libpq takes the last
        given = given[-1]
    return f"-c jit=off {given}".strip()


def make_inline_engine(url: str) -> Engine:
    """A pooled SQLite engine like the async one (pragmas, driver autocommit), for
    statements run on the event loop's thread (inline.py)."""
    engine = create_engine(
        driver_url(url, asynchronous=False),
        pool_size=5,
        pool_reset_on_return=None,
        **_JSON,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "connect", _driver_autocommit)
    return engine


def make_sync_engine(url: str) -> Engine:
    engine = create_engine(driver_url(url, asynchronous=False), poolclass=NullPool)
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine
