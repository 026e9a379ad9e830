"""The index behind the console's "text contains" filter (a message's text or subject).

The filter itself stays the case-folded LIKE (`icontains`) it was, on both databases, so its
meaning is unchanged: case-insensitive for ASCII letters on SQLite, for all letters on
PostgreSQL, `%` and `_` plain characters.

- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+), external content over
  `messages` keyed by its rowid and kept by triggers. It stores no positions (detail=none:
  40% less work per message sent than with them, half the size) nor sizes (columnsize=0:
  ranking is never asked for), so it finds the messages holding every trigram of the text
  with letters folded: a superset of what the LIKE matches, which the LIKE then narrows.
- PostgreSQL: a copy of the texts (`message_texts`, kept by triggers) with a GIN index of
  pg_trgm's operator class, which serves ILIKE itself; the same ILIKE on the copy is the
  filter. Not on `messages`: a message row is rewritten three or four times on its way
  (claimed, settled, its receipt), and PostgreSQL adds an entry to every index of the
  table for each new row version: on `messages` the trigram index doubled the cost of
  those updates. The copy is written once.
  It needs the pg_trgm extension (in PostgreSQL's contrib package; trusted since
  PostgreSQL 13, so a database owner may create it).

A text shorter than three characters has no trigram of its own. SQLite indexes each text
with END after it, so every occurrence of such a text begins a trigram, and looks up the
trigrams it begins in the index's vocabulary (`short_query`, migration 0024); PostgreSQL
scans the copy (narrower than `messages`), with LIKE on the case variants where it can.
Where the index is impossible (no trigram tokenizer, no pg_trgm) the migration leaves it
out and says so in the log; the filter then scans too. An operator may drop it the same
way (`drop_sqlite_search`, `drop_postgresql_search`: faster sends, slower search).

The search objects live outside `tables.metadata` (a virtual table and an operator class are
not portable), so schema comparisons skip them (`include_object`). A migration that
rebuilds `messages` on SQLite (batch_alter_table copies it into a new table, which drops
its triggers and may renumber rowids) must call `drop_sqlite_search` before and
`create_sqlite_search` after. Until then `search_ready` is false and the filter scans.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import messages

log = logging.getLogger(__name__)

# The shortest text trigrams can find.
MIN_SEARCH_LENGTH = 3
# A long text is looked up by this many of its trigrams (the LIKE checks the rest).
MAX_TRIGRAMS = 24

# SQLite
FTS_TABLE = "messages_fts"
FTS_VOCABULARY = "messages_fts_vocabulary"  # its trigrams: what a short text looks up
FTS_TRIGGERS = ("messages_fts_insert", "messages_fts_delete", "messages_fts_update")
TOKENIZER = "trigram"
# PostgreSQL
TEXTS_TABLE = "message_texts"
TEXTS_TRIGGERS = ("message_texts_insert", "message_texts_delete", "message_texts_update")
TRIGRAM_INDEX = "ix_message_texts_trigram"
TRIGRAM_EXTENSION = "pg_trgm"

_fts = table(FTS_TABLE, column("rowid"))
_vocabulary = table(FTS_VOCABULARY, column("term"))
# Above every character: the end of a prefix's range of terms.
_LAST = "\U0010ffff"
# A text of one or two characters that begins more trigrams than this is common.
MAX_SHORT_TERMS = 256
_texts = table(TEXTS_TABLE, column("message_id"), column("text_body"), column("subject"))

# Messages without text or subject (none so far, but e-mail may come with a subject only)
# are left out; the delete and update triggers use the same condition, as FTS5 must be told
# exactly what it indexed.
# Each text is indexed with END after it, so every occurrence of one or two characters
# starts a trigram, which the vocabulary names (`short_query`).
END = "char(31, 31)"
_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    WHEN new.text_body IS NOT NULL OR new.subject IS NOT NULL
    BEGIN
        INSERT INTO {FTS_TABLE}(rowid, text_body, subject)
        VALUES (new.rowid, new.text_body || {END}, new.subject || {END});
    END""",
    f"""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.text_body IS NOT NULL OR old.subject IS NOT NULL
    BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text_body, subject)
        VALUES ('delete', old.rowid, old.text_body || {END}, old.subject || {END});
    END""",
    f"""CREATE TRIGGER messages_fts_update AFTER UPDATE OF text_body, subject ON messages
    BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text_body, subject)
        SELECT 'delete', old.rowid, old.text_body || {END}, old.subject || {END}
        WHERE old.text_body IS NOT NULL OR old.subject IS NOT NULL;
        INSERT INTO {FTS_TABLE}(rowid, text_body, subject)
        SELECT new.rowid, new.text_body || {END}, new.subject || {END}
        WHERE new.text_body IS NOT NULL OR new.subject IS NOT NULL;
    END""",
)

