"""`/api/v2/authorization/divisions` and `/api/v2/authorization/roles`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, PageDep, split_list
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.authorization import (
    DivisionIn,
    DivisionListing,
    DivisionOut,
    RoleListing,
    RoleOut,
)
from tidings.services import roles

router = APIRouter(prefix="/api/v2/authorization", tags=["Authorization"])

IdList = Annotated[list[str] | None, Query(alias="id", max_length=1000)]


@router.get("/divisions", response_model=DivisionListing)
async def list_divisions(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: PageDep,
    ids: IdList = None,
    name: Annotated[str | None, Query(max_length=256)] = None,
) -> Response:
    found, total = await app.divisions.list(caller, page, name=name, ids=split_list(ids))
    return ok(envelope(request, page, [DivisionOut.of(d) for d in found], total))


@router.get("/divisions/home", response_model=DivisionOut)
async def home_division(app: ContainerDep, caller: CallerDep) -> Response:
    return ok(DivisionOut.of(await app.divisions.home(caller)))


@router.post("/divisions", response_model=DivisionOut)
async def create_division(
    body: Annotated[DivisionIn, Body()], app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(DivisionOut.of(await app.divisions.create(caller, body.name, body.description)))


@router.get("/divisions/{division_id}", response_model=DivisionOut)
async def get_division(division_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(DivisionOut.of(await app.divisions.get(caller, division_id)))


@router.put("/divisions/{division_id}", response_model=DivisionOut)
async def update_division(
    division_id: str, body: DivisionIn, app: ContainerDep, caller: CallerDep
) -> Response:
    division = await app.divisions.update(
        caller, division_id, body.name, body.description, body.version
    )
    return ok(DivisionOut.of(division))


@router.delete("/divisions/{division_id}", status_code=204, response_class=Response)
async def delete_division(division_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.divisions.delete(caller, division_id)
    return Response(status_code=204)


@router.get("/roles", response_model=RoleListing)
async def list_roles(
    request: Request,
    caller: CallerDep,
    page: PageDep,
    ids: IdList = None,
    name: Annotated[str | None, Query(max_length=256)] = None,
    permission: Annotated[list[str] | None, Query(max_length=100)] = None,
) -> Response:
    found, total = roles.list_roles(
        caller, page, name=name, permissions=split_list(permission), ids=split_list(ids)
    )
    return ok(envelope(request, page, [RoleOut.of(r) for r in found], total))


@router.get("/roles/{role_id}", response_model=RoleOut)
async def get_role(role_id: str, caller: CallerDep) -> Response:
    return ok(RoleOut.of(roles.get_role(caller, role_id)))
