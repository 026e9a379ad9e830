"""Contact lists and their contacts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import SEQ, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "contact_lists",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("division_id", ID, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["division_id"],
            ["divisions.id"],
            name="fk_contact_lists_division_id_divisions",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contact_lists"),
        sa.UniqueConstraint("name_key", name="uq_contact_lists_name_key"),
    )
    op.create_index("ix_contact_lists_division_id", "contact_lists", ["division_id"])
    op.create_table(
        "contacts",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("contact_list_id", ID, nullable=False),
        sa.Column("id", sa.String(256), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("callable", sa.Boolean, nullable=False),
        sa.Column("phone_number_status", sa.JSON, nullable=False),
        sa.Column("contactable_status", sa.JSON, nullable=False),
        sa.Column("addresses", sa.JSON, nullable=False),
        sa.Column("priority", sa.Boolean, nullable=False),
        sa.Column("queued_at", sa.BigInteger, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_list_id"],
            ["contact_lists.id"],
            name="fk_contacts_contact_list_id_contact_lists",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_contacts"),
        sa.UniqueConstraint("contact_list_id", "id", name="uq_contacts_contact_list_id_id"),
    )
    op.create_index("ix_contacts_queue", "contacts", ["contact_list_id", "priority", "queued_at"])


def downgrade() -> None:
    op.drop_table("contacts")
    op.drop_table("contact_lists")
