"""SMS keywords: opt-out history, keyword settings, inbound parts awaiting their siblings,
the keyword-reply flag on messages, and the index that finds idle conversations.

Revision ID: 0014
Revises: 0017
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0014"
down_revision = "0017"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("keyword_reply", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("opt_outs") as batch:
        batch.add_column(sa.Column("exempt", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("source", sa.String(16)))
        batch.add_column(sa.Column("keyword", sa.String(64)))
        batch.add_column(sa.Column("message_id", ID))
        batch.add_column(sa.Column("actor", sa.String(256)))
    op.create_index(
        "ix_conversations_ended_at_started_at", "conversations", ["ended_at", "started_at"]
    )
    op.create_table(
        "opt_out_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("sender", sa.String(320), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("keyword", sa.String(64)),
        sa.Column("message_id", ID),
        sa.Column("actor", sa.String(256)),
        sa.Column("reason", sa.Text),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_opt_out_events_channel_address", "opt_out_events", ["channel", "address"])
    op.create_table(
        "sms_keyword_settings",
        sa.Column("sender", sa.String(320), primary_key=True),
        sa.Column("opt_out_keywords", sa.JSON),
        sa.Column("opt_in_keywords", sa.JSON),
        sa.Column("help_keywords", sa.JSON),
        sa.Column("opt_out_text", sa.Text),
        sa.Column("opt_in_text", sa.Text),
        sa.Column("help_text", sa.Text),
        sa.Column("date_modified", UtcDateTime, nullable=False),
    )
    op.create_table(
        "inbound_sms_parts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("from_address", sa.String(320), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("reference", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("provider_message_id", sa.String(128)),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_inbound_sms_parts_from_address_to_address",
        "inbound_sms_parts",
        ["from_address", "to_address", "reference"],
    )


def downgrade() -> None:
    op.drop_table("inbound_sms_parts")
    op.drop_table("sms_keyword_settings")
    op.drop_table("opt_out_events")
    op.drop_index("ix_conversations_ended_at_started_at", "conversations")
    with op.batch_alter_table("opt_outs") as batch:
        for column in ("actor", "message_id", "keyword", "source", "exempt"):
            batch.drop_column(column)
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("keyword_reply")
