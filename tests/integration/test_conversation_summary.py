"""What a conversation keeps of its messages (migration 0023) decides the segment filters on
direction, addressFrom, contact list and campaign exactly as the messages do: every filter
of a generated set selects, on a real database, the conversations some message of which
meets it, whatever their shapes (replies, keyword answers, senders that differ, a message
that does not fit the campaign reading). The migration fills the columns as the
repository keeps them."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from tests.support.segment_filters import meets
from tidings.adapters.db import analytics_repository, migrate
from tidings.adapters.db.engine import make_async_engine
from tidings.adapters.db.message_rows import FILL_SAID, SAID
from tidings.adapters.db.tables import conversations
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.adapters.db.writer_gate import WriterGate
from tidings.domain.analytics import (
    ConversationQuery,
    Filter,
    Predicate,
    VisibleDivisions,
    parse_interval,
)
from tidings.domain.messages import EMAIL, SMS, Conversation, Message

START = datetime(2024, 5, 1, 8, tzinfo=UTC)
DAY = parse_interval("2024-05-01T00:00:00Z/2024-05-02T00:00:00Z")
EVERYWHERE = VisibleDivisions(everywhere=True)
OURS, OTHER, NEWS, ALERTS = "+13175550000", "+13175550001", "news@x.test", "alerts@x.test"

# Conversations: (id, channel, campaign, [(direction, from, to, campaign, contact list)]).
# The first message starts the conversation; the others join it later, one at a time.
SHAPES: list[tuple[str, str, str | None, list[tuple[str, str, str, str | None, str | None]]]] = [
    ("campaign", SMS, "k1", [("outbound", OURS, "+1555001", "k1", "L1")]),
    (
        "answered",
        SMS,
        "k1",
        [
            ("outbound", OURS, "+1555002", "k1", "L1"),
            ("inbound", "+1555002", OURS, None, None),
            ("outbound", OURS, "+1555002", None, None),  # the keyword's answer
        ],
    ),
    ("other campaign", SMS, "k2", [("outbound", OTHER, "+1555003", "k2", "L2")]),
    ("agentless", SMS, None, [("outbound", OURS, "+1555004", None, None)]),
    (
        "replied to agentless",
        SMS,
        None,
        [
            ("outbound", OTHER, "+1555005", None, None),
            ("inbound", "+1555005", OTHER, None, None),
        ],
    ),
    ("inbound only", SMS, None, [("inbound", "+1555006", OURS, None, None)]),
    (
        "two senders",
        EMAIL,
        None,
        [
            ("outbound", NEWS, "a@y.test", None, None),
            ("outbound", ALERTS, "a@y.test", None, None),
            ("inbound", "a@y.test", NEWS, None, None),
        ],
    ),
    ("the sentinel as sender", SMS, None, [("inbound", "*", OURS, None, None)]),
    (
        "unfit: not its campaign",
        SMS,
        None,
        [
            ("outbound", OURS, "+1555009", "k1", "L1"),
        ],
    ),
    (
        "unfit: inbound names a list",
        SMS,
        "k2",
        [
            ("outbound", OTHER, "+1555010", "k2", "L2"),
            ("inbound", "+1555010", OTHER, None, "L1"),
        ],
    ),
    ("campaign without a list", EMAIL, "k3", [("outbound", NEWS, "b@y.test", "k3", None)]),
    (
        "joined: a list, no campaign",
        EMAIL,
        "k3",
        [("outbound", NEWS, "c@y.test", "k3", None), ("outbound", NEWS, "c@y.test", None, "L3")],
    ),
]

VALUES = {
    "direction": ["outbound", "inbound", "Outbound"],
    "addressFrom": [OURS, OTHER, NEWS, ALERTS, "+1555002", "a@y.test", "*", "nobody"],
    "outboundContactListId": ["L1", "L2", "L3", "*", "none"],
    "outboundCampaignId": ["k1", "k2", "k3", "*"],
    "mediaType": ["message", "email"],
    "messageType": ["sms"],
}


def _messages() -> list[tuple[Conversation | None, Message]]:
    found: list[tuple[Conversation | None, Message]] = []
    for n, (name, channel, campaign, said) in enumerate(SHAPES):
        at = START + timedelta(minutes=n)
        first = said[0]
        conversation = Conversation(name, channel, first[1], first[2], at, campaign_id=campaign)
        for k, (direction, sender, to, message_campaign, contact_list) in enumerate(said):
            message = Message(
                id=f"{name}/{k}",
                conversation_id=name,
                media_type=channel,
                direction=direction,
                from_address=sender,
                to_address=to,
                status="received" if direction == "inbound" else "sent",
                created_at=at + timedelta(seconds=k),
                send_state="done",
                campaign_id=message_campaign,
                contact_list_id=contact_list,
            )
            found.append((conversation if k == 0 else None, message))
    return found


def _filters() -> list[Filter]:
    single = [Predicate(d, value=v) for d, values in VALUES.items() for v in values]
    found = [Filter(predicates=(p,)) for p in single]
    for a, b in itertools.combinations(single, 2):
        if a.dimension != b.dimension or a.dimension == "addressFrom":
            found += [Filter(type="and", predicates=(a, b)), Filter(type="or", predicates=(a, b))]
    direction = Predicate("direction", value="outbound")
    found.append(
        Filter(
            type="or",
            predicates=(Predicate("addressFrom", value="+1555002"),),
            clauses=(Filter(predicates=(direction, Predicate("outboundCampaignId", value="k2"))),),
        )
    )
    return found


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Any]:
    migrate.upgrade(database_url)
    engine = make_async_engine(database_url)
    for pair in _messages():  # one at a time: the later ones join their conversation
        async with SqlUnitOfWork(engine, WriterGate(None)) as uow:
            await uow.messages.add_many([pair])
            await uow.commit()
    yield engine
    await engine.dispose()


async def _selected(engine: Any, found: Filter) -> list[str]:
    """The conversations of the detail query's page, checked against its count and the
    console's keyset batches."""
    query = ConversationQuery(DAY, page_size=100, segment_filters=(found,))
    async with SqlUnitOfWork(engine, WriterGate(None)) as uow:
        page, total = await uow.analytics.conversation_details(query, EVERYWHERE)
        batch = await uow.analytics.conversation_batch(query, EVERYWHERE, None, 100)
    assert total == len(page)
    assert [c.id for c in batch] == [c.id for c in page]
    return sorted(c.id for c in page)


