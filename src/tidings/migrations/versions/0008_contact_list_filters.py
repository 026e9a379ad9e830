"""Contact list filters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_list_filters",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("contact_list_id", sa.String(36), nullable=False),
        sa.Column("criteria", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_list_id"],
            ["contact_lists.id"],
            name="fk_contact_list_filters_contact_list_id_contact_lists",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contact_list_filters"),
        sa.UniqueConstraint("name_key", name="uq_contact_list_filters_name_key"),
    )
    op.create_index(
        "ix_contact_list_filters_contact_list_id", "contact_list_filters", ["contact_list_id"]
    )


def downgrade() -> None:
    op.drop_table("contact_list_filters")
