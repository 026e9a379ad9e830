"""The text, address and channel filters through their indexes (migration 0022) select
exactly the rows they selected without them: the text filter against the plain case-folded
LIKE it always was, on the index path, on the walk, and with the index gone; addresses,
contacts, statuses and channels against the filters' meaning, whichever spelling runs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, or_, select, update

from tests.support.segment_filters import meets
from tidings.adapters.db import analytics_repository, migrate, text_search
from tidings.adapters.db.engine import make_async_engine, make_sync_engine
from tidings.adapters.db.tables import messages
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.adapters.db.writer_gate import WriterGate
from tidings.domain.analytics import (
    ConversationQuery,
    Filter,
    Predicate,
    VisibleDivisions,
    parse_interval,
)
from tidings.domain.messages import Conversation, Message


def _wide(ascii_letters: str) -> str:
    """The letters in their full-width forms (folded by FTS5, not by SQLite's LIKE)."""
    return "".join(chr(ord(c) + 0xFEE0) for c in ascii_letters)


START = datetime(2024, 5, 1, 8, tzinfo=UTC)
DAY = parse_interval("2024-05-01T00:00:00Z/2024-05-02T00:00:00Z")
EVERYWHERE = VisibleDivisions(everywhere=True)
SENDER = "+13175550000"

# (conversation, channel, direction, status, text, subject, customer)
ROWS = [
    ("c01", "sms", "outbound", "delivery-success", "Today 50% OFF_now", None, "+15550001"),
    ("c01", "sms", "inbound", "received", "ok 100%", None, "+15550001"),
    ("c02", "sms", "outbound", "delivery-failed", "Your parcel arrives today", None, "+15550002"),
    ("c03", "sms", "outbound", "sent", "PARCEL delayed: a_b c%d", None, "+15550003"),
    ("c04", "sms", "outbound", "delivery-success", "お荷物を本日お届けします", None, "+15550004"),
    ("c04", "sms", "inbound", "received", "本日は不在です", None, "+15550004"),
    ("c05", "sms", "outbound", "failed", "École fermée", None, "+15550005"),
    ("c06", "sms", "outbound", "queued", "école ouverte", None, "+15550006"),
    ("c07", "sms", "outbound", "sent", 'say "hi" now', None, "+15550007"),
    ("c08", "sms", "outbound", "sent", "ab", None, "+15550008"),
    ("c09", "email", "outbound", "delivery-success", "Newsletter", "Invoice 42 Parcel", "a@x.test"),
    ("c10", "email", "inbound", "received", None, "Re: お知らせ", "b@x.test"),
    ("c11", "sms", "outbound", "sent", "Mixed Parcel 本日 ÉCOLE", None, "+15550011"),
    (
        "c12",
        "sms",
        "outbound",
        "sent",
        f"{_wide('fullwidth')} {_wide('PARCEL')}",
        None,
        "+15550012",
    ),
    # The Kelvin sign and the dotted capital I: PostgreSQL's ILIKE folds them into k and i.
    ("c13", "sms", "outbound", "sent", "273 \u212a in \u0130stanbul", None, "+15550013"),
]
TEXTS = [
    "0% off_",  # LIKE's wildcards are plain characters
    "k",
    "K",
    "i",
    "Ki",
    "%",
    "_",
    "a_b",
    "c%d",
    "100%",
    "off",
    "OFF",
    "parcel",
    "Parcel",
    "PARCEL delayed",
    "お届け",
    "本日",  # two characters: no trigram
    "荷",
    "本日お届け",
    "é",
    "École",
    "ÉCOLE",
    "école",
    '"hi"',
    '"',
    "ab",
    "a",
    "zz",
    "no such words",
    "invoice 42",
    "お知らせ",
    _wide("PARCEL"),
    _wide("parcel"),
    "  ",
]


def _pairs() -> list[tuple[Conversation | None, Message]]:
    pairs: list[tuple[Conversation | None, Message]] = []
    seen: set[str] = set()
    for n, (conversation, channel, direction, status, text, subject, customer) in enumerate(ROWS):
        at = START + timedelta(minutes=n)
        ours = SENDER if channel == "sms" else "news@example.test"
        sender, recipient = (ours, customer) if direction == "outbound" else (customer, ours)
        new = None
        if conversation not in seen:
            seen.add(conversation)
            new = Conversation(conversation, channel, ours, customer, at)
        message = Message(
            id=f"m{n:02d}",
            conversation_id=conversation,
            media_type=channel,
            direction=direction,
            from_address=sender,
            to_address=recipient,
            status=status,
            created_at=at,
            send_state="done",
            text_body=text,
            subject=subject,
            contact_id=f"contact-{conversation}" if direction == "outbound" else None,
        )
        pairs.append((new, message))
    return pairs


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Any]:
    migrate.upgrade(database_url)
    engine = make_async_engine(database_url)
    if engine.dialect.name == "postgresql":
        # The table is tiny: without this the planner would never read the trigram index.
        event.listen(engine.sync_engine, "connect", _no_sequential_scans)
    async with SqlUnitOfWork(engine, WriterGate(None)) as uow:
        await uow.messages.add_many(_pairs())
        await uow.commit()
    yield engine
    await engine.dispose()


