"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tidings.adapters.db import migrate
from tidings.adapters.db.engine import make_async_engine


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database, migrated to the newest schema (a module that
    needs more in it defines its own)."""
    migrate.upgrade(database_url)
    engine = make_async_engine(database_url)
    yield engine
    await engine.dispose()
