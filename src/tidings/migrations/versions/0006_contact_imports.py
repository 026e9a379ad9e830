"""CSV imports into contact lists.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_imports",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contact_list_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("contact_id_column", sa.String(256)),
        sa.Column("clear_system_data", sa.Boolean, nullable=False),
        sa.Column("total_records", sa.Integer, nullable=False),
        sa.Column("completed_records", sa.Integer, nullable=False),
        sa.Column("imported", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("failure_reason", sa.Text),
        sa.Column("warnings", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(36)),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.Column("date_completed", UtcDateTime),
        sa.ForeignKeyConstraint(
            ["contact_list_id"],
            ["contact_lists.id"],
            name="fk_contact_imports_contact_list_id_contact_lists",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contact_imports"),
    )
    op.create_index(
        "ix_contact_imports_contact_list_id_date_created",
        "contact_imports",
        ["contact_list_id", "date_created"],
    )


def downgrade() -> None:
    op.drop_table("contact_imports")
