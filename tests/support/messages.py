"""Outbound messages as the intake makes them, for tests that start further down the send
path (the outbox, receipts, webhooks) than the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tidings import bootstrap
from tidings.domain.ids import new_id, utcnow
from tidings.domain.messages import PENDING, QUEUED, SMS, Conversation, Message
from tidings.domain.webhooks import Subscription

SENDER = "+13175550999"
TEXT = "Your parcel leaves the depot today"


def queued(
    to: str = "+13175550100",
    *,
    sender: str = SENDER,
    media: str = SMS,
    at: datetime | None = None,
    **changes: Any,
) -> tuple[Conversation, Message]:
    """A new conversation and its first message, queued to be sent; `changes` set any other
    field of the message."""
    now = at or utcnow()
    conversation = Conversation(new_id(), media, sender, to, now)
    fields: dict[str, Any] = {
        "text_body": TEXT,
        "segment_count": 1,
        **changes,
    }
    message = Message(
        id=new_id(),
        conversation_id=conversation.id,
        media_type=media,
        direction="outbound",
        from_address=sender,
        to_address=to,
        status=QUEUED,
        created_at=now,
        send_state=PENDING,
        **fields,
    )
    return conversation, message


async def subscribe(app: bootstrap.Container, *events: str, enabled: bool = True) -> str:
    """A webhook subscription to `events` (its URL answers nothing: deliveries stay queued)."""
    subscription = Subscription(
        new_id(), "test", "http://127.0.0.1:9/", list(events), enabled, utcnow(), "whsec_x"
    )
    async with app.unit_of_work() as uow:
        await uow.webhooks.add(subscription)
        await uow.commit()
    return subscription.id
