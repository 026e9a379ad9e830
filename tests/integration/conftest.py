"""Fixtures shared by the integration tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tidings import bootstrap
from tidings.adapters.db import migrate
from tidings.adapters.db.engine import make_async_engine
from tidings.config import Settings


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database, migrated to the newest schema (a module that
    needs more in it defines its own)."""
    migrate.upgrade(database_url)
    engine = make_async_engine(database_url)
    yield engine
    await engine.dispose()


@contextlib.asynccontextmanager
async def container_of(settings: Settings) -> AsyncIterator[bootstrap.Container]:
    """The application's objects on the settings' storage (migrated first), closed after."""
    bootstrap.prepare_storage(settings)
    container = bootstrap.build(settings)
    try:
        yield container
    finally:
        await container.close()


@pytest.fixture
async def app(tmp_path: Path, database_url: str) -> AsyncIterator[bootstrap.Container]:
    """The application on the test's database with the default settings (a module that
    needs other settings defines its own `app` with `container_of`)."""
    async with container_of(Settings(data_dir=tmp_path, database_url=database_url)) as built:
        yield built
