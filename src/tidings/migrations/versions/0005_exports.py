"""Contact list exports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contact_list_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_completed", UtcDateTime),
        sa.ForeignKeyConstraint(
            ["contact_list_id"],
            ["contact_lists.id"],
            name="fk_exports_contact_list_id_contact_lists",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exports"),
    )
    op.create_index("ix_exports_contact_list_id_state", "exports", ["contact_list_id", "state"])


def downgrade() -> None:
    op.drop_table("exports")
