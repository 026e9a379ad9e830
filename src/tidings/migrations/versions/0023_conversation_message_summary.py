"""What a conversation's messages say, kept on the conversation: the sender of its outbound
messages and of its inbound ones ("*" where they differ, NULL where there are none) and the
contact list its campaign message names. The conversation detail query decides a segment
filter on direction, addressFrom, contact list or campaign from the conversation row (each
indexed with its start) instead of joining every matching message: `direction` outbound
over a million conversations took 0.55-0.9 s.

Existing conversations are filled from their messages (a million: 5-25 s; writes wait).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.message_rows import FILL_SAID

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_COLUMNS = {
    "outbound_from_address": sa.String(320),
    "inbound_from_address": sa.String(320),
    "contact_list_id": sa.String(36),
}


def _index(column: str) -> str:
    return f"ix_conversations_{column}_started_at"


def upgrade() -> None:
    for name, kind in _COLUMNS.items():
        op.add_column("conversations", sa.Column(name, kind, nullable=True))
    op.execute(FILL_SAID)
    for name in _COLUMNS:
        op.create_index(_index(name), "conversations", [name, "started_at"])


def downgrade() -> None:
    for name in reversed(_COLUMNS):
        op.drop_index(_index(name), table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
