"""EventLog and DialerEventEntityListing."""

from __future__ import annotations

from typing import Any

from tidings.api.schemas.common import ApiModel, DomainEntityRef, Listing, UtcDatetime
from tidings.domain.events import SDK_CODES, EntityRef, EventLog

EVENTS = "/api/v2/outbound/events"


class EventMessageOut(ApiModel):
    code: str | None = None
    message: str
    message_with_params: str | None = None
    message_params: dict[str, Any] | None = None


class EventLogOut(ApiModel):
    id: str
    name: str
    level: str
    category: str
    timestamp: UtcDatetime
    correlation_id: str | None = None
    error_entity: DomainEntityRef | None = None
    related_entity: DomainEntityRef | None = None
    event_message: EventMessageOut
    self_uri: str

    @classmethod
    def of(cls, found: EventLog) -> EventLogOut:
        return cls(
            id=found.id,
            name=found.name,
            level=found.level,
            category=found.category,
            timestamp=found.timestamp,
            correlation_id=found.correlation_id,
            error_entity=_ref(found.error_entity),
            related_entity=_ref(found.related_entity),
            event_message=EventMessageOut(
                # Events written before codes followed the SDK carry their name there.
                code=found.code if found.code in SDK_CODES else None,
                message=found.message,
                message_with_params=found.message,
                message_params=found.params or None,
            ),
            self_uri=f"{EVENTS}/{found.id}",
        )


def _ref(ref: EntityRef | None) -> DomainEntityRef | None:
    if ref is None:
        return None
    return DomainEntityRef(id=ref.id, name=ref.name, self_uri=ref.self_uri)


class DialerEventListing(Listing):
    entities: list[EventLogOut]