def _no_sequential_scans(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET enable_seqscan = off")
    cursor.close()
    dbapi_connection.commit()


async def _selected(engine: Any, query: ConversationQuery) -> list[str]:
    """The message ids of the console's pages (keyset batches of 5, matching messages)."""
    found: list[str] = []
    after = None
    while True:
        async with SqlUnitOfWork(engine, WriterGate(None)) as uow:
            batch = await uow.analytics.conversation_batch(
                query, EVERYWHERE, after, 5, matching_messages=True
            )
        if not batch:
            return sorted(found)
        found += [m.id for c in batch for m in c.messages]
        after = (batch[-1].started_at, batch[-1].id)


async def _liked(engine: Any, words: str) -> list[str]:
    """What the filter always meant: the case-folded LIKE over text and subject."""
    statement = select(messages.c.id).where(
        or_(
            messages.c.text_body.icontains(words, autoescape=True),
            messages.c.subject.icontains(words, autoescape=True),
        )
    )
    async with engine.connect() as connection:
        return sorted(row.id for row in await connection.execute(statement))


async def _texts_match_the_like(engine: Any) -> None:
    for words in TEXTS:
        query = ConversationQuery(DAY, order="desc", text_contains=words)
        assert await _selected(engine, query) == await _liked(engine, words), words
        inbound = ConversationQuery(
            DAY,
            text_contains=words,
            segment_filters=(Filter(predicates=(Predicate("direction", value="inbound"),)),),
        )
        expected = [m for m in await _liked(engine, words) if ROWS[int(m[1:])][2] == "inbound"]
        assert await _selected(engine, inbound) == expected, words


async def test_the_text_filter_selects_what_the_like_selects(engine: Any) -> None:
    await _texts_match_the_like(engine)
    # What that means, spelled out (the same on both databases).
    assert await _selected(engine, ConversationQuery(DAY, text_contains="0% off_")) == ["m00"]
    assert await _selected(engine, ConversationQuery(DAY, text_contains="a_b")) == ["m03"]
    assert await _selected(engine, ConversationQuery(DAY, text_contains="本日")) == [
        "m04",
        "m05",
        "m12",
    ]
    parcels = await _selected(engine, ConversationQuery(DAY, text_contains="parcel"))
    assert parcels == ["m02", "m03", "m10", "m12"]  # m10: the subject
    assert await _selected(engine, ConversationQuery(DAY, text_contains='"hi"')) == ["m08"]


async def test_many_matches_walk_the_interval_with_the_same_result(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analytics_repository, "FEW_MATCHES", 0)
    await _texts_match_the_like(engine)


@pytest.fixture
def sync_engine(database_url: str) -> Iterator[Engine]:
    engine = make_sync_engine(database_url)
    yield engine
    engine.dispose()


async def test_the_index_follows_changed_and_deleted_messages(
    engine: Any, sync_engine: Engine
) -> None:
    with sync_engine.begin() as connection:
        connection.execute(
            update(messages).where(messages.c.id == "m02").values(text_body="Your box is late")
        )
        connection.execute(delete(messages).where(messages.c.id == "m08"))
        connection.execute(
            update(messages).where(messages.c.id == "m09").values(status="delivery-success")
        )
    assert await _selected(engine, ConversationQuery(DAY, text_contains="parcel")) == [
        "m03",
        "m10",
        "m12",
    ]
    assert await _selected(engine, ConversationQuery(DAY, text_contains="box is")) == ["m02"]
    assert await _selected(engine, ConversationQuery(DAY, text_contains='"hi"')) == []
    await _texts_match_the_like(engine)


async def test_without_the_search_index_the_filter_scans(engine: Any, sync_engine: Engine) -> None:
    with sync_engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER messages_fts_update")  # stale from here
        else:
            text_search.drop_postgresql_search(connection)
    with sync_engine.begin() as connection:
        connection.execute(
            update(messages).where(messages.c.id == "m02").values(text_body="Your box is late")
        )
    assert await _selected(engine, ConversationQuery(DAY, text_contains="box is")) == ["m02"]
    await _texts_match_the_like(engine)


def test_the_migration_goes_on_without_the_search_index(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A SQLite without the trigram tokenizer, a PostgreSQL without pg_trgm: the migration
    leaves the index out, says so, and the filter scans."""
    monkeypatch.setattr(text_search, "TRIGRAM_EXTENSION", "no_such_extension")
    monkeypatch.setattr(text_search, "TOKENIZER", "no_such_tokenizer")
    with caplog.at_level(logging.WARNING, logger=text_search.__name__):
        migrate.upgrade(database_url)
    assert "text search index not created" in caplog.text
    assert not migrate.pending(database_url)


def _address(value: str) -> tuple[Filter, ...]:
    """The console's address field: the sender or the recipient."""
    either = (Predicate("addressFrom", value=value), Predicate("addressTo", value=value))
    return (Filter("and", (), (Filter("or", either),)),)


@pytest.mark.parametrize("few", [5_000, 0])
async def test_the_address_filter_selects_the_messages_from_or_to_it(
    engine: Any, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    monkeypatch.setattr(analytics_repository, "FEW_MATCHES", few)
    for value in ["+15550001", "+15550004", "b@x.test", SENDER, "+19999999999", "+1555000"]:
        query = ConversationQuery(DAY, order="desc", segment_filters=_address(value))
        expected = [m.id for _, m in _pairs() if value in (m.from_address, m.to_address)]
        assert await _selected(engine, query) == sorted(expected), value


def _filter(kind: str, *predicates: Predicate, clauses: tuple[Filter, ...] = ()) -> Filter:
    return Filter(kind, predicates, clauses)


def _p(dimension: str, value: str | None = None, operator: str = "matches") -> Predicate:
    return Predicate(dimension, operator=operator, value=value)


FILTERS: list[Callable[[], Filter]] = [
    lambda: _filter("and", _p("addressTo", "+15550004")),
    lambda: _filter("and", _p("addressFrom", "+15550004")),
    lambda: _filter("and", _p("addressFrom", SENDER)),
    lambda: _filter("and", _p("outboundContactId", "contact-c05")),
    lambda: _filter("and", _p("deliveryStatus", "Received")),
    lambda: _filter("and", _p("deliveryStatus", "DeliverySuccess"), _p("mediaType", "email")),
    lambda: _filter("and", _p("mediaType", "email")),
    lambda: _filter("and", _p("mediaType", "message")),
    lambda: _filter("and", _p("mediaType", "MESSAGE")),
    lambda: _filter("and", _p("messageType", "sms")),
    lambda: _filter("and", _p("messageType", operator="exists")),
    lambda: _filter("and", _p("messageType", operator="notExists")),
    lambda: _filter("or", _p("mediaType", "email"), _p("messageType", "nothing")),
    lambda: _filter("and", _p("mediaType", "message"), _p("direction", "inbound")),
    lambda: _filter("and", _p("direction", "INBOUND")),
    lambda: _filter("and", _p("direction", "outbound")),
    lambda: _filter("or", _p("addressFrom", "+15550004"), _p("addressTo", "+15550004")),
    lambda: _filter(
        "and",
        _p("deliveryStatus", "Received"),
        clauses=(_filter("or", _p("addressFrom", "+15550004"), _p("addressTo", "+15550004")),),
    ),
    lambda: _filter(
        "and",
        _p("direction", "inbound"),
        clauses=(_filter("or", _p("addressFrom", SENDER), _p("addressTo", SENDER)),),
    ),
    lambda: _filter("or", _p("mediaType", "email"), _p("deliveryStatus", "Failed")),
    lambda: _filter(
        "and",
        _p("direction", "outbound"),
        clauses=(_filter("or", _p("mediaType", "email"), _p("addressTo", "+15550002")),),
    ),
]


@pytest.mark.parametrize("few", [5_000, 0])
@pytest.mark.parametrize("number", range(len(FILTERS)))
async def test_segment_filters_select_the_conversations_they_mean(
    engine: Any, monkeypatch: pytest.MonkeyPatch, few: int, number: int
) -> None:
    """Through the indexes, the conversation's channel, or the walk: the same answer."""
    monkeypatch.setattr(analytics_repository, "FEW_MATCHES", few)
    found = FILTERS[number]()
    expected = sorted({m.conversation_id for _, m in _pairs() if meets(m, found)})
    query = ConversationQuery(DAY, page_size=100, segment_filters=(found,))
    async with SqlUnitOfWork(engine, WriterGate(None)) as uow:
        page, total = await uow.analytics.conversation_details(query, EVERYWHERE)
    assert (sorted(c.id for c in page), total) == (expected, len(expected))
    conversation_query = ConversationQuery(DAY, page_size=100, conversation_filters=(found,))
    async with SqlUnitOfWork(engine, WriterGate(None)) as uow:
        page, total = await uow.analytics.conversation_details(conversation_query, EVERYWHERE)
    assert (sorted(c.id for c in page), total) == (expected, len(expected))
    batch = await _selected(engine, ConversationQuery(DAY, segment_filters=(found,)))
    assert batch == sorted(m.id for _, m in _pairs() if meets(m, found))


async def test_a_rare_text_is_looked_up_in_the_index(engine: Any, sync_engine: Engine) -> None:
    """The candidates come from the index (emptied, it names none); on PostgreSQL the
    planner can serve the copy's ILIKE from the trigram index."""
    with sync_engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(
                f"INSERT INTO {text_search.FTS_TABLE}({text_search.FTS_TABLE}) "
                "VALUES ('delete-all')"
            )
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = connection.exec_driver_sql(
                f"EXPLAIN SELECT message_id FROM {text_search.TEXTS_TABLE} "
                "WHERE text_body ILIKE '%%parcel%%'"
            )
            assert text_search.TRIGRAM_INDEX in "\n".join(row[0] for row in plan)
            connection.exec_driver_sql(f"DELETE FROM {text_search.TEXTS_TABLE}")
    assert await _selected(engine, ConversationQuery(DAY, text_contains="parcel")) == []
    # Shorter than a trigram: SQLite looks up the trigrams it begins, PostgreSQL scans the
    # copy of the texts (narrower than the messages).
    assert await _selected(engine, ConversationQuery(DAY, text_contains="本日")) == []
    assert await _selected(engine, ConversationQuery(DAY, text_contains="Ab")) == []
    if engine.dialect.name == "sqlite":
        # A letter SQLite's LIKE does not fold (FTS5 does, by its own tables): the scan.
        accented = await _selected(engine, ConversationQuery(DAY, text_contains="é"))
        assert accented == await _liked(engine, "é") != []


async def test_an_index_built_before_short_texts_were_found_is_built_again(
    database_url: str,
) -> None:
    """SQLite: an FTS5 index of the texts as they were indexed before migration 0024 (no
    END after them, no vocabulary) is built again by it, and then finds texts of one and
    two characters, at the end of a text too."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's text search did not change")
    migrate.upgrade(database_url, "0023")
    engine = make_async_engine(database_url)
    async with SqlUnitOfWork(engine, WriterGate(None)) as uow:
        await uow.messages.add_many(_pairs())
        await uow.commit()
    sync = make_sync_engine(database_url)
    with sync.begin() as connection:
        fts, vocabulary = text_search.FTS_TABLE, text_search.FTS_VOCABULARY
        connection.exec_driver_sql(f"DROP TABLE {vocabulary}")
        connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")
        connection.exec_driver_sql(
            f"INSERT INTO {fts}(rowid, text_body, subject) "
            "SELECT rowid, text_body, subject FROM messages"
        )
    sync.dispose()
    migrate.upgrade(database_url)
    for words in ("本日", "す", "ab", "B", "%"):
        expected = await _liked(engine, words)
        assert await _selected(engine, ConversationQuery(DAY, text_contains=words)) == expected
        assert expected, words
    async with SqlUnitOfWork(engine, WriterGate(None)) as uow:
        assert await uow.analytics._search("す") is not None  # the index named them
    await engine.dispose()
