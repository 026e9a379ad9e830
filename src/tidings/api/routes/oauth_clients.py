"""`/api/v2/oauth/clients`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, PageDep
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.oauth import OAuthClientListing, OAuthClientOut, OAuthClientRequest

router = APIRouter(prefix="/api/v2/oauth/clients", tags=["OAuth"])


@router.get("", response_model=OAuthClientListing)
async def list_clients(
    request: Request, app: ContainerDep, caller: CallerDep, page: PageDep
) -> Response:
    clients, total = await app.oauth.list_clients(caller, page)
    return ok(envelope(request, page, [OAuthClientOut.of(c) for c in clients], total))


@router.post("", response_model=OAuthClientOut)
async def create_client(body: OAuthClientRequest, app: ContainerDep, caller: CallerDep) -> Response:
    client, secret = await app.oauth.create_client(body.to_draft(), caller)
    return ok(OAuthClientOut.of(client, secret))


@router.get("/{client_id}", response_model=OAuthClientOut)
async def get_client(client_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(OAuthClientOut.of(await app.oauth.get_client(caller, client_id)))


@router.put("/{client_id}", response_model=OAuthClientOut)
async def update_client(
    client_id: str, body: OAuthClientRequest, app: ContainerDep, caller: CallerDep
) -> Response:
    client = await app.oauth.update_client(caller, client_id, body.to_draft(), body.version)
    return ok(OAuthClientOut.of(client))


@router.delete("/{client_id}", status_code=204, response_class=Response)
async def delete_client(client_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.oauth.delete_client(caller, client_id)
    return Response(status_code=204)


@router.post("/{client_id}/secret", response_model=OAuthClientOut)
async def rotate_secret(client_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    client, secret = await app.oauth.rotate_secret(caller, client_id)
    return ok(OAuthClientOut.of(client, secret))