@pytest.fixture(params=["as planned", "no index names few", "every match walks"])
def spelling(request: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each way the repository may spell a condition, forced on these few rows: as it
    plans them; the conversations deciding even where SQLite would ask a message index
    (the count branch by branch, the page through each branch's index); the page walked."""
    if request.param != "as planned":

        async def many(*_: Any) -> bool:
            return False

        monkeypatch.setattr(analytics_repository.SqlAnalyticsRepository, "_few", many)
    if request.param == "every match walks":
        monkeypatch.setattr(analytics_repository, "FEW_MATCHES", 0)


async def test_every_filter_selects_the_conversations_whose_messages_meet_it(
    engine: Any, spelling: None
) -> None:
    pairs = _messages()
    checked = 0
    for found in _filters():
        expected = sorted({m.conversation_id for _, m in pairs if meets(m, found)})
        assert await _selected(engine, found) == expected, found
        checked += bool(expected)
    assert checked > 100  # most filters select something: the comparison is not vacuous


async def test_what_the_conversations_keep_reads_as_expected(engine: Any) -> None:
    kept = await _kept(engine)
    assert kept["answered"] == (OURS, "+1555002", "L1")
    assert kept["inbound only"] == (None, "+1555006", None)
    assert kept["two senders"] == ("*", "a@y.test", None)
    assert kept["unfit: not its campaign"][2] == "*"
    assert kept["unfit: inbound names a list"][2] == "*"
    assert kept["campaign without a list"] == (NEWS, None, None)


async def test_the_migration_fills_the_columns_as_the_repository_keeps_them(
    engine: Any,
) -> None:
    kept = await _kept(engine)
    async with engine.begin() as connection:
        await connection.execute(update(conversations).values(dict.fromkeys(SAID, None)))
        await connection.execute(text(FILL_SAID))
    assert await _kept(engine) == kept


async def _kept(engine: Any) -> dict[str, tuple[str | None, ...]]:
    columns = [conversations.c[name] for name in SAID]
    async with engine.connect() as connection:
        rows = await connection.execute(select(conversations.c.id, *columns))
        return {row[0]: tuple(row[1:]) for row in rows}
