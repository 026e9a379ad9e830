"""Outgoing event webhooks (our extension; Genesys pushes notifications over its own
channels instead): `/api/v2/tidings/webhooks` and each subscription's delivery log."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep
from tidings.api.responses import ok
from tidings.api.schemas.webhooks import (
    WEBHOOKS,
    DeliveryListing,
    DeliveryOut,
    SubscriptionIn,
    SubscriptionListing,
    SubscriptionOut,
)

router = APIRouter(prefix=WEBHOOKS, tags=["Webhooks"])


@router.get("", response_model=SubscriptionListing)
async def list_webhooks(app: ContainerDep, caller: CallerDep) -> Response:
    found = await app.webhooks.all(caller)
    return ok(
        SubscriptionListing(entities=[SubscriptionOut.of(s) for s in found], total=len(found))
    )


@router.post("", response_model=SubscriptionOut)
async def create_webhook(body: SubscriptionIn, app: ContainerDep, caller: CallerDep) -> Response:
    """The answer holds the signing secret; it is not shown again."""
    created = await app.webhooks.create(caller, body.given())
    return ok(SubscriptionOut.of(created, with_secret=True))


@router.get("/{subscription_id}", response_model=SubscriptionOut)
async def get_webhook(subscription_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(SubscriptionOut.of(await app.webhooks.get(caller, subscription_id)))


@router.put("/{subscription_id}", response_model=SubscriptionOut)
async def update_webhook(
    subscription_id: str, body: SubscriptionIn, app: ContainerDep, caller: CallerDep
) -> Response:
    updated = await app.webhooks.update(caller, subscription_id, body.given())
    return ok(SubscriptionOut.of(updated))


@router.delete("/{subscription_id}", status_code=204, response_class=Response)
async def delete_webhook(subscription_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.webhooks.delete(caller, subscription_id)
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries", response_model=DeliveryListing)
async def list_deliveries(subscription_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    """The newest 100 deliveries, oldest first, each with every attempt made."""
    found = await app.webhooks.deliveries(caller, subscription_id)
    return ok(DeliveryListing(entities=[DeliveryOut.of(d) for d in found], total=len(found)))
