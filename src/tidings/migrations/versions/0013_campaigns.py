"""Messaging campaigns, their attempt rows and progress counters; contacts' system data.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.String(36)
SEQ = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "messaging_campaigns",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("division_id", ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("contact_list_id", ID, nullable=False),
        sa.Column("callable_time_set_id", ID),
        sa.Column("dnc_list_ids", sa.JSON, nullable=False),
        sa.Column("contact_list_filter_ids", sa.JSON, nullable=False),
        sa.Column("contact_sorts", sa.JSON, nullable=False),
        sa.Column("messages_per_minute", sa.Integer, nullable=False),
        sa.Column("always_running", sa.Boolean, nullable=False),
        sa.Column("sms_config", sa.JSON),
        sa.Column("email_config", sa.JSON),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["division_id"],
            ["divisions.id"],
            name="fk_messaging_campaigns_division_id_divisions",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contact_list_id"],
            ["contact_lists.id"],
            name="fk_messaging_campaigns_contact_list_id_contact_lists",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_messaging_campaigns"),
        sa.UniqueConstraint("name_key", name="uq_messaging_campaigns_name_key"),
    )
    op.create_index("ix_messaging_campaigns_status", "messaging_campaigns", ["status"])
    op.create_table(
        "campaign_attempts",
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("contact_seq", SEQ, nullable=False),
        sa.Column("contact_id", sa.String(256), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("position", SEQ, nullable=False),
        sa.Column("next_at", UtcDateTime),
        sa.Column("message_id", ID),
        sa.Column("wrapup", sa.String(64)),
        sa.Column("reason", sa.Text),
        sa.Column("column_name", sa.String(128)),
        sa.Column("address", sa.String(320)),
        sa.Column("settled_at", UtcDateTime),
        sa.PrimaryKeyConstraint("campaign_id", "cycle", "contact_seq", name="pk_campaign_attempts"),
    )
    op.create_index(
        "ix_campaign_attempts_campaign_id_cycle_state_rank_position",
        "campaign_attempts",
        ["campaign_id", "cycle", "state", "rank", "position"],
    )
    op.create_table(
        "campaign_counters",
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "cycle", "key", name="pk_campaign_counters"),
    )
    with op.batch_alter_table("contacts") as batch:
        for channel in ("sms", "email"):
            batch.add_column(sa.Column(f"{channel}_last_attempt", UtcDateTime))
            batch.add_column(sa.Column(f"{channel}_last_result", sa.String(64)))
            batch.add_column(sa.Column(f"{channel}_last_column", sa.String(128)))
            batch.add_column(
                sa.Column(f"{channel}_attempts", sa.Integer, nullable=False, server_default="0")
            )


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        for channel in ("sms", "email"):
            batch.drop_column(f"{channel}_attempts")
            batch.drop_column(f"{channel}_last_column")
            batch.drop_column(f"{channel}_last_result")
            batch.drop_column(f"{channel}_last_attempt")
    op.drop_table("campaign_counters")
    op.drop_index("ix_campaign_attempts_campaign_id_cycle_state_rank_position", "campaign_attempts")
    op.drop_table("campaign_attempts")
    op.drop_index("ix_messaging_campaigns_status", "messaging_campaigns")
    op.drop_table("messaging_campaigns")
