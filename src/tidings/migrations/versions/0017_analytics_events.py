"""Analytics and the dialer event log: indexes for the conversation detail query, and the
dialer_events table.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    # The query's interval and its page order (OFFSET walks this index).
    op.create_index("ix_conversations_started_at_id", "conversations", ["started_at", "id"])
    # Conversation filters on a campaign.
    op.create_index(
        "ix_conversations_campaign_id_started_at", "conversations", ["campaign_id", "started_at"]
    )
    # Segment filters on a campaign find the campaign's messages, then their conversations.
    op.create_index(
        "ix_messages_campaign_id_conversation_id", "messages", ["campaign_id", "conversation_id"]
    )
    op.create_table(
        "dialer_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("code", sa.String(128)),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("error_entity", sa.JSON),
        sa.Column("related_entity", sa.JSON),
        sa.Column("correlation_id", sa.String(128)),
        sa.Column("division_id", ID),
        sa.Column("timestamp", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dialer_events"),
    )
    op.create_index("ix_dialer_events_timestamp", "dialer_events", ["timestamp"])
    op.create_index(
        "ix_dialer_events_category_timestamp", "dialer_events", ["category", "timestamp"]
    )


def downgrade() -> None:
    op.drop_index("ix_dialer_events_category_timestamp", table_name="dialer_events")
    op.drop_index("ix_dialer_events_timestamp", table_name="dialer_events")
    op.drop_table("dialer_events")
    op.drop_index("ix_messages_campaign_id_conversation_id", table_name="messages")
    op.drop_index("ix_conversations_campaign_id_started_at", table_name="conversations")
    op.drop_index("ix_conversations_started_at_id", table_name="conversations")
