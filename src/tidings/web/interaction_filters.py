"""The interactions view's filters: the form's fields, checked, as the analytics query they
stand for, and back as a query string (for the next page and the export links)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from tidings.domain.analytics import (
    MAX_INTERVAL,
    ConversationQuery,
    Filter,
    Interval,
    Predicate,
)
from tidings.domain.errors import FieldProblem, InvalidInput

CHANNELS = (("sms", "message", "SMS"), ("email", "email", "E-mail"))
DIRECTIONS = ("inbound", "outbound")
# The Genesys delivery statuses Tidings produces, in the order a message goes through them.
STATUSES = ("Queued", "Sent", "DeliverySuccess", "DeliveryFailed", "Failed", "Received")
DEFAULT_DAYS = 7


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, details=[FieldProblem(name, "invalid.value", message)])


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _bad(name, f"{name} must be a date like 2024-05-01") from exc


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value and value not in allowed:
        raise _bad(name, f"{name} must be one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class InteractionFilters:
    """The form as the user filled it in ("" for a filter not used)."""

    start: str = ""  # first day (UTC), inclusive
    end: str = ""  # last day (UTC), inclusive
    channel: str = ""
    direction: str = ""
    status: str = ""
    campaign: str = ""
    contact_list: str = ""
    address: str = ""  # the sender or the recipient
    text: str = ""

    @classmethod
    def checked(cls, today: date, **fields: str) -> InteractionFilters:
        """The form with its blanks trimmed and its days filled in (the last week)."""
        found = cls(**{name: value.strip() for name, value in fields.items()})
        end = _day(found.end, "end") if found.end else today
        start = _day(found.start, "start") if found.start else end - timedelta(DEFAULT_DAYS - 1)
        if end < start:
            raise _bad("end", "the last day comes before the first")
        if end - start >= MAX_INTERVAL:
            raise _bad("start", f"the days may span at most {MAX_INTERVAL.days} days")
        _choice(found.channel, "channel", tuple(c for c, _, _ in CHANNELS))
        _choice(found.direction, "direction", DIRECTIONS)
        _choice(found.status, "status", STATUSES)
        return replace(found, start=start.isoformat(), end=end.isoformat())

    def query(self, page_size: int) -> ConversationQuery:
        """Newest first; every filter holds on the same message (one segment filter)."""
        media = {channel: media for channel, media, _ in CHANNELS}
        values = (
            ("mediaType", media.get(self.channel, "")),
            ("direction", self.direction),
            ("deliveryStatus", self.status),
            ("outboundCampaignId", self.campaign),
            ("outboundContactListId", self.contact_list),
        )
        predicates = tuple(Predicate(name, value=value) for name, value in values if value)
        clauses: tuple[Filter, ...] = ()
        if self.address:
            either = (
                Predicate("addressFrom", value=self.address),
                Predicate("addressTo", value=self.address),
            )
            clauses = (Filter("or", either),)
        segment = (Filter("and", predicates, clauses),) if predicates or clauses else ()
        start = datetime.combine(date.fromisoformat(self.start), datetime.min.time(), UTC)
        end = datetime.combine(date.fromisoformat(self.end), datetime.min.time(), UTC)
        return ConversationQuery(
            interval=Interval(start, end + timedelta(days=1)),
            order="desc",
            page_size=page_size,
            segment_filters=segment,
            text_contains=self.text or None,
        )

    def query_string(self, **more: str) -> str:
        fields = {name: value for name, value in asdict(self).items() if value}
        return urlencode({**fields, **more})


def cursor(after: tuple[datetime, str] | None) -> str:
    """The next page's keyset as it travels in a link: `<started_at ISO>|<conversation id>`."""
    if after is None:
        return ""
    return f"{after[0].astimezone(UTC).isoformat()}|{after[1]}"


def parse_cursor(text: str) -> tuple[datetime, str] | None:
    if not text:
        return None
    started, bar, conversation_id = text.partition("|")
    try:
        at = datetime.fromisoformat(started)
    except ValueError:
        at = None
    if not bar or not conversation_id or at is None:
        raise _bad("after", "this page link is not valid: start again from the first page")
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC), conversation_id
