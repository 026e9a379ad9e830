"""Wire shapes of outgoing event webhook subscriptions and their delivery log (our
extension, in the Genesys style: camelCase, `selfUri`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import Field

from tidings.api.schemas.common import ApiModel
from tidings.domain.webhooks import TOPICS, Delivery, Subscription
from tidings.services.webhooks import SubscriptionInput

WEBHOOKS = "/api/v2/tidings/webhooks"


class SubscriptionIn(ApiModel):
    name: str = Field(max_length=256)
    url: str = Field(max_length=2048, description="Where events are POSTed (http or https)")
    events: list[str] = Field(max_length=len(TOPICS), description="Topics: " + ", ".join(TOPICS))
    enabled: bool = True

    def given(self) -> SubscriptionInput:
        return SubscriptionInput(self.name, self.url, self.events, self.enabled)


class SubscriptionOut(ApiModel):
    id: str
    name: str
    url: str
    events: list[str]
    enabled: bool
    date_created: datetime
    # Only in the answer to the creation: it signs every event and is never shown again.
    secret: str | None = None
    self_uri: str

    @classmethod
    def of(cls, found: Subscription, *, with_secret: bool = False) -> SubscriptionOut:
        return cls(
            id=found.id,
            name=found.name,
            url=found.url,
            events=found.events,
            enabled=found.enabled,
            date_created=found.created_at,
            secret=found.secret if with_secret else None,
            self_uri=f"{WEBHOOKS}/{found.id}",
        )


class SubscriptionListing(ApiModel):
    entities: list[SubscriptionOut]
    total: int


class AttemptOut(ApiModel):
    date_attempted: datetime
    status_code: int | None = None
    error: str | None = None


class DeliveryOut(ApiModel):
    id: str
    event_id: str
    topic_name: str
    state: str
    attempts: list[AttemptOut]
    date_created: datetime
    date_next_attempt: datetime | None = None
    date_finished: datetime | None = None
    body: dict[str, Any]

    @classmethod
    def of(cls, found: Delivery) -> DeliveryOut:
        return cls(
            id=found.id,
            event_id=found.event_id,
            topic_name=found.topic,
            state=found.state,
            attempts=[
                AttemptOut(date_attempted=a.attempted_at, status_code=a.status_code, error=a.error)
                for a in found.log
            ],
            date_created=found.created_at,
            date_next_attempt=found.next_attempt_at,
            date_finished=found.finished_at,
            body=orjson.loads(found.body),
        )


class DeliveryListing(ApiModel):
    entities: list[DeliveryOut]
    total: int
