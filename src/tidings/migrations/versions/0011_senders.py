"""SMS sender numbers and outbound e-mail domains.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_phone_numbers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("phone_number", sa.String(32), nullable=False),
        sa.Column("address_key", sa.String(32), nullable=False),
        sa.Column("phone_number_type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(256)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("country_code", sa.String(2)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sms_phone_numbers"),
        sa.UniqueConstraint("address_key", name="uq_sms_phone_numbers_address_key"),
    )
    op.create_table(
        "email_domains",
        sa.Column("id", sa.String(253), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("sender_type", sa.String(32), nullable=False),
        sa.Column("dkim_selector", sa.String(63), nullable=False),
        sa.Column("dkim_private_key", sa.Text, nullable=False),
        sa.Column("records", sa.JSON, nullable=False),
        sa.Column("dmarc", sa.JSON),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_checked", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_email_domains"),
    )


def downgrade() -> None:
    op.drop_table("email_domains")
    op.drop_table("sms_phone_numbers")
