"""What a segment filter means, on one message: the reference the SQL is checked against."""

from __future__ import annotations

from tidings.domain.analytics import STATUS_OF_DELIVERY, Filter, Predicate
from tidings.domain.messages import Message


def meets(message: Message, found: Filter) -> bool:
    """Does this one message meet the segment filter (its predicates and clauses)?"""

    def value(dimension: str) -> str | None:
        return {
            "mediaType": {"sms": "message", "email": "email"}[message.media_type],
            "messageType": "sms" if message.media_type == "sms" else None,
            "direction": message.direction,
            "deliveryStatus": message.status,
            "addressFrom": message.from_address,
            "addressTo": message.to_address,
            "outboundContactId": message.contact_id,
            "outboundContactListId": message.contact_list_id,
            "outboundCampaignId": message.campaign_id,
        }[dimension]

    def holds(p: Predicate) -> bool:
        held = value(p.dimension)
        if p.operator == "exists":
            return held is not None
        if p.operator == "notExists":
            return held is None
        wanted = (p.value or "").lower() if p.dimension == "direction" else p.value
        if p.dimension == "deliveryStatus":
            wanted = STATUS_OF_DELIVERY.get((p.value or "").lower())
        if p.dimension == "mediaType":
            wanted = (p.value or "").lower()
        return held == wanted

    parts = [holds(p) for p in found.predicates] + [meets(message, c) for c in found.clauses]
    return all(parts) if found.type == "and" else any(parts)
