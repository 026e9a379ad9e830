"""The webhook outbox against the real database: an event is written exactly when the change
it reports is committed, once per matching enabled subscription."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from tests.support.messages import queued, subscribe
from tests.support.query_plans import statements_sent
from tidings import bootstrap
from tidings.dispatch.webhooks import WebhookDispatcher, WebhookPolicy
from tidings.domain.channels import SendOutcome, SendResult
from tidings.domain.ids import utcnow
from tidings.domain.messages import (
    DELIVERY_SUCCESS,
    FAILED,
    QUEUED,
    SENT,
    SMS,
    Conversation,
    Message,
    settle,
)
from tidings.domain.receipts import Receipt
from tidings.domain.webhooks import (
    DELIVERED,
    MESSAGE_STATUS,
    OPT_OUT_CHANGE,
    Attempt,
)
from tidings.domain.webhooks import FAILED as WEBHOOK_FAILED
from tidings.domain.webhooks import PENDING as WEBHOOK_PENDING


def _message() -> tuple[Conversation, Message]:
    return queued(text_body="hello")


async def _bodies(app: bootstrap.Container, subscription_id: str) -> list[dict[str, object]]:
    async with app.unit_of_work() as uow:
        found = await uow.webhooks.deliveries(subscription_id, 100)
    return [orjson.loads(d.body) for d in found]


async def test_an_event_exists_exactly_when_its_change_was_committed(
    app: bootstrap.Container,
) -> None:
    first = await subscribe(app, MESSAGE_STATUS)
    second = await subscribe(app, MESSAGE_STATUS, OPT_OUT_CHANGE)
    disabled = await subscribe(app, MESSAGE_STATUS, enabled=False)
    other = await subscribe(app, OPT_OUT_CHANGE)

    rolled_back = _message()
    async with app.unit_of_work() as uow:
        await uow.messages.add(*rolled_back)  # never committed
    committed = _message()
    async with app.unit_of_work() as uow:
        await uow.messages.add(*committed)
        await uow.commit()

    for subscription in (first, second):
        [event] = await _bodies(app, subscription)
        assert event["eventBody"]["id"] == committed[1].id  # type: ignore[index]
        assert event["eventBody"]["status"] == QUEUED  # type: ignore[index]
        assert event["topicName"] == (f"v2.detail.events.conversation.{committed[0].id}.message")
    assert (await _bodies(app, first))[0]["metadata"] == (await _bodies(app, second))[0]["metadata"]
    assert await _bodies(app, disabled) == []
    assert await _bodies(app, other) == []


async def test_a_send_abandoned_by_a_dead_dispatcher_is_reported_failed(
    app: bootstrap.Container,
) -> None:
    subscription = await subscribe(app, MESSAGE_STATUS)
    conversation, message = _message()
    async with app.unit_of_work() as uow:
        await uow.messages.add(conversation, message)
        await uow.messages.claim("gone", SMS, 10, utcnow(), timedelta(minutes=10))
        await uow.commit()
    async with app.unit_of_work() as uow:
        assert await uow.messages.abandon(["alive"], utcnow()) == 1
        await uow.commit()
    statuses = [b["eventBody"]["status"] for b in await _bodies(app, subscription)]  # type: ignore[index]
    assert statuses == [QUEUED, FAILED]


@pytest.mark.parametrize("receipt_first", [True, False], ids=["waiting", "late-writer"])
async def test_a_delivery_is_never_dated_before_its_send(
    app: bootstrap.Container, receipt_first: bool
) -> None:
    # An SMSC sends the receipt right after the submit's answer. Its record may be written
    # before the send's settlement (the settlement then applies it) or after it, still
    # dated when it arrived, before the settlement: either way the subscriber's events and
    # the message's status time put the delivery after the send. The settlement's
    # transaction reads the subscriptions once for all of its events.
    subscription = await subscribe(app, MESSAGE_STATUS)
    conversation, message = _message()
    async with app.unit_of_work() as uow:
        await uow.messages.add(conversation, message)
        [claimed] = await uow.messages.claim("here", SMS, 10, utcnow(), timedelta(minutes=10))
        await uow.commit()
    arrived = utcnow()
    receipt = [(Receipt("smsc-1", "DELIVRD"), arrived)]
    if receipt_first:
        async with app.unit_of_work() as uow:
            assert await uow.messages.record_receipts(SMS, receipt) == 0
            await uow.commit()

    result = SendResult(SendOutcome.ACCEPTED, "smsc-1", provider_part_ids=("smsc-1",))
    settled_at = arrived + timedelta(milliseconds=50)
    with statements_sent(app.engine, "webhook_subscriptions") as reads:
        async with app.unit_of_work() as uow:
            await uow.messages.settle(SMS, [settle(claimed.id, 1, result, settled_at)], settled_at)
            await uow.commit()
    if not receipt_first:
        async with app.unit_of_work() as uow:
            assert await uow.messages.record_receipts(SMS, receipt) == 1
            await uow.commit()

    events = {
        b["eventBody"]["status"]: b["eventBody"]["timestamp"]  # type: ignore[index]
        for b in await _bodies(app, subscription)
    }
    assert set(events) == {QUEUED, SENT, DELIVERY_SUCCESS}
    assert events[QUEUED] <= events[SENT] <= events[DELIVERY_SUCCESS]
    async with app.unit_of_work() as uow:
        [read_back] = await uow.messages.messages_of(conversation.id, [message.id])
    assert read_back.status == DELIVERY_SUCCESS
    assert read_back.status_changed_at == settled_at
    if receipt_first:
        assert len(reads) == 1


async def test_finished_deliveries_leave_the_log_after_the_history_time_pending_ones_stay(
    app: bootstrap.Container,
) -> None:
    subscription = await subscribe(app, MESSAGE_STATUS)
    for _ in range(3):
        async with app.unit_of_work() as uow:
            await uow.messages.add(*_message())
            await uow.commit()
    async with app.unit_of_work() as uow:
        [first, second, _] = await uow.webhooks.claim(10, utcnow(), timedelta(minutes=1))
        await uow.webhooks.attempted(first.id, Attempt(utcnow(), 200, None), DELIVERED, None)
        await uow.webhooks.attempted(
            second.id, Attempt(utcnow(), 500, "down"), WEBHOOK_FAILED, None
        )
        await uow.commit()
    dispatcher = WebhookDispatcher(app.unit_of_work, WebhookPolicy(kept=timedelta(days=7)))
    assert await dispatcher.prune() == 0  # all queued just now: kept

    later = WebhookDispatcher(app.unit_of_work, WebhookPolicy(kept=timedelta(seconds=-1)))
    assert await later.prune() == 2
    async with app.unit_of_work() as uow:
        left = await uow.webhooks.deliveries(subscription, 100)
    assert [d.state for d in left] == [WEBHOOK_PENDING]
    assert await later.prune() == 0
