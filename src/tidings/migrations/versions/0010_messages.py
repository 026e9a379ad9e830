"""Messages, their conversations, receipts and provider ids; idempotency keys; opt-outs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("media_type", sa.String(8), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime),
        sa.Column("campaign_id", ID),
        sa.Column("division_id", ID),
    )
    op.create_index(
        "ix_conversations_to_address_from_address",
        "conversations",
        ["to_address", "from_address", "started_at"],
    )
    op.create_table(
        "messages",
        sa.Column("id", ID, primary_key=True),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("media_type", sa.String(8), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("from_name", sa.String(256)),
        sa.Column("to_name", sa.String(256)),
        sa.Column("reply_to", sa.String(320)),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("text_body", sa.Text),
        sa.Column("subject", sa.Text),
        sa.Column("html_body", sa.Text),
        sa.Column("segment_count", sa.Integer, nullable=False),
        sa.Column("encoding", sa.String(8)),
        sa.Column("provider_message_id", sa.String(128)),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.Text),
        sa.Column("provider_code", sa.String(32)),
        sa.Column("send_state", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime),
        sa.Column("lease_until", UtcDateTime),
        sa.Column("claimed_by", ID),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("status_changed_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("response_id", ID),
        sa.Column("client_id", ID),
        sa.Column("campaign_id", ID),
        sa.Column("contact_list_id", ID),
        sa.Column("contact_id", sa.String(256)),
    )
    op.create_index("ix_messages_conversation_id", "messages", ["conversation_id"])
    op.create_index(
        "ix_messages_send_state_next_attempt_at", "messages", ["send_state", "next_attempt_at"]
    )
    op.create_table(
        "message_provider_ids",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("provider_message_id", sa.String(128), nullable=False),
        sa.Column("message_id", ID, nullable=False),
    )
    op.create_index(
        "ix_message_provider_ids_channel_provider_message_id",
        "message_provider_ids",
        ["channel", "provider_message_id"],
    )
    op.create_table(
        "message_receipts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("provider_message_id", sa.String(128), nullable=False),
        sa.Column("message_id", ID),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("error", sa.String(64)),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_message_receipts_message_id", "message_receipts", ["message_id"])
    op.create_index(
        "ix_message_receipts_channel_provider_message_id",
        "message_receipts",
        ["channel", "provider_message_id"],
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("client_id", ID, primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "opt_outs",
        sa.Column("channel", sa.String(8), primary_key=True),
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("sender", sa.String(320), primary_key=True),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "opt_outs",
        "idempotency_keys",
        "message_receipts",
        "message_provider_ids",
        "messages",
        "conversations",
    ):
        op.drop_table(table)
