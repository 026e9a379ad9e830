"""The parts of a long inbound SMS keep their payload as it came (and its alphabet): a phone
may split a UCS-2 surrogate pair (an emoji) or a GSM escape (€, [, ...) between two parts,
and only the parts' bytes joined decode that character; each part decoded alone showed a
replacement character. Parts waiting when the schema changes have no payload and are joined
by their texts as before.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbound_sms_parts", sa.Column("payload", sa.LargeBinary))
    op.add_column("inbound_sms_parts", sa.Column("alphabet", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("inbound_sms_parts") as batch:
        batch.drop_column("alphabet")
        batch.drop_column("payload")
