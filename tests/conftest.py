"""Shared fixtures. The suite runs against SQLite by default and against PostgreSQL with
TIDINGS_TEST_DATABASE=postgresql (a fresh database per use at TIDINGS_TEST_POSTGRES_URL).
In CI (CI=true) an unreachable PostgreSQL fails the run; elsewhere those runs are skipped."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.server import Client, Server, running_server

POSTGRES_URL = os.environ.get(
    "TIDINGS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKEND = os.environ.get("TIDINGS_TEST_DATABASE", "sqlite")


@contextlib.contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """A database nobody used yet, of the backend this run tests."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{directory / f'tidings-{uuid.uuid4().hex[:8]}.db'}"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"TIDINGS_TEST_DATABASE={BACKEND!r}: use sqlite or postgresql")
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is unreachable at {POSTGRES_URL}: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL is unreachable at {POSTGRES_URL}")
    name = f"tidings_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One `tidings serve` shared by the API tests of this session."""
    with (
        tempfile.TemporaryDirectory(prefix="tidings-session-") as directory,
        fresh_database(Path(directory)) as url,
        running_server(url) as running,
    ):
        yield running


@pytest.fixture(scope="session")
def admin(server: Server) -> Client:
    return server.create_client("test admin", "admin")


@pytest.fixture(scope="session")
def admin_token(server: Server, admin: Client) -> str:
    return server.token(admin)


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Names that do not collide between tests sharing the session server."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:8]}"


# What a test that touches a database asks for, or imports to make its own.
_DATABASE_FIXTURES = {"database_url", "server", "engine"}
_DATABASE_HELPERS = ("fresh_database", "running_server", "make_async_engine")


def _uses_database(item: pytest.Item) -> bool:
    if _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return any(hasattr(module, helper) for helper in _DATABASE_HELPERS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL run keeps only the tests that touch a database: the rest (the domain's
    unit tests, the protocol adapters against their peers) would pass or fail there exactly
    as they did in the SQLite run, and would cost CI minutes twice."""
    if BACKEND != "postgresql":
        return
    kept = [item for item in items if _uses_database(item)]
    dropped = [item for item in items if not _uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
