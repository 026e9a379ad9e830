"""The webhook outbox against the real database: an event is written exactly when the change
it reports is committed, once per matching enabled subscription."""

from __future__ import annotations

from datetime import timedelta

import orjson

from tidings import bootstrap
from tidings.dispatch.webhooks import WebhookDispatcher, WebhookPolicy
from tidings.domain.ids import new_id, utcnow
from tidings.domain.messages import FAILED, PENDING, QUEUED, SMS, Conversation, Message
from tidings.domain.webhooks import (
    DELIVERED,
    MESSAGE_STATUS,
    OPT_OUT_CHANGE,
    Attempt,
    Subscription,
)
from tidings.domain.webhooks import FAILED as WEBHOOK_FAILED
from tidings.domain.webhooks import PENDING as WEBHOOK_PENDING


async def _subscribe(app: bootstrap.Container, *events: str, enabled: bool = True) -> str:
    subscription = Subscription(
        new_id(), "test", "http://127.0.0.1:9/", list(events), enabled, utcnow(), "whsec_x"
    )
    async with app.unit_of_work() as uow:
        await uow.webhooks.add(subscription)
        await uow.commit()
    return subscription.id


def _message() -> tuple[Conversation, Message]:
    now = utcnow()
    conversation = Conversation(new_id(), SMS, "+13175550999", "+13175550100", now)
    message = Message(
        id=new_id(),
        conversation_id=conversation.id,
        media_type=SMS,
        direction="outbound",
        from_address="+13175550999",
        to_address="+13175550100",
        status=QUEUED,
        created_at=now,
        text_body="hello",
        send_state=PENDING,
    )
    return conversation, message


async def _bodies(app: bootstrap.Container, subscription_id: str) -> list[dict[str, object]]:
    async with app.unit_of_work() as uow:
        found = await uow.webhooks.deliveries(subscription_id, 100)
    return [orjson.loads(d.body) for d in found]


async def test_an_event_exists_exactly_when_its_change_was_committed(
    app: bootstrap.Container,
) -> None:
    first = await _subscribe(app, MESSAGE_STATUS)
    second = await _subscribe(app, MESSAGE_STATUS, OPT_OUT_CHANGE)
    disabled = await _subscribe(app, MESSAGE_STATUS, enabled=False)
    other = await _subscribe(app, OPT_OUT_CHANGE)

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
    subscription = await _subscribe(app, MESSAGE_STATUS)
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


async def test_finished_deliveries_leave_the_log_after_the_history_time_pending_ones_stay(
    app: bootstrap.Container,
) -> None:
    subscription = await _subscribe(app, MESSAGE_STATUS)
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
