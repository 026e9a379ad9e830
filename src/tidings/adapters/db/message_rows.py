"""Messages and conversations as rows, and the many-row writes of the send path.

The writes are `ManyRows` statements (many_rows.py): each message of a campaign or an
agentless burst passes through all of them, so their per-row cost is the send path's.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Result, bindparam, case, insert, literal, or_, update

from tidings.adapters.db.many_rows import ManyRows
from tidings.adapters.db.tables import (
    conversations,
    message_provider_ids,
    message_receipts,
    messages,
)
from tidings.domain.messages import (
    DELIVERY_FAILED,
    DELIVERY_SUCCESS,
    PENDING,
    SENDING,
    Conversation,
    Message,
)

_MESSAGE_FIELDS = [f.name for f in fields(Message)]
_CONVERSATION_FIELDS = [f.name for f in fields(Conversation) if f.name != "messages"]
# The outbox's own columns, beside the message's fields.
_OUTBOX_COLUMNS = ["next_attempt_at", "lease_until", "claimed_by"]


def message_of(row: Any) -> Message:
    return Message(**{name: getattr(row, name) for name in _MESSAGE_FIELDS})


def read_messages(rows: Result[Any]) -> list[Message]:
    """The messages of a result that has every message column, in its order: picked by
    position, which costs a quarter of reading each field of a row by name."""
    keys = list(rows.keys())
    pick = operator.itemgetter(*(keys.index(name) for name in _MESSAGE_FIELDS))
    return [Message(*pick(row)) for row in rows]


def message_values(message: Message) -> dict[str, Any]:
    values = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
    values["status_changed_at"] = message.status_changed_at or message.created_at
    values["next_attempt_at"] = message.created_at if message.send_state == PENDING else None
    values["lease_until"] = values["claimed_by"] = None
    return values


def conversation_of(row: Any) -> Conversation:
    return Conversation(**{name: getattr(row, name) for name in _CONVERSATION_FIELDS})


def conversation_values(
    conversation: Conversation, its_messages: Sequence[Message]
) -> dict[str, Any]:
    """The conversation's row, with what its first messages say (tables.py, 0023)."""
    values = {name: getattr(conversation, name) for name in _CONVERSATION_FIELDS}
    values |= dict.fromkeys(SAID, None)
    for message in its_messages:
        for column, value in said_by(message, conversation.campaign_id).items():
            values[column] = _folded(values[column], value)
    return values


# What the conversation keeps of its messages (tables.py).
SAID = ("outbound_from_address", "inbound_from_address", "contact_list_id")
# Where the messages differ. A real value equal to it reads as differing too, which only
# sends the analytics query to the messages themselves: still exact.
MIXED = "*"


def said_by(message: Message, campaign_id: str | None, *, joining: bool = False) -> dict[str, str]:
    """What one message adds to the columns of its conversation (of campaign `campaign_id`).
    The query reads the contact list and the campaign as those of one outbound message, the
    conversation's campaign message; a message that does not fit that reading (another
    campaign's, an inbound one naming either) marks the list MIXED, so the query reads those
    conversations from their messages instead of going wrong. A message `joining` one that
    has messages is not checked against the conversation's campaign (unread): naming a
    campaign or a list at all marks it MIXED (none does today: replies and keyword answers
    name neither). MIXED where FILL_SAID would find a fit is slower, never wrong."""
    said = {f"{message.direction}_from_address": message.from_address}
    fits = not joining and message.direction == "outbound" and message.campaign_id == campaign_id
    if not fits and (message.campaign_id or message.contact_list_id):
        said["contact_list_id"] = MIXED
    elif message.contact_list_id:
        said["contact_list_id"] = message.contact_list_id
    return said


def _folded(kept: str | None, value: str) -> str:
    return value if kept is None or kept == value else MIXED


def _folding(column: str) -> Any:
    """`_folded` in SQL, for a message joining a conversation that has messages already."""
    kept = conversations.c[column]
    value = bindparam(column, type_=kept.type)
    return case((kept.is_(None), value), (kept == value, kept), else_=literal(MIXED))


