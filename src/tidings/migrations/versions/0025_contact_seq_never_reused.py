"""Contacts' seq never reused on SQLite. Without AUTOINCREMENT, SQLite gives a new row the
largest rowid plus one, so deleting the last contact handed its seq to the next contact
added, in any list: a running campaign's pending attempt, which names its contact by seq,
then messaged the newcomer with the newcomer's data, and the newcomer's own attempt was
taken for one already seeded (never messaged).

The table is built again (a million contacts: seconds; writes wait), and the counter starts
above every seq a contact or a campaign attempt has held. PostgreSQL's sequence never gave
a number twice: unchanged.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "contacts", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass
    highest = bind.exec_driver_sql(
        "SELECT max(coalesce((SELECT max(seq) FROM contacts), 0),"
        " coalesce((SELECT max(contact_seq) FROM campaign_attempts), 0))"
    ).scalar_one()
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'contacts'")
    bind.exec_driver_sql(
        "INSERT INTO sqlite_sequence (name, seq) VALUES ('contacts', ?)", (int(highest),)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "contacts", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ):
        pass
