"""Inbound e-mail: every mail the receiver acknowledged, as it came; the new text and the
auto-reply flag of inbound messages; the reason a bounce gave.

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("full_text_body", sa.Text))
        batch.add_column(sa.Column("auto_reply", sa.Boolean))
    with op.batch_alter_table("message_receipts") as batch:
        batch.add_column(sa.Column("reason", sa.Text))
    op.create_table(
        "inbound_emails",
        sa.Column("id", ID, primary_key=True),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("mail_from", sa.Text, nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("message_id", ID),
        sa.Column("header_message_id", sa.Text),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_inbound_emails_received_at", "inbound_emails", ["received_at"])
    op.create_index("ix_inbound_emails_message_id", "inbound_emails", ["message_id"])


def downgrade() -> None:
    op.drop_table("inbound_emails")
    with op.batch_alter_table("message_receipts") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("auto_reply")
        batch.drop_column("full_text_body")
