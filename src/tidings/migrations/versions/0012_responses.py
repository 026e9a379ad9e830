"""Response Management: libraries of content templates and their responses.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "response_libraries",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("division_id", ID, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["division_id"],
            ["divisions.id"],
            name="fk_response_libraries_division_id_divisions",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_response_libraries"),
        sa.UniqueConstraint("name_key", name="uq_response_libraries_name_key"),
    )
    op.create_index("ix_response_libraries_division_id", "response_libraries", ["division_id"])
    op.create_table(
        "responses",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("response_type", sa.String(32)),
        sa.Column("interaction_type", sa.String(16)),
        sa.Column("texts", sa.JSON, nullable=False),
        sa.Column("substitutions", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_responses"),
    )
    op.create_index("ix_responses_name_key", "responses", ["name_key"])
    op.create_table(
        "response_library_members",
        sa.Column("response_id", ID, nullable=False),
        sa.Column("library_id", ID, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name="fk_response_library_members_response_id_responses",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["response_libraries.id"],
            name="fk_response_library_members_library_id_response_libraries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "library_id", name="pk_response_library_members"),
    )
    op.create_index(
        "ix_response_library_members_library_id", "response_library_members", ["library_id"]
    )


def downgrade() -> None:
    op.drop_table("response_library_members")
    op.drop_table("responses")
    op.drop_table("response_libraries")
