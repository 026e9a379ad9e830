"""Foundation: divisions (with Home), OAuth clients, grants, tokens, dispatchers.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from tidings.adapters.db.tables import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(36)


def upgrade() -> None:
    divisions = op.create_table(
        "divisions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("home_division", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_divisions"),
        sa.UniqueConstraint("name_key", name="uq_divisions_name_key"),
    )
    op.create_table(
        "oauth_clients",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("secret_digest", sa.String(64), nullable=False),
        sa.Column("authorized_grant_type", sa.String(32), nullable=False),
        sa.Column("access_token_validity_seconds", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("registered_redirect_uris", sa.JSON, nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("date_to_delete", UtcDateTime),
        sa.Column("rate_limit_per_minute", sa.Integer),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("date_created", UtcDateTime, nullable=False),
        sa.Column("date_modified", UtcDateTime, nullable=False),
        sa.Column("created_by", ID),
        sa.Column("modified_by", ID),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_clients"),
    )
    op.create_table(
        "oauth_client_grants",
        sa.Column("client_id", ID, nullable=False),
        sa.Column("role_id", ID, nullable=False),
        sa.Column("division_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.id"],
            name="fk_oauth_client_grants_client_id_oauth_clients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "client_id", "role_id", "division_id", name="pk_oauth_client_grants"
        ),
    )
    op.create_index("ix_oauth_client_grants_division_id", "oauth_client_grants", ["division_id"])
    op.create_table(
        "oauth_tokens",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.id"],
            name="fk_oauth_tokens_client_id_oauth_clients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name="pk_oauth_tokens"),
    )
    op.create_index("ix_oauth_tokens_client_id", "oauth_tokens", ["client_id"])
    op.create_index("ix_oauth_tokens_expires_at", "oauth_tokens", ["expires_at"])
    op.create_table(
        "dispatchers",
        sa.Column("id", ID, nullable=False),
        sa.Column("hostname", sa.String(256), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("seen_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dispatchers"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        divisions,
        [
            {
                "id": str(uuid.uuid4()),
                "name": "Home",
                "name_key": "home",
                "description": "The default division",
                "home_division": True,
                "version": 1,
                "date_created": now,
                "date_modified": now,
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("dispatchers")
    op.drop_table("oauth_tokens")
    op.drop_table("oauth_client_grants")
    op.drop_table("oauth_clients")
    op.drop_table("divisions")
