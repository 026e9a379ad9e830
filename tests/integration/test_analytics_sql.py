"""The conversation query's SQL on a real database: the two spellings of a message filter
(chosen by how many conversations match) find the same pages, and the export's keyset walk
finds every conversation once, in order, whichever way it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tidings.adapters.db import analytics_repository, migrate
from tidings.adapters.db.engine import make_async_engine
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

START = datetime(2024, 5, 1, tzinfo=UTC)
STATUSES = ["delivery-success", "delivery-failed", "sent"]
EVERYWHERE = VisibleDivisions(everywhere=True)


@pytest.fixture
async def uow_factory(database_url: str):  # type: ignore[no-untyped-def]
    migrate.upgrade(database_url)
    engine = make_async_engine(database_url)
    gate = WriterGate(None)
    pairs = []
    for n in range(60):
        at = START + timedelta(minutes=n // 2)  # two conversations share each start
        conversation = Conversation(f"c{n:03d}", "sms", "+13175550000", f"+1317555{n:04d}", at)
        message = Message(
            id=f"m{n:03d}",
            conversation_id=conversation.id,
            media_type="sms",
            direction="outbound",
            from_address="+13175550000",
            to_address=conversation.to_address,
            status=STATUSES[n % 3],
            created_at=at,
            send_state="done",
            campaign_id="k1" if n % 2 else "k2",
        )
        pairs.append((conversation, message))
    async with SqlUnitOfWork(engine, gate) as uow:
        await uow.messages.add_many(pairs)
        await uow.commit()
    yield lambda: SqlUnitOfWork(engine, gate)
    await engine.dispose()


def _failed(order: str = "asc", page: int = 1) -> ConversationQuery:
    return ConversationQuery(
        parse_interval("2024-05-01T00:00:00Z/2024-05-02T00:00:00Z"),
        order=order,
        page_size=4,
        page_number=page,
        segment_filters=(
            Filter(predicates=(Predicate("deliveryStatus", value="DeliveryFailed"),)),
        ),
    )


async def _pages(uow_factory, order: str) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    ids: list[str] = []
    for page in range(1, 7):
        async with uow_factory() as uow:
            found, total = await uow.analytics.conversation_details(
                _failed(order, page), EVERYWHERE
            )
        ids += [c.id for c in found]
    return ids, total


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_both_spellings_of_a_message_filter_find_the_same_pages(
    uow_factory,
    monkeypatch: pytest.MonkeyPatch,
    order: str,  # type: ignore[no-untyped-def]
) -> None:
    expected = [f"c{n:03d}" for n in range(60) if n % 3 == 1]
    if order == "desc":
        expected.reverse()
    few = await _pages(uow_factory, order)  # 20 matches: IN (SELECT ...)
    monkeypatch.setattr(analytics_repository, "FEW_MATCHES", 5)
    many = await _pages(uow_factory, order)  # "many": the correlated EXISTS
    assert few == many == (expected, 20)


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_the_keyset_walk_finds_every_conversation_once(
    uow_factory,
    order: str,  # type: ignore[no-untyped-def]
) -> None:
    query = _failed(order)
    seen: list[str] = []
    after = None
    while True:
        async with uow_factory() as uow:
            batch = await uow.analytics.conversation_batch(query, EVERYWHERE, after, 3)
        if not batch:
            break
        seen += [c.id for c in batch]
        assert all(c.messages for c in batch)
        after = (batch[-1].started_at, batch[-1].id)
    expected = [f"c{n:03d}" for n in range(60) if n % 3 == 1]
    assert seen == (expected if order == "asc" else expected[::-1])


async def test_the_text_filter_is_held_by_the_selected_message(uow_factory) -> None:  # type: ignore[no-untyped-def]
    """The console's "text contains": a substring (LIKE wildcards are plain characters, case
    folded), on the same message as the segment filter; the console's batches keep only
    the messages selected."""
    at = START + timedelta(days=2)
    conversation = Conversation("t1", "sms", "+13175550000", "+13175550001", at)

    def message(n: int, direction: str, text: str) -> Message:
        return Message(
            id=f"t1-{n}",
            conversation_id="t1",
            media_type="sms",
            direction=direction,
            from_address="+13175550000",
            to_address="+13175550001",
            status="sent",
            created_at=at + timedelta(minutes=n),
            send_state="done",
            text_body=text,
        )

    async with uow_factory() as uow:
        await uow.messages.add_many(
            [
                (conversation, message(0, "outbound", "Today 50% OFF_now")),
                (None, message(1, "inbound", "ok")),
            ]
        )
        await uow.commit()

    async def found(text: str, direction: str = "", only: bool = True) -> list[str]:
        filters = (
            (Filter(predicates=(Predicate("direction", value=direction),)),) if direction else ()
        )
        query = ConversationQuery(
            parse_interval("2024-05-03T00:00:00Z/2024-05-04T00:00:00Z"),
            segment_filters=filters,
            text_contains=text,
        )
        async with uow_factory() as uow:
            batch = await uow.analytics.conversation_batch(
                query, EVERYWHERE, None, 10, matching_messages=only
            )
        return [m.id for c in batch for m in c.messages]

    assert await found("0% off_") == ["t1-0"]
    assert await found("0% off_", only=False) == ["t1-0", "t1-1"]
    assert await found("5%") == [] and await found("off_n_w") == []
    assert await found("off", "inbound") == []
    assert await found("OK", "inbound") == ["t1-1"]