def _one_or_mixed(value: str) -> str:
    """The value if every message that has one has the same, NULL if none has, else '*'."""
    return (
        f"CASE WHEN MIN({value}) = MAX({value}) THEN MIN({value}) "
        f"WHEN MIN({value}) IS NULL THEN NULL ELSE '*' END"
    )


# What `said_by` folds message by message, for every conversation at once (migration 0023;
# rows written straight into the database). A message that does not fit the reading of one
# outbound campaign message (an inbound one, or another campaign's, naming a campaign or a
# contact list) makes the contact list "*".
_UNFIT = """
    (m.campaign_id IS NOT NULL OR m.contact_list_id IS NOT NULL)
    AND NOT (
        m.direction = 'outbound'
        AND COALESCE(m.campaign_id, '') = COALESCE(c.campaign_id, '')
    )
"""
FILL_SAID = f"""
UPDATE conversations
SET outbound_from_address = s.outbound_from_address,
    inbound_from_address = s.inbound_from_address,
    contact_list_id = s.contact_list_id
FROM (
    SELECT m.conversation_id,
           {_one_or_mixed("CASE WHEN m.direction = 'outbound' THEN m.from_address END")}
               AS outbound_from_address,
           {_one_or_mixed("CASE WHEN m.direction = 'inbound' THEN m.from_address END")}
               AS inbound_from_address,
           CASE WHEN COUNT(CASE WHEN {_UNFIT} THEN 1 END) > 0 THEN '*'
                ELSE {_one_or_mixed("m.contact_list_id")} END AS contact_list_id
    FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id
    GROUP BY m.conversation_id
) AS s
WHERE conversations.id = s.conversation_id
"""


@functools.cache
def joining_statement(columns: tuple[str, ...]) -> Any:
    """Folds `said_by(..., joining=True)` of a message joining a conversation that has
    messages (a reply, a keyword's answer) into it: in SQL, so two at once both count."""
    return (
        update(conversations)
        .where(conversations.c.id == bindparam("conversation_id"))
        .values({column: _folding(column) for column in columns})
    )


def _inserting(table: Any, names: list[str]) -> ManyRows:
    return ManyRows(insert(table).values({name: bindparam(name) for name in names}))


INSERT_CONVERSATIONS = _inserting(conversations, [*_CONVERSATION_FIELDS, *SAID])
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


def status_time(now: datetime | BindParameter[Any]) -> Any:
    """The status time for a change made at `now`, which never goes back: a receipt or a
    bounce is dated when it arrived, which can be before its send was settled (it waited
    for the settlement, or for the writer)."""
    # Typed as the column, both times it appears: a CASE's value takes no type from the
    # column it is assigned to, and an untyped time would reach PostgreSQL with its zone
    # and be stored in the session's.
    time_type = messages.c.status_changed_at.type
    value = (
        bindparam(now.key, type_=time_type)
        if isinstance(now, BindParameter)
        else literal(now, time_type)
    )
    return case((messages.c.status_changed_at > value, messages.c.status_changed_at), else_=value)


# A bounce that waited long for its send's settlement moves the row on while it is still
# being sent: the settlement then keeps the delivery's outcome and its reason.
_DELIVERY_KNOWN = or_(messages.c.status == DELIVERY_SUCCESS, messages.c.status == DELIVERY_FAILED)

# Only rows still being sent are settled: housekeeping may have failed them meanwhile.
SETTLE = ManyRows(
    update(messages)
    .where(messages.c.id == bindparam("b_id"), messages.c.send_state == SENDING)
    .values(
        status=case((_DELIVERY_KNOWN, messages.c.status), else_=bindparam("b_status")),
        send_state=bindparam("b_send_state"),
        provider_message_id=bindparam("b_provider_id"),
        error_code=bindparam("b_error_code"),
        error_message=case(
            (_DELIVERY_KNOWN, messages.c.error_message), else_=bindparam("b_error_message")
        ),
        provider_code=bindparam("b_provider_code"),
        next_attempt_at=bindparam("b_retry_at"),
        sent_at=bindparam("b_sent_at"),
        status_changed_at=status_time(bindparam("b_now")),
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
        status_changed_at=status_time(bindparam("b_now")),
    )
)
