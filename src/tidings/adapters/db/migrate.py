"""Runs the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tidings.adapters.db import lock_keys
from tidings.adapters.db.engine import make_sync_engine

_SCRIPTS = Path(__file__).resolve().parents[2] / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    config = _config()
    engine = make_sync_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({lock_keys.MIGRATIONS})")
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def pending(url: str) -> bool:
    """Does the database lag behind the migrations this build carries?"""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    engine = make_sync_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() != head
    finally:
        engine.dispose()