# Inserts and deletes come in batches (a campaign's claim, its cleanup): one statement a
# batch through the transition tables. Text updates are rare: row by row.
_POSTGRESQL_DDL = (
    f"""CREATE TABLE {TEXTS_TABLE} (
        message_id VARCHAR(36) PRIMARY KEY,
        text_body TEXT,
        subject TEXT
    )""",
    f"""INSERT INTO {TEXTS_TABLE} (message_id, text_body, subject)
    SELECT id, text_body, subject FROM messages
    WHERE text_body IS NOT NULL OR subject IS NOT NULL""",
    f"""CREATE INDEX {TRIGRAM_INDEX} ON {TEXTS_TABLE}
    USING gin (text_body gin_trgm_ops, subject gin_trgm_ops)""",
    # The planner estimates how many texts hold the words from the column's histogram: with
    # the default 100 entries a text in 1% of the messages is often estimated at 0.01%,
    # and the page is then found through the index instead of by the (faster) walk.
    f"ALTER TABLE {TEXTS_TABLE} ALTER COLUMN text_body SET STATISTICS 1000",
    f"ANALYZE {TEXTS_TABLE}",
    f"""CREATE FUNCTION {TEXTS_TABLE}_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TEXTS_TABLE} (message_id, text_body, subject)
        SELECT id, text_body, subject FROM added
        WHERE text_body IS NOT NULL OR subject IS NOT NULL;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION {TEXTS_TABLE}_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TEXTS_TABLE} WHERE message_id IN (SELECT id FROM removed);
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION {TEXTS_TABLE}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TEXTS_TABLE} WHERE message_id = OLD.id;
        IF NEW.text_body IS NOT NULL OR NEW.subject IS NOT NULL THEN
            INSERT INTO {TEXTS_TABLE} (message_id, text_body, subject)
            VALUES (NEW.id, NEW.text_body, NEW.subject);
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER message_texts_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION {TEXTS_TABLE}_added()""",
    f"""CREATE TRIGGER message_texts_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION {TEXTS_TABLE}_removed()""",
    f"""CREATE TRIGGER message_texts_update AFTER UPDATE OF id, text_body, subject ON messages
    FOR EACH ROW WHEN (
        OLD.id IS DISTINCT FROM NEW.id
        OR OLD.text_body IS DISTINCT FROM NEW.text_body
        OR OLD.subject IS DISTINCT FROM NEW.subject
    )
    EXECUTE FUNCTION {TEXTS_TABLE}_changed()""",
)


def is_search_object(name: str | None) -> bool:
    """Is this table or index one of the text search's (FTS5 shadow tables included)?"""
    return bool(name) and str(name).startswith((FTS_TABLE, TEXTS_TABLE))


def schema_filter(dialect: str) -> Callable[..., bool]:
    """Alembic's `include_object` for schema comparisons on this database: the text search
    is not in the metadata, and an index the metadata keeps for another database only
    (`info["only_on"]`) is not expected here."""

    def include(found: object, name: str | None, kind: str, *_: object) -> bool:
        if is_search_object(name):
            return False
        only_on = getattr(found, "info", {}).get("only_on") if kind == "index" else None
        return only_on is None or only_on == dialect

    return include


def create_sqlite_search(connection: Connection) -> bool:
    """The FTS5 table, filled from the messages there are, and its triggers. False (and
    nothing created) when this SQLite has no FTS5 or no trigram tokenizer."""
    try:
        # A failed statement leaves SQLite's transaction as it was: no savepoint needed.
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text_body, subject, "
            f"content='messages', tokenize='{TOKENIZER}', detail=none, columnsize=0)"
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
        f"SELECT rowid, text_body || {END}, subject || {END} FROM messages "
        "WHERE text_body IS NOT NULL OR subject IS NOT NULL"
    )
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {FTS_VOCABULARY} USING fts5vocab({FTS_TABLE}, 'row')"
    )
    for statement in _SQLITE_TRIGGERS:
        connection.exec_driver_sql(statement)
    return True


