"""Alembic environment. Tidings runs it through `tidings db upgrade`, which passes the
database URL in the config's attributes; a plain `alembic` call may use -x url=..."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from tidings.adapters.db.engine import make_sync_engine
from tidings.adapters.db.tables import metadata
from tidings.adapters.db.text_search import schema_filter

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=schema_filter(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database with -x url=... or sqlalchemy.url")
    engine = make_sync_engine(url)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
