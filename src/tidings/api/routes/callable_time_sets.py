"""`/api/v2/outbound/callabletimesets`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, PageDep
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.callable_time_sets import (
    CallableTimeSetIn,
    CallableTimeSetListing,
    CallableTimeSetOut,
)

router = APIRouter(prefix="/api/v2/outbound/callabletimesets", tags=["Outbound"])


@router.get("", response_model=CallableTimeSetListing)
async def list_sets(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: PageDep,
    name: Annotated[str | None, Query(max_length=256)] = None,
) -> Response:
    found, total = await app.callable_time_sets.find(caller, page, name)
    return ok(envelope(request, page, [CallableTimeSetOut.of(s) for s in found], total))


@router.post("", response_model=CallableTimeSetOut)
async def create_set(body: CallableTimeSetIn, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(CallableTimeSetOut.of(await app.callable_time_sets.create(caller, body.to_domain())))


@router.get("/{set_id}", response_model=CallableTimeSetOut)
async def get_set(set_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(CallableTimeSetOut.of(await app.callable_time_sets.get(caller, set_id)))


@router.put("/{set_id}", response_model=CallableTimeSetOut)
async def update_set(
    set_id: str, body: CallableTimeSetIn, app: ContainerDep, caller: CallerDep
) -> Response:
    updated = await app.callable_time_sets.update(caller, set_id, body.to_domain(), body.version)
    return ok(CallableTimeSetOut.of(updated))


@router.delete("/{set_id}", status_code=204, response_class=Response)
async def delete_set(set_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.callable_time_sets.delete(caller, set_id)
    return Response(status_code=204)
