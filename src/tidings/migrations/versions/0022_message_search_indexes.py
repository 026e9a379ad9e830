"""Indexes for the interactions view and the conversation detail query at a million messages:
the messages' addresses, contact and (SQLite) status, each with the conversation so counting
what matches reads the index alone; the inbound messages alone (a partial index: sends pay
nothing for it); conversations by channel; and the text search (an FTS5 trigram table on
SQLite, a pg_trgm GIN index on a copy of the texts on PostgreSQL; left out, with a warning,
where the database cannot have it: see adapters/db/text_search.py).

On a large database this migration takes a while (a million messages: about a minute) and
holds writes meanwhile.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db import text_search

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_MESSAGE_INDEXES = {
    # The console's address filter (sender or recipient), addressFrom / addressTo.
    "ix_messages_to_address_conversation_id": ["to_address", "conversation_id"],
    "ix_messages_from_address_conversation_id": ["from_address", "conversation_id"],
    # outboundContactId: one contact's messages.
    "ix_messages_contact_id": ["contact_id"],
}
# deliveryStatus: counting a status's conversations without reading the messages. SQLite
# only: PostgreSQL's hash join gains nothing from it, and each status change would then
# rewrite every index of the message (no heap-only update) instead of none.
_STATUS_INDEX = "ix_messages_status_conversation_id"


def upgrade() -> None:
    bind = op.get_bind()
    for name, columns in _MESSAGE_INDEXES.items():
        op.create_index(name, "messages", columns)
    if bind.dialect.name == "sqlite":
        op.create_index(_STATUS_INDEX, "messages", ["status", "conversation_id"])
    # direction = inbound (replies): few messages, the planners use it for the literal.
    inbound = sa.text("direction = 'inbound'")
    op.create_index(
        "ix_messages_inbound_conversation_id",
        "messages",
        ["conversation_id"],
        sqlite_where=inbound,
        postgresql_where=inbound,
    )
    # mediaType / messageType: a conversation keeps to one channel, so its messages' channel
    # is the conversation's (the query reads it there, in page order).
    op.create_index(
        "ix_conversations_media_type_started_at_id",
        "conversations",
        ["media_type", "started_at", "id"],
    )
    if bind.dialect.name == "sqlite":
        text_search.create_sqlite_search(bind)
    else:
        text_search.create_postgresql_search(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        text_search.drop_sqlite_search(bind)
    else:
        text_search.drop_postgresql_search(bind)
    op.drop_index("ix_conversations_media_type_started_at_id", table_name="conversations")
    op.drop_index("ix_messages_inbound_conversation_id", table_name="messages")
    if bind.dialect.name == "sqlite":
        op.drop_index(_STATUS_INDEX, table_name="messages")
    for name in reversed(_MESSAGE_INDEXES):
        op.drop_index(name, table_name="messages")
