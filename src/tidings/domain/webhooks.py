"""Outgoing event webhooks (our extension): subscriptions, deliveries, their attempts, the
topic names (Genesys notification topics) and the signature scheme."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tidings.domain.messages import Message

# Topic templates a subscription names; a delivered event carries the topic with the
# conversation id filled in, as Genesys notifications do.
MESSAGE_STATUS = "v2.detail.events.conversation.{id}.message"
MESSAGE_INBOUND = "v2.detail.events.conversation.{id}.inbound"
OPT_OUT_CHANGE = "v2.routing.sms.optouts"
TOPICS = (MESSAGE_STATUS, MESSAGE_INBOUND, OPT_OUT_CHANGE)

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"

SIGNATURE_HEADER = "Tidings-Signature"


@dataclass
class Subscription:
    id: str
    name: str
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime
    secret: str = field(repr=False, default="")


@dataclass
class Attempt:
    attempted_at: datetime
    status_code: int | None
    error: str | None


@dataclass
class Delivery:
    id: str
    subscription_id: str
    event_id: str
    topic: str
    body: str
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    finished_at: datetime | None = None
    log: list[Attempt] = field(default_factory=list)


@dataclass
class Due:
    """A claimed delivery with what sending it needs."""

    id: str
    url: str
    secret: str = field(repr=False)
    body: str
    attempts: int


def sign(secret: str, timestamp: int, body: str) -> str:
    """The `Tidings-Signature` value: HMAC-SHA256 over "<timestamp>.<body>" keyed by the
    subscription's secret, so a receiver can refuse forged and replayed bodies."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def backoff(attempts: int, first: timedelta, most: timedelta) -> timedelta:
    """The wait after the `attempts`-th failure: doubling from `first`, at most `most`."""
    return min(first * (1 << min(max(attempts - 1, 0), 30)), most)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def message_event(
    *,
    message_id: str,
    conversation_id: str,
    media_type: str,
    direction: str,
    from_address: str,
    to_address: str,
    status: str,
    at: datetime,
    error_code: str | None = None,
    error_message: str | None = None,
    text_body: str | None = None,
    subject: str | None = None,
) -> dict[str, object]:
    """The eventBody of a message event, named as the agentless message resource names it."""
    body: dict[str, object] = {
        "id": message_id,
        "conversationId": conversation_id,
        "messengerType": media_type,
        "direction": direction,
        "fromAddress": from_address,
        "toAddress": to_address,
        "status": status,
        "timestamp": _utc(at),
    }
    extra = {
        "errorCode": error_code,
        "errorMessage": error_message,
        "textBody": text_body,
        "subject": subject,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def message_event_of(message: Message, at: datetime) -> dict[str, object]:
    inbound = message.direction == "inbound"
    return message_event(
        message_id=message.id,
        conversation_id=message.conversation_id,
        media_type=message.media_type,
        direction=message.direction,
        from_address=message.from_address,
        to_address=message.to_address,
        status=message.status,
        at=at,
        error_code=message.error_code,
        error_message=message.error_message,
        text_body=message.text_body if inbound else None,
        subject=message.subject if inbound else None,
    )


def opt_out_event(
    *, action: str, address: str, sender: str, source: str, keyword: str | None, at: datetime
) -> dict[str, object]:
    body: dict[str, object] = {
        "action": action,
        "address": address,
        "senderAddress": sender,
        "source": source,
        "timestamp": _utc(at),
    }
    if keyword:
        body["keyword"] = keyword
    return body
