"""Messages and conversations as rows, and the many-row writes of the send path.

The writes are `ManyRows` statements (many_rows.py): each message of a campaign or an
agentless burst passes through all of them, so their per-row cost is the send path's.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import bindparam, insert, update

from tidings.adapters.db.many_rows import ManyRows
from tidings.adapters.db.tables import (
    conversations,
    message_provider_ids,
    message_receipts,
    messages,
)
from tidings.domain.messages import PENDING, SENDING, Conversation, Message

_MESSAGE_FIELDS = [f.name for f in fields(Message)]
_CONVERSATION_FIELDS = [f.name for f in fields(Conversation) if f.name != "messages"]
# The outbox's own columns, beside the message's fields.
_OUTBOX_COLUMNS = ["next_attempt_at", "lease_until", "claimed_by"]


def message_of(row: Any) -> Message:
    return Message(**{name: getattr(row, name) for name in _MESSAGE_FIELDS})


def message_values(message: Message) -> dict[str, Any]:
    values = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
    values["status_changed_at"] = message.status_changed_at or message.created_at
    values["next_attempt_at"] = message.created_at if message.send_state == PENDING else None
    values["lease_until"] = values["claimed_by"] = None
    return values


def conversation_of(row: Any) -> Conversation:
    return Conversation(**{name: getattr(row, name) for name in _CONVERSATION_FIELDS})


def conversation_values(conversation: Conversation) -> dict[str, Any]:
    return {name: getattr(conversation, name) for name in _CONVERSATION_FIELDS}


def _inserting(table: Any, names: list[str]) -> ManyRows:
    return ManyRows(insert(table).values({name: bindparam(name) for name in names}))


INSERT_CONVERSATIONS = _inserting(conversations, _CONVERSATION_FIELDS)
INSERT_MESSAGES = _inserting(
    messages, list(dict.fromkeys([*_MESSAGE_FIELDS, "status_changed_at", *_OUTBOX_COLUMNS]))
)
INSERT_PROVIDER_IDS = _inserting(
    message_provider_ids, ["channel", "provider_message_id", "message_id"]
)
INSERT_RECEIPTS = _inserting(
    message_receipts,
    [
        "channel",
        "provider_message_id",
        "message_id",
        "state",
        "status",
        "error",
        "final",
        "received_at",
    ],
)

# Only rows still being sent are settled: housekeeping may have failed them meanwhile.
SETTLE = ManyRows(
    update(messages)
    .where(messages.c.id == bindparam("b_id"), messages.c.send_state == SENDING)
    .values(
        status=bindparam("b_status"),
        send_state=bindparam("b_send_state"),
        provider_message_id=bindparam("b_provider_id"),
        error_code=bindparam("b_error_code"),
        error_message=bindparam("b_error_message"),
        provider_code=bindparam("b_provider_code"),
        next_attempt_at=bindparam("b_retry_at"),
        sent_at=bindparam("b_sent_at"),
        status_changed_at=bindparam("b_now"),
        lease_until=None,
        claimed_by=None,
    )
)

ADVANCE_STATUS = ManyRows(
    update(messages)
    .where(messages.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        error_message=bindparam("b_error"),
        status_changed_at=bindparam("b_now"),
    )
)
