"""The index behind the console's "text contains" filter (a message's text or subject).

The filter itself stays a case-folded LIKE (`icontains`), on both databases; the index only
finds the candidates faster, and the LIKE still decides. That keeps its meaning exactly what
it was: case-insensitive for ASCII letters on SQLite, for all letters on PostgreSQL, `%` and
`_` plain characters.

- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+), external content over
  `messages` keyed by its rowid and kept by triggers. It stores no positions (detail=none:
  60% less work per message sent than with them, half the size), so it finds the messages
  holding every trigram of the text with letters folded: a superset of what the LIKE
  matches, which the LIKE then narrows. Trigrams cannot serve texts shorter than three
  characters: those fall back to the scan.
- PostgreSQL: a GIN index with pg_trgm's operator class, which the planner uses for ILIKE by
  itself. It needs the pg_trgm extension (in PostgreSQL's contrib package; trusted since
  PostgreSQL 13, so a database owner may create it).

Where neither is possible the migration leaves the index out and says so in the log; the
filter then scans, as it did before.

The search objects live outside `tables.metadata` (neither a virtual table nor an operator
class is portable), so schema comparisons skip them (`is_search_object`). A migration that
rebuilds `messages` on SQLite (batch_alter_table copies it into a new table, which drops
its triggers and may renumber rowids) must call `drop_sqlite_search` before and
`create_sqlite_search` after. Until then `sqlite_search_ready` is false and the filter scans.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from tidings.adapters.db.database import Database

log = logging.getLogger(__name__)

FTS_TABLE = "messages_fts"
# The shortest text trigrams can find.
MIN_SEARCH_LENGTH = 3
# A long text is looked up by this many of its trigrams (the LIKE checks the rest).
MAX_TRIGRAMS = 24
TRIGGERS = ("messages_fts_insert", "messages_fts_delete", "messages_fts_update")
TRIGRAM_INDEX = "ix_messages_text_trigram"
TOKENIZER = "trigram"  # SQLite's
TRIGRAM_EXTENSION = "pg_trgm"

_fts = table(FTS_TABLE, column("rowid"))

# Messages without text or subject (none so far, but e-mail may come with a subject only)
# are left out of the index; the delete and update triggers use the same condition, as
# FTS5 must be told exactly what it indexed.
_TRIGGERS_DDL = (
    f"""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    WHEN new.text_body IS NOT NULL OR new.subject IS NOT NULL
    BEGIN
        INSERT INTO {FTS_TABLE}(rowid, text_body, subject)
        VALUES (new.rowid, new.text_body, new.subject);
    END""",
    f"""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.text_body IS NOT NULL OR old.subject IS NOT NULL
    BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text_body, subject)
        VALUES ('delete', old.rowid, old.text_body, old.subject);
    END""",
    f"""CREATE TRIGGER messages_fts_update AFTER UPDATE OF text_body, subject ON messages
    BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text_body, subject)
        SELECT 'delete', old.rowid, old.text_body, old.subject
        WHERE old.text_body IS NOT NULL OR old.subject IS NOT NULL;
        INSERT INTO {FTS_TABLE}(rowid, text_body, subject)
        SELECT new.rowid, new.text_body, new.subject
        WHERE new.text_body IS NOT NULL OR new.subject IS NOT NULL;
    END""",
)


def is_search_object(name: str | None) -> bool:
    """Is this table or index one of the text search's (FTS5 shadow tables included)?"""
    return bool(name) and (name == TRIGRAM_INDEX or str(name).startswith(FTS_TABLE))


def include_object(_object: object, name: str | None, *_: object) -> bool:
    """Alembic's filter for schema comparisons: the text search is not in the metadata."""
    return not is_search_object(name)


def create_sqlite_search(connection: Connection) -> bool:
    """The FTS5 table, filled from the messages there are, and its triggers. False (and
    nothing created) when this SQLite has no FTS5 or no trigram tokenizer."""
    try:
        # A failed statement leaves SQLite's transaction as it was: no savepoint needed.
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text_body, subject, "
            f"content='messages', tokenize='{TOKENIZER}', detail=none)"
        )
    except DBAPIError as exc:
        log.warning(
            "text search index not created: this SQLite lacks FTS5's trigram tokenizer "
            "(SQLite 3.34 or later); the interactions text filter will scan (%s)",
            exc.orig,
        )
        return False
    # Only the messages with a text, as the insert trigger does ('rebuild' would take all).
    connection.exec_driver_sql(
        f"INSERT INTO {FTS_TABLE}(rowid, text_body, subject) "
        "SELECT rowid, text_body, subject FROM messages "
        "WHERE text_body IS NOT NULL OR subject IS NOT NULL"
    )
    for statement in _TRIGGERS_DDL:
        connection.exec_driver_sql(statement)
    return True


def drop_sqlite_search(connection: Connection) -> None:
    for trigger in TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def create_postgresql_search(connection: Connection) -> bool:
    """pg_trgm (if it is not there yet) and the GIN index over text and subject. False (and
    nothing created) when the extension cannot be created here."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {TRIGRAM_EXTENSION}")
    except DBAPIError as exc:
        log.warning(
            "text search index not created: the pg_trgm extension is not available to this "
            "user (install PostgreSQL's contrib package, or have an administrator run "
            "CREATE EXTENSION pg_trgm, then create %s as docs/operations.md shows); the "
            "interactions text filter will scan (%s)",
            TRIGRAM_INDEX,
            exc.orig,
        )
        return False
    connection.exec_driver_sql(postgresql_index_ddl())
    return True


def postgresql_index_ddl() -> str:
    return (
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON messages "
        "USING gin (text_body gin_trgm_ops, subject gin_trgm_ops)"
    )


def drop_postgresql_search(connection: Connection) -> None:
    # The extension stays: something else may use it, and dropping it needs its owner.
    connection.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


async def sqlite_search_ready(db: Database) -> bool:
    """Is the FTS table there with all its triggers (else it may be stale: see above)?"""
    names = [FTS_TABLE, *TRIGGERS]
    found = await db.execute(
        text(
            "SELECT count(*) FROM sqlite_master WHERE name IN "
            "(:a, :b, :c, :d) AND type IN ('table', 'trigger')"
        ),
        dict(zip("abcd", names, strict=True)),
    )
    return int(found.scalar_one()) == len(names)


def trigram_query(words: str) -> str:
    """An FTS5 query for the messages holding every trigram of `words` (at least three
    characters): each trigram a quoted string (any character literal, quotes doubled)."""
    trigrams = dict.fromkeys(words[i : i + 3] for i in range(len(words) - 2))
    chosen = list(trigrams)[:MAX_TRIGRAMS]
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in chosen)


def _matches(words: str) -> ColumnElement[bool]:
    return literal_column(FTS_TABLE).op("MATCH")(trigram_query(words))


def candidate_rowids(words: str) -> ColumnElement[bool]:
    """`messages.rowid` is one whose text or subject has every trigram of `words`."""
    return literal_column("messages.rowid").in_(select(_fts.c.rowid).where(_matches(words)))


def candidates_probe(words: str, limit: int) -> Select[Any]:
    """How many messages the FTS index names for `words`, counted up to `limit`."""
    found = select(_fts.c.rowid).where(_matches(words)).limit(limit).subquery()
    return select(func.count()).select_from(found)
