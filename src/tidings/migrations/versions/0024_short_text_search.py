"""The SQLite text search finds texts of one or two characters too: its FTS5 index is built
again with two END characters after each text (so every occurrence of a short text begins
a trigram) and gets a vocabulary table, from which a short text's trigrams are looked up
(adapters/db/text_search.py). PostgreSQL's is unchanged. A database whose index is missing
(no trigram tokenizer) or already of this kind is left as it is.

On a large database this rebuild takes a while (a million messages: about half a minute)
and holds writes meanwhile.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db import text_search

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _has_table(bind: sa.Connection, name: str) -> bool:
    found = bind.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    )
    return bool(found.scalar_one())


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not _has_table(bind, text_search.FTS_TABLE):
        return
    if _has_table(bind, text_search.FTS_VOCABULARY):
        return  # created by 0022 as it now is
    text_search.drop_sqlite_search(bind)
    text_search.create_sqlite_search(bind)


def downgrade() -> None:
    # The index of this kind serves what the earlier one did: nothing to undo.
    pass