def drop_sqlite_search(connection: Connection) -> None:
    for trigger in FTS_TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_VOCABULARY}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def create_postgresql_search(connection: Connection) -> bool:
    """pg_trgm (if it is not there yet), the copy of the texts, its GIN index and its
    triggers. False (and nothing created) when the extension cannot be created here."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {TRIGRAM_EXTENSION}")
    except DBAPIError as exc:
        log.warning(
            "text search index not created: the pg_trgm extension is not available to this "
            "user (install PostgreSQL's contrib package, or have an administrator run "
            "CREATE EXTENSION pg_trgm, then see docs/operations.md); the interactions text "
            "filter will scan (%s)",
            exc.orig,
        )
        return False
    for statement in _POSTGRESQL_DDL:
        connection.exec_driver_sql(statement)
    return True


def drop_postgresql_search(connection: Connection) -> None:
    # The extension stays: something else may use it, and dropping it needs its owner.
    for trigger in TEXTS_TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON messages")
    for function in ("added", "removed", "changed"):
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {TEXTS_TABLE}_{function}()")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TEXTS_TABLE}")


async def search_ready(db: Database) -> bool:
    """Is the index there with all its triggers (without them it may be stale)?"""
    if db.connection.dialect.name == "sqlite":
        found = await db.execute(
            sql(
                "SELECT count(*) FROM sqlite_master "
                "WHERE (type = 'table' AND name IN (:table, :vocabulary)) "
                "OR (type = 'trigger' AND tbl_name = 'messages' AND name IN (:a, :b, :c))"
            ),
            {
                "table": FTS_TABLE,
                "vocabulary": FTS_VOCABULARY,
                **dict(zip("abc", FTS_TRIGGERS, strict=True)),
            },
        )
        return int(found.scalar_one()) == 2 + len(FTS_TRIGGERS)
    found = await db.execute(
        sql(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('messages') "
            "AND tgname IN (:a, :b, :c) AND to_regclass(:table) IS NOT NULL"
        ),
        {"table": TEXTS_TABLE, **dict(zip("abc", TEXTS_TRIGGERS, strict=True))},
    )
    return int(found.scalar_one()) == len(TEXTS_TRIGGERS)


@dataclass(frozen=True)
class Search:
    """How the text search index names the candidates of a text: on SQLite with this FTS5
    query, on PostgreSQL through the copy of the texts."""

    dialect: str
    fts_query: str = ""


def trigram_query(words: str) -> str:
    """An FTS5 query for the messages holding every trigram of `words` (at least three
    characters): each trigram a quoted string (any character literal, quotes doubled)."""
    trigrams = dict.fromkeys(words[i : i + 3] for i in range(len(words) - 2))
    chosen = list(trigrams)[:MAX_TRIGRAMS]
    return " AND ".join(_quoted(t) for t in chosen)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _cased_in_ascii_only(words: str) -> bool:
    """Does FTS5's case folding meet SQLite's LIKE here? Both fold ASCII letters; LIKE no
    other, FTS5 more (by its own Unicode tables), so a text of ASCII and uncased characters
    (digits, kana, kanji, marks) only is looked up by its ASCII-lowered trigrams."""
    return all(c.isascii() or c.lower() == c.upper() for c in words)


async def short_query(db: Database, words: str) -> str | None:
    """An FTS5 query for the messages holding `words` of one or two characters: every
    indexed trigram that begins with them (END makes one follow each occurrence), from the
    vocabulary. None when the index cannot say (case folding, see `_cased_in_ascii_only`) or
    they begin more than MAX_SHORT_TERMS trigrams (a common text: walking finds it faster)."""
    if not _cased_in_ascii_only(words):
        return None
    prefix = words.lower()
    found = await db.execute(
        select(_vocabulary.c.term)
        .where(_vocabulary.c.term >= prefix, _vocabulary.c.term < prefix + _LAST)
        .limit(MAX_SHORT_TERMS + 1)
    )
    terms = [row.term for row in found if row.term.startswith(prefix)]
    if len(terms) > MAX_SHORT_TERMS:
        return None
    return " OR ".join(_quoted(t) for t in terms)  # "": no message holds them


def _fts_matches(fts_query: str) -> ColumnElement[bool]:
    return literal_column(FTS_TABLE).op("MATCH")(fts_query)


def candidates_are_exact(dialect: str) -> bool:
    """Does `candidates` select exactly the messages whose text or subject holds the
    words (PostgreSQL's copy of the texts), or a superset (SQLite's trigrams)?"""
    return dialect != "sqlite"


def candidates(words: str, search: Search) -> ColumnElement[bool]:
    """The message (`messages` in the enclosing query) is one the index names for `words`:
    on SQLite its rowid has the trigrams of the search's FTS5 query, on PostgreSQL its
    copied text or subject holds them (ILIKE, which the trigram index serves)."""
    if search.dialect == "sqlite":
        if not search.fts_query:
            return false()
        named = select(_fts.c.rowid).where(_fts_matches(search.fts_query))
        return literal_column("messages.rowid").in_(named)
    held = or_(*(_contains(c, words) for c in (_texts.c.text_body, _texts.c.subject)))
    return messages.c.id.in_(select(_texts.c.message_id).where(held))


def _contains(text: ColumnElement[str], words: str) -> ColumnElement[bool]:
    """PostgreSQL: ILIKE, which the trigram index serves; too short for trigrams, the copy
    is scanned, and there LIKE costs a quarter of ILIKE: the words' case variants, where
    their only cased letters are ASCII (for no other does LIKE mean what ILIKE does)."""
    if (
        len(words) >= MIN_SEARCH_LENGTH
        or not _cased_in_ascii_only(words)
        or _FOLDED_INTO_ASCII & set(words)
    ):
        return text.icontains(words, autoescape=True)
    variants = {"".join(v) for v in itertools.product(*({c.lower(), c.upper()} for c in words))}
    return or_(*(text.contains(v, autoescape=True) for v in sorted(variants)))


# Letters that a character beyond ASCII lower-cases into, for PostgreSQL's ILIKE: the Kelvin
# sign (U+212A) into k, the dotted capital I (U+0130) into i. No case variant of the words
# finds those; ILIKE does.
_FOLDED_INTO_ASCII = frozenset("kKiI")


def candidates_probe(fts_query: str, limit: int) -> Select[Any]:
    """SQLite: how many messages the FTS index names for the query, counted up to `limit`."""
    named = _fts_matches(fts_query) if fts_query else false()
    found = select(_fts.c.rowid).where(named).limit(limit).subquery()
    return select(func.count()).select_from(found)
