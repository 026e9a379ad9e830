"""Outgoing event webhook subscriptions (our extension) and their delivery log. Events are
written by the repositories that commit the changes they report; this service manages who
receives them."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from tidings.domain.errors import FieldProblem, InvalidInput, NotFound
from tidings.domain.ids import new_id, utcnow
from tidings.domain.webhooks import TOPICS, Delivery, Subscription
from tidings.ports import UnitOfWorkFactory
from tidings.services.caller import Caller

VIEW = "tidings:webhook:view"
ADD = "tidings:webhook:add"
EDIT = "tidings:webhook:edit"
DELETE = "tidings:webhook:delete"
DELIVERIES_SHOWN = 100


@dataclass
class SubscriptionInput:
    name: str
    url: str
    events: list[str]
    enabled: bool = True


def _checked(given: SubscriptionInput) -> SubscriptionInput:
    problems = []
    parts = urlsplit(given.url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(
            FieldProblem("url", message="the URL must be absolute and use http or https")
        )
    unknown = [e for e in given.events if e not in TOPICS]
    if unknown or not given.events:
        problems.append(
            FieldProblem(
                "events",
                message=f"name one or more of {', '.join(TOPICS)}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            )
        )
    if not given.name.strip():
        problems.append(FieldProblem("name", message="a name is required"))
    if problems:
        raise InvalidInput("The webhook subscription is not valid", details=problems)
    return SubscriptionInput(
        given.name.strip(), given.url.strip(), list(dict.fromkeys(given.events)), given.enabled
    )


class WebhookService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def create(self, caller: Caller, given: SubscriptionInput) -> Subscription:
        """The returned subscription carries its secret; it is never shown again."""
        caller.access.require(ADD)
        checked = _checked(given)
        subscription = Subscription(
            id=new_id(),
            name=checked.name,
            url=checked.url,
            events=checked.events,
            enabled=checked.enabled,
            created_at=utcnow(),
            secret="whsec_" + secrets.token_urlsafe(32),
        )
        async with self._uow() as uow:
            await uow.webhooks.add(subscription)
            await uow.commit()
        return subscription

    async def all(self, caller: Caller) -> list[Subscription]:
        caller.access.require(VIEW)
        async with self._uow() as uow:
            return await uow.webhooks.all()

    async def get(self, caller: Caller, subscription_id: str) -> Subscription:
        caller.access.require(VIEW)
        async with self._uow() as uow:
            return await _existing(uow.webhooks.get, subscription_id)

    async def update(
        self, caller: Caller, subscription_id: str, given: SubscriptionInput
    ) -> Subscription:
        caller.access.require(EDIT)
        checked = _checked(given)
        async with self._uow() as uow:
            found = await _existing(uow.webhooks.get, subscription_id)
            found.name, found.url = checked.name, checked.url
            found.events, found.enabled = checked.events, checked.enabled
            await uow.webhooks.update(found)
            await uow.commit()
        return found

    async def delete(self, caller: Caller, subscription_id: str) -> None:
        caller.access.require(DELETE)
        async with self._uow() as uow:
            if not await uow.webhooks.remove(subscription_id):
                raise NotFound("webhook subscription", subscription_id)
            await uow.commit()

    async def deliveries(self, caller: Caller, subscription_id: str) -> list[Delivery]:
        """The newest deliveries (oldest first) with every attempt made."""
        caller.access.require(VIEW)
        async with self._uow() as uow:
            await _existing(uow.webhooks.get, subscription_id)
            return await uow.webhooks.deliveries(subscription_id, DELIVERIES_SHOWN)


async def _existing(
    get: Callable[[str], Awaitable[Subscription | None]], subscription_id: str
) -> Subscription:
    found = await get(subscription_id)
    if found is None:
        raise NotFound("webhook subscription", subscription_id)
    return found
