"""Webhook subscriptions and the webhook outbox: events are fanned out to the matching
subscriptions when written (one delivery row each, in the transaction of the change they
report), claimed by the dispatcher, and each attempt is logged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, insert, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.send_path_queries import ENABLED_SUBSCRIPTIONS
from tidings.adapters.db.tables import webhook_attempts, webhook_deliveries, webhook_subscriptions
from tidings.domain.ids import new_id
from tidings.domain.webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    Attempt,
    Delivery,
    Due,
    Subscription,
)


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        name=row.name,
        url=row.url,
        events=list(row.events),
        enabled=row.enabled,
        created_at=row.created_at,
        secret=row.secret,
    )


class SqlWebhookRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        # The enabled subscriptions as this unit of work first read them: a send-path
        # transaction asks for them at every step that may write events (settling, then
        # the receipts that were waiting for those sends), and each ask was a round trip.
        # A repository lives for one unit of work, and its own changes forget them.
        self._enabled: list[tuple[str, list[str]]] | None = None

    # Subscriptions.

    async def add(self, subscription: Subscription) -> None:
        self._enabled = None
        await self._db.execute(
            insert(webhook_subscriptions).values(
                id=subscription.id,
                name=subscription.name,
                url=subscription.url,
                events=subscription.events,
                secret=subscription.secret,
                enabled=subscription.enabled,
                created_at=subscription.created_at,
            )
        )

    async def get(self, subscription_id: str) -> Subscription | None:
        row = (
            await self._db.execute(
                select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
            )
        ).first()
        return _subscription(row) if row else None

    async def all(self) -> list[Subscription]:
        rows = await self._db.execute(
            select(webhook_subscriptions).order_by(
                webhook_subscriptions.c.created_at, webhook_subscriptions.c.id
            )
        )
        return [_subscription(r) for r in rows]

    async def update(self, subscription: Subscription) -> None:
        self._enabled = None
        await self._db.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.id == subscription.id)
            .values(
                name=subscription.name,
                url=subscription.url,
                events=subscription.events,
                enabled=subscription.enabled,
            )
        )

    async def remove(self, subscription_id: str) -> bool:
        self._enabled = None
        # Deliveries and attempts go with it (their foreign keys cascade on PostgreSQL;
        # SQLite may run without foreign keys, so they are deleted explicitly).
        deliveries = select(webhook_deliveries.c.id).where(
            webhook_deliveries.c.subscription_id == subscription_id
        )
        await self._db.execute(
            delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(deliveries))
        )
        await self._db.execute(
            delete(webhook_deliveries).where(
                webhook_deliveries.c.subscription_id == subscription_id
            )
        )
        result = await self._db.execute(
            delete(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
        )
        return bool(result.rowcount)

    # The outbox.

    async def subscribed(self, topic: str) -> list[str]:
        """The enabled subscriptions to `topic`: writers skip building events nobody wants."""
        if self._enabled is None:
            rows = await self._db.execute(ENABLED_SUBSCRIPTIONS)
            self._enabled = [(row.id, row.events) for row in rows]
        return [id_ for id_, events in self._enabled if topic in events]

    async def record(
        self,
        topic: str,
        bodies: Sequence[dict[str, Any]],
        now: datetime,
        subscribers: Sequence[str] | None = None,
    ) -> None:
        """Queues one event per body for every enabled subscription to `topic` (a template;
        `{id}` becomes each body's conversationId)."""
        if not bodies:
            return
        wanted = await self.subscribed(topic) if subscribers is None else subscribers
        if not wanted:
            return
        deliveries: list[dict[str, Any]] = []
        for body in bodies:
            event_id = new_id()
            topic_name = topic.replace("{id}", str(body.get("conversationId", "")))
            text = orjson.dumps(
                {
                    "topicName": topic_name,
                    "version": "2",
                    "eventBody": body,
                    "metadata": {"CorrelationId": event_id},
                }
            ).decode()
            deliveries.extend(
                {
                    "id": new_id(),
                    "subscription_id": subscription_id,
                    "event_id": event_id,
                    "topic": topic_name,
                    "body": text,
                    "state": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "finished_at": None,
                }
                for subscription_id in wanted
            )
        await self._db.execute(insert(webhook_deliveries), deliveries)

    async def claim(self, limit: int, now: datetime, lease: timedelta) -> list[Due]:
        """Takes up to `limit` due deliveries of enabled subscriptions; the lease (a later
        next attempt) hands them to another dispatcher if this one dies mid-request."""
        # Most polls find nothing: a read answers them without the writer's lock (SQLite's
        # is the whole database's, and every dispatcher polls twice a second).
        anything_due = await self._db.execute(
            select(webhook_deliveries.c.id)
            .where(
                webhook_deliveries.c.state == PENDING,
                webhook_deliveries.c.next_attempt_at <= now,
            )
            .limit(1)
        )
        if anything_due.first() is None:
            return []
        due = (
            select(webhook_deliveries.c.id)
            .join(
                webhook_subscriptions,
                webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id,
            )
            .where(
                webhook_deliveries.c.state == PENDING,
                webhook_deliveries.c.next_attempt_at <= now,
                webhook_subscriptions.c.enabled,
            )
            .order_by(webhook_deliveries.c.next_attempt_at)
            .limit(limit)
            .with_for_update(of=webhook_deliveries, skip_locked=True)
        )
        rows = list(
            await self._db.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id.in_(due.scalar_subquery()))
                .values(
                    next_attempt_at=now + lease,
                    attempts=webhook_deliveries.c.attempts + 1,
                )
                .returning(
                    webhook_deliveries.c.id,
                    webhook_deliveries.c.subscription_id,
                    webhook_deliveries.c.body,
                    webhook_deliveries.c.attempts,
                )
            )
        )
        if not rows:
            return []
        targets = {
            row.id: row
            for row in await self._db.execute(
                select(
                    webhook_subscriptions.c.id,
                    webhook_subscriptions.c.url,
                    webhook_subscriptions.c.secret,
                ).where(webhook_subscriptions.c.id.in_({r.subscription_id for r in rows}))
            )
        }
        return [
            Due(
                id=r.id,
                url=targets[r.subscription_id].url,
                secret=targets[r.subscription_id].secret,
                body=r.body,
                attempts=r.attempts,
            )
            for r in rows
        ]

    async def attempted(
        self, delivery_id: str, attempt: Attempt, state: str, next_attempt_at: datetime | None
    ) -> None:
        await self._db.execute(
            insert(webhook_attempts).values(
                delivery_id=delivery_id,
                attempted_at=attempt.attempted_at,
                status_code=attempt.status_code,
                error=attempt.error,
            )
        )
        await self._db.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(
                state=state,
                next_attempt_at=next_attempt_at if state == PENDING else None,
                finished_at=attempt.attempted_at if state in (DELIVERED, FAILED) else None,
            )
        )

    async def prune(self, created_before: datetime, limit: int) -> int:
        """Removes up to `limit` finished deliveries created before the time, and their
        attempts. By subscription and creation time, the order of an index: the finished
        deliveries still kept are never read."""
        subscriptions = list((await self._db.execute(select(webhook_subscriptions.c.id))).scalars())
        old: list[str] = []
        for subscription_id in subscriptions:
            old.extend(
                (
                    await self._db.execute(
                        select(webhook_deliveries.c.id)
                        .where(
                            webhook_deliveries.c.subscription_id == subscription_id,
                            webhook_deliveries.c.created_at < created_before,
                            webhook_deliveries.c.state.in_((DELIVERED, FAILED)),
                        )
                        .limit(limit - len(old))
                    )
                ).scalars()
            )
            if len(old) >= limit:
                break
        if not old:
            return 0
        # Attempts first: SQLite applies the cascade only with its foreign keys on.
        await self._db.execute(
            delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(old))
        )
        await self._db.execute(delete(webhook_deliveries).where(webhook_deliveries.c.id.in_(old)))
        return len(old)

    async def deliveries(self, subscription_id: str, limit: int) -> list[Delivery]:
        """The newest deliveries of a subscription with their attempts, oldest first."""
        rows = await self._db.execute(
            select(webhook_deliveries)
            .where(webhook_deliveries.c.subscription_id == subscription_id)
            .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id)
            .limit(limit)
        )
        found = [
            Delivery(
                id=r.id,
                subscription_id=r.subscription_id,
                event_id=r.event_id,
                topic=r.topic,
                body=r.body,
                state=r.state,
                attempts=r.attempts,
                created_at=r.created_at,
                next_attempt_at=r.next_attempt_at,
                finished_at=r.finished_at,
            )
            for r in rows
        ]
        found.reverse()
        if found:
            by_id = {d.id: d for d in found}
            attempts = await self._db.execute(
                select(webhook_attempts)
                .where(webhook_attempts.c.delivery_id.in_(by_id))
                .order_by(webhook_attempts.c.id)
            )
            for a in attempts:
                by_id[a.delivery_id].log.append(Attempt(a.attempted_at, a.status_code, a.error))
        return found
