"""The dialer event log (Genesys EventLog): what went wrong or is worth knowing in outbound
work, recorded by the services and the engine, read by `GET /api/v2/outbound/events`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tidings.domain.errors import FieldProblem, InvalidInput

INFO = "INFO"
WARNING = "WARNING"
ERROR = "ERROR"
LEVELS = (INFO, WARNING, ERROR)

# Genesys' EventLog.category values (the SDK enum).
CATEGORIES = (
    "CALLBACK",
    "CALL_RESTRICTION",
    "CALL_RULE",
    "CAMPAIGN",
    "CAMPAIGN_RULE",
    "CONTACT",
    "CONTACT_LIST_FILTER",
    "DIGITAL_RULE",
    "DNC_LIST",
    "ENTITY_LIMIT",
    "IMPORT_ERROR",
    "MESSAGE_RESTRICTION",
    "MESSAGING_CAMPAIGN",
    "IMPORT_TEMPLATE",
    "ORGANIZATION_CONFIGURATION",
    "SCHEDULE",
    "MESSAGING_CAMPAIGN_SCHEDULE",
    "EMAIL_CAMPAIGN_SCHEDULE",
    "WHATSAPP_CAMPAIGN_SCHEDULE",
    "RETENTION_POLICY",
)

# eventMessage.code is an enum in the SDK, which reads a value outside it as
# `outdated_sdk_version`: the codes we write, each meaning what the SDK's does.
CAMPAIGN_STOPPED = "CAMPAIGN_STOPPED"
CAMPAIGN_INVALIDATED = "CAMPAIGN_INVALIDATED"
SDK_CODES = frozenset({CAMPAIGN_STOPPED, CAMPAIGN_INVALIDATED})

SORTABLE = ("timestamp", "category", "level", "name")
FILTER_TYPES = ("Equals", "Prefix", "BeginsWith", "Contains", "EndsWith")


@dataclass(frozen=True)
class EntityRef:
    """An object the event names; `self_uri` says where to read it."""

    id: str
    name: str | None = None
    self_uri: str | None = None


@dataclass
class EventLog:
    id: str
    level: str
    category: str
    name: str  # what happened, short: "CONTACT_LIST_IMPORT_FAILED"
    message: str  # the sentence a person reads
    timestamp: datetime
    code: str | None = None  # a stable code for the message, for programs
    params: dict[str, Any] = field(default_factory=dict)
    error_entity: EntityRef | None = None
    related_entity: EntityRef | None = None
    correlation_id: str | None = None
    # The division of the object the event is about; events without one are organisation-
    # wide and read as the home division's.
    division_id: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown event level {self.level!r}")
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown event category {self.category!r}")


@dataclass(frozen=True)
class EventQuery:
    category: str | None = None
    filter_type: str = "Equals"  # how `category` matches
    level: str | None = None
    sort_by: str = "timestamp"
    descending: bool = True  # newest first unless asked


def event_query(
    category: str | None,
    filter_type: str | None,
    level: str | None,
    sort_by: str | None,
    sort_order: str | None,
) -> EventQuery:
    """The list parameters, checked: a bad one is a 400 naming it."""

    def bad(name: str, allowed: str) -> InvalidInput:
        return InvalidInput(
            f"Invalid {name}", details=[FieldProblem(name, "invalid.value", allowed)]
        )

    if filter_type is not None and filter_type not in FILTER_TYPES:
        raise bad("filterType", ", ".join(FILTER_TYPES))
    if level is not None and level.upper() not in LEVELS:
        raise bad("level", ", ".join(LEVELS))
    if sort_by is not None and sort_by not in SORTABLE:
        raise bad("sortBy", ", ".join(SORTABLE))
    order = (sort_order or "descending").lower()
    if order not in ("ascending", "descending", "asc", "desc"):
        raise bad("sortOrder", "ascending or descending")
    return EventQuery(
        category=category.strip().upper() if category and category.strip() else None,
        filter_type=filter_type or "Equals",
        level=level.upper() if level else None,
        sort_by=sort_by or "timestamp",
        descending=order.startswith("desc"),
    )
