"""The conversation detail query (Genesys ConversationQuery) as far as Tidings serves it:
which conversations, in what order, and how our message statuses read as Genesys'
`deliveryStatus`.

A conversation is selected by the day its first message started. Filters are trees of
predicates on dimensions; a segment filter must hold on one message (session) of the
conversation, a conversation filter on the conversation (its own columns, or any of its
messages for dimensions only messages carry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.messages import (
    DELIVERY_FAILED,
    DELIVERY_SUCCESS,
    EMAIL,
    FAILED,
    QUEUED,
    RECEIVED,
    SENT,
    SMS,
)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# Pages are counted with OFFSET over an index on (started_at, id): a page deep in a large
# result costs the rows before it, so the window is bounded (narrow the interval instead).
MAX_RESULT_WINDOW = 100_000
# An interval longer than this is refused (Genesys also bounds it; its limit is unverified).
MAX_INTERVAL = timedelta(days=366)
# The console's "text contains" filter (not a Genesys dimension): a substring of a message's
# text or subject. A trigram index finds a rare text of three characters or more; shorter
# or common ones read the interval's messages until the page is full.
MAX_TEXT_FILTER = 200

ORDERS = ("asc", "desc", "unordered")
ORDER_BYS = ("conversationStart", "conversationEnd", "segmentStart", "segmentEnd")
OPERATORS = ("matches", "exists", "notExists")
FILTER_TYPES = ("and", "or")

# The dimensions served, on a message (session) of the conversation.
SESSION_DIMENSIONS = (
    "outboundCampaignId",
    "outboundContactListId",
    "outboundContactId",
    "mediaType",
    "messageType",
    "direction",
    "deliveryStatus",
    "addressFrom",
    "addressTo",
)
# Conversation-level dimensions, served by conversation filters only.
CONVERSATION_DIMENSIONS = ("conversationId", "divisionId", "originatingDirection")

# Our MessageData status → Genesys' AnalyticsSession.deliveryStatus.
DELIVERY_STATUS = {
    QUEUED: "Queued",
    SENT: "Sent",
    DELIVERY_SUCCESS: "DeliverySuccess",
    DELIVERY_FAILED: "DeliveryFailed",
    FAILED: "Failed",
    RECEIVED: "Received",
}
# Genesys values Tidings never produces (DeliveryPushed, Published, Read) match nothing.
GENESYS_DELIVERY_STATUSES = (
    "DeliveryFailed",
    "DeliveryPushed",
    "DeliverySuccess",
    "Failed",
    "Published",
    "Queued",
    "Read",
    "Received",
    "Sent",
)
STATUS_OF_DELIVERY = {genesys.lower(): ours for ours, genesys in DELIVERY_STATUS.items()}
FINAL_STATUSES = frozenset({DELIVERY_SUCCESS, DELIVERY_FAILED, FAILED, RECEIVED})

# Our channel → Genesys' mediaType, and back.
MEDIA_TYPE = {SMS: "message", EMAIL: "email"}
CHANNEL_OF_MEDIA = {"message": SMS, "email": EMAIL}


def delivery_status(status: str) -> str | None:
    return DELIVERY_STATUS.get(status)


def message_type(channel: str) -> str | None:
    """Genesys' session messageType: `sms` for SMS; e-mail sessions have none."""
    return "sms" if channel == SMS else None


@dataclass(frozen=True)
class Predicate:
    dimension: str
    operator: str = "matches"
    value: str | None = None


@dataclass(frozen=True)
class Filter:
    """`type` joins the predicates and the clauses (each clause joins its own predicates)."""

    type: str = "and"
    predicates: tuple[Predicate, ...] = ()
    clauses: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ConversationQuery:
    interval: Interval
    order: str = "asc"
    order_by: str = "conversationStart"
    page_size: int = DEFAULT_PAGE_SIZE
    page_number: int = 1
    segment_filters: tuple[Filter, ...] = ()
    conversation_filters: tuple[Filter, ...] = ()
    # Console only: the message a segment filter selects must also contain this text
    # (case-insensitive for ASCII letters on SQLite, for all letters on PostgreSQL).
    text_contains: str | None = None

    @property
    def descending(self) -> bool:
        return self.order == "desc"

    @property
    def offset(self) -> int:
        return (self.page_number - 1) * self.page_size


@dataclass(frozen=True)
class VisibleDivisions:
    """Where the caller may read conversations. Conversations without a division (agentless
    sends) count as the home division's."""

    everywhere: bool
    division_ids: frozenset[str] = field(default_factory=frozenset)
    include_undivided: bool = False


