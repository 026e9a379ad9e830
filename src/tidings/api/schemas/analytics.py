"""ConversationQuery in, AnalyticsConversationQueryResponse out (Genesys' analytics models),
and the Tidings export request (the same query and a format)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field

from tidings.api.schemas.common import ApiModel, UtcDatetime
from tidings.domain.analytics import (
    DEFAULT_PAGE_SIZE,
    FINAL_STATUSES,
    MEDIA_TYPE,
    ConversationQuery,
    Filter,
    Predicate,
    delivery_status,
    message_type,
    parse_interval,
)
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.messages import Conversation, Message

_PARTICIPANTS = uuid.UUID("0b8f9c52-4d1e-4b63-a7a2-3f8e5c1d2e90")


class PredicateIn(ApiModel):
    type: str | None = Field(default=None, max_length=32)
    dimension: str | None = Field(default=None, max_length=64)
    property_type: str | None = Field(default=None, max_length=32)
    property: str | None = Field(default=None, max_length=256)
    metric: str | None = Field(default=None, max_length=64)
    operator: str | None = Field(default=None, max_length=16)
    value: str | None = Field(default=None, max_length=1024)
    range: dict[str, Any] | None = None


class ClauseIn(ApiModel):
    type: str = Field(default="and", max_length=8)
    predicates: list[PredicateIn] = Field(default_factory=list, max_length=100)


class FilterIn(ApiModel):
    type: str = Field(default="and", max_length=8)
    clauses: list[ClauseIn] = Field(default_factory=list, max_length=100)
    predicates: list[PredicateIn] = Field(default_factory=list, max_length=100)


class PagingIn(ApiModel):
    page_size: int = DEFAULT_PAGE_SIZE
    page_number: int = 1


class ConversationQueryIn(ApiModel):
    interval: str = Field(max_length=128)
    order: str | None = Field(default=None, max_length=16)
    order_by: str | None = Field(default=None, max_length=32)
    paging: PagingIn | None = None
    segment_filters: list[FilterIn] = Field(default_factory=list, max_length=50)
    conversation_filters: list[FilterIn] = Field(default_factory=list, max_length=50)
    evaluation_filters: list[Any] = Field(default_factory=list)
    survey_filters: list[Any] = Field(default_factory=list)
    resolution_filters: list[Any] = Field(default_factory=list)
    aggregations: list[Any] = Field(default_factory=list)

    def query(self) -> ConversationQuery:
        for name in ("evaluation_filters", "survey_filters", "resolution_filters", "aggregations"):
            if getattr(self, name):
                wire = "".join(w.capitalize() if i else w for i, w in enumerate(name.split("_")))
                raise InvalidInput(
                    f"{wire} are not served by Tidings",
                    details=[FieldProblem(wire, "not.supported", "leave it empty")],
                )
        paging = self.paging or PagingIn()
        return ConversationQuery(
            interval=parse_interval(self.interval),
            order=self.order or "asc",
            order_by=self.order_by or "conversationStart",
            page_size=paging.page_size,
            page_number=paging.page_number,
            segment_filters=tuple(
                _filter(f, f"segmentFilters[{i}]") for i, f in enumerate(self.segment_filters)
            ),
            conversation_filters=tuple(
                _filter(f, f"conversationFilters[{i}]")
                for i, f in enumerate(self.conversation_filters)
            ),
        )


class ConversationExportIn(ConversationQueryIn):
    """Tidings extension: the query and the file's format; paging is ignored (every
    conversation the query selects is exported)."""

    format: Literal["csv", "pdf"] = "csv"


def _predicate(found: PredicateIn, where: str) -> Predicate:
    if (found.type or "dimension") != "dimension" or found.range is not None:
        raise InvalidInput(
            "Only dimension predicates are served",
            details=[FieldProblem(f"{where}.type", "not.supported", "dimension")],
        )
    if not found.dimension:
        raise InvalidInput(
            "A predicate needs a dimension",
            details=[FieldProblem(f"{where}.dimension", "required", "a dimension name")],
        )
    return Predicate(found.dimension, found.operator or "matches", found.value)


def _filter(found: FilterIn, where: str) -> Filter:
    clauses = tuple(
        Filter(
            type=c.type,
            predicates=tuple(
                _predicate(p, f"{where}.clauses[{i}].predicates[{j}]")
                for j, p in enumerate(c.predicates)
            ),
        )
        for i, c in enumerate(found.clauses)
    )
    predicates = tuple(
        _predicate(p, f"{where}.predicates[{j}]") for j, p in enumerate(found.predicates)
    )
    return Filter(type=found.type, predicates=predicates, clauses=clauses)


class SegmentOut(ApiModel):
    segment_start: UtcDatetime
    segment_end: UtcDatetime | None = None
    segment_type: str = "interact"
    error_code: str | None = None
    subject: str | None = None


class SessionOut(ApiModel):
    session_id: str
    media_type: str
    message_type: str | None = None
    direction: str
    address_from: str
    address_to: str
    address_self: str
    address_other: str
    delivery_status: str | None = None
    delivery_status_change_date: UtcDatetime | None = None
    error_code_description: str | None = None
    outbound_campaign_id: str | None = None
    outbound_contact_list_id: str | None = None
    outbound_contact_id: str | None = None
    provider: str = "Tidings"
    segments: list[SegmentOut]

    @classmethod
    def of(cls, m: Message) -> SessionOut:
        final = m.status in FINAL_STATUSES
        ours, theirs = (
            (m.from_address, m.to_address)
            if m.direction == "outbound"
            else (m.to_address, m.from_address)
        )
        return cls(
            session_id=m.id,
            media_type=MEDIA_TYPE.get(m.media_type, "unknown"),
            message_type=message_type(m.media_type),
            direction=m.direction,
            address_from=m.from_address,
            address_to=m.to_address,
            address_self=ours,
            address_other=theirs,
            delivery_status=delivery_status(m.status),
            delivery_status_change_date=m.status_changed_at,
            error_code_description=m.error_message,
            outbound_campaign_id=m.campaign_id,
            outbound_contact_list_id=m.contact_list_id,
            outbound_contact_id=m.contact_id,
            segments=[
                SegmentOut(
                    segment_start=m.created_at,
                    segment_end=m.status_changed_at if final else None,
                    error_code=m.error_code,
                    subject=m.subject,
                )
            ],
        )


class ParticipantOut(ApiModel):
    participant_id: str
    participant_name: str | None = None
    purpose: str
    sessions: list[SessionOut]


class ConversationOut(ApiModel):
    conversation_id: str
    conversation_start: UtcDatetime
    conversation_end: UtcDatetime | None = None
    originating_direction: str | None = None
    conversation_initiator: str | None = None
    division_ids: list[str]
    participants: list[ParticipantOut]

    @classmethod
    def of(cls, found: Conversation) -> ConversationOut:
        """Our side (`campaign` for a campaign's conversation, else `api`) holds the sessions
        of the messages we sent; the `customer` those of the messages they sent."""
        ours_purpose = "campaign" if found.campaign_id else "api"
        ours = [SessionOut.of(m) for m in found.messages if m.direction == "outbound"]
        theirs = [SessionOut.of(m) for m in found.messages if m.direction != "outbound"]
        participants = []
        for purpose, sessions in ((ours_purpose, ours), ("customer", theirs)):
            if sessions:
                participant_id = str(uuid.uuid5(_PARTICIPANTS, f"{found.id}/{purpose}"))
                participants.append(
                    ParticipantOut(
                        participant_id=participant_id, purpose=purpose, sessions=sessions
                    )
                )
        first = found.messages[0].direction if found.messages else None
        return cls(
            conversation_id=found.id,
            conversation_start=found.started_at,
            conversation_end=found.ended_at,
            originating_direction=first,
            conversation_initiator=(
                None if first is None else ours_purpose if first == "outbound" else "customer"
            ),
            division_ids=[found.division_id] if found.division_id else [],
            participants=participants,
        )


class ConversationQueryOut(ApiModel):
    conversations: list[ConversationOut] | None = None
    total_hits: int
