"""DNC lists and their entries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "dnc_lists",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("division_id", ID, nullable=False),
        sa.Column("contact_method", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["division_id"],
            ["divisions.id"],
            name="fk_dnc_lists_division_id_divisions",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dnc_lists"),
        sa.UniqueConstraint("name_key", name="uq_dnc_lists_name_key"),
    )
    op.create_index("ix_dnc_lists_division_id", "dnc_lists", ["division_id"])
    op.create_table(
        "dnc_entries",
        sa.Column("dnc_list_id", ID, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("expires_at", UtcDateTime),
        sa.ForeignKeyConstraint(
            ["dnc_list_id"],
            ["dnc_lists.id"],
            name="fk_dnc_entries_dnc_list_id_dnc_lists",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dnc_list_id", "kind", "address", name="pk_dnc_entries"),
    )


def downgrade() -> None:
    op.drop_table("dnc_entries")
    op.drop_table("dnc_lists")