def _bad(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(message, details=[FieldProblem(field_name, "invalid.value", message)])


def _instant(text: str, field_name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad(field_name, f"{text!r} is not an ISO-8601 date-time") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_interval(text: str) -> Interval:
    """`start/end` in ISO-8601. Genesys selects conversations that started on a day the
    interval touches: the start goes back to its UTC midnight, the end forward to the next."""
    start_text, slash, end_text = text.partition("/")
    if not slash or not start_text or not end_text:
        raise _bad(
            "interval",
            "interval must be 'start/end' in ISO-8601, e.g. "
            "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z",
        )
    start = _instant(start_text, "interval")
    end = _instant(end_text, "interval")
    if end <= start:
        raise _bad("interval", "the interval's end must come after its start")
    if end - start > MAX_INTERVAL:
        raise _bad("interval", f"the interval may span at most {MAX_INTERVAL.days} days")
    day_start = start.replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if day_end < end:
        day_end += timedelta(days=1)
    return Interval(day_start, day_end)


def checked_predicate(predicate: Predicate, field_name: str, allowed: tuple[str, ...]) -> None:
    if predicate.dimension not in allowed:
        raise _bad(
            f"{field_name}.dimension",
            f"dimension {predicate.dimension!r} is not served here; served: {', '.join(allowed)}",
        )
    if predicate.operator not in OPERATORS:
        raise _bad(f"{field_name}.operator", f"operator must be one of {', '.join(OPERATORS)}")
    if predicate.operator == "matches" and predicate.value is None:
        raise _bad(f"{field_name}.value", "a 'matches' predicate needs a value")


def checked_filter(found: Filter, field_name: str, allowed: tuple[str, ...]) -> None:
    if found.type not in FILTER_TYPES:
        raise _bad(f"{field_name}.type", "a filter's type is 'and' or 'or'")
    if not found.predicates and not found.clauses:
        raise _bad(field_name, "a filter needs predicates or clauses")
    for index, predicate in enumerate(found.predicates):
        checked_predicate(predicate, f"{field_name}.predicates[{index}]", allowed)
    for index, clause in enumerate(found.clauses):
        checked_filter(clause, f"{field_name}.clauses[{index}]", allowed)


def checked_query(query: ConversationQuery) -> ConversationQuery:
    """Raises InvalidInput naming the field when the query asks for what is not served."""
    if query.order not in ORDERS:
        raise _bad("order", f"order must be one of {', '.join(ORDERS)}")
    if query.order_by not in ORDER_BYS:
        raise _bad("orderBy", f"orderBy must be one of {', '.join(ORDER_BYS)}")
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise _bad("paging.pageSize", f"pageSize must be from 1 to {MAX_PAGE_SIZE}")
    if query.page_number < 1:
        raise _bad("paging.pageNumber", "pageNumber starts at 1")
    if query.page_number * query.page_size > MAX_RESULT_WINDOW:
        raise _bad(
            "paging.pageNumber",
            f"only the first {MAX_RESULT_WINDOW} results can be paged; narrow the interval "
            "or the filters",
        )
    if query.text_contains is not None and not 0 < len(query.text_contains) <= MAX_TEXT_FILTER:
        raise _bad("text", f"the text to look for has 1 to {MAX_TEXT_FILTER} characters")
    for index, segment in enumerate(query.segment_filters):
        checked_filter(segment, f"segmentFilters[{index}]", SESSION_DIMENSIONS)
    for index, conversation in enumerate(query.conversation_filters):
        checked_filter(
            conversation,
            f"conversationFilters[{index}]",
            SESSION_DIMENSIONS + CONVERSATION_DIMENSIONS,
        )
    return query


def describe_filters(query: ConversationQuery) -> list[str]:
    """The query in words, for the head of an export."""

    def predicate(p: Predicate) -> str:
        if p.operator == "exists":
            return f"{p.dimension} exists"
        if p.operator == "notExists":
            return f"{p.dimension} does not exist"
        return f"{p.dimension} = {p.value}"

    def tree(f: Filter) -> str:
        parts = [predicate(p) for p in f.predicates] + [f"({tree(c)})" for c in f.clauses]
        return f" {f.type} ".join(parts)

    start = query.interval.start.isoformat().replace("+00:00", "Z")
    end = query.interval.end.isoformat().replace("+00:00", "Z")
    lines = [f"interval: {start} / {end}"]
    lines += [f"segment: {tree(f)}" for f in query.segment_filters]
    lines += [f"conversation: {tree(f)}" for f in query.conversation_filters]
    if query.text_contains:
        lines.append(f"text contains: {query.text_contains}")
    return lines
