"""`/api/v2/outbound/dnclists` and their phone numbers and e-mail addresses."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, NameFilter, NameSortedPageDep, split_list
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.routes.imports import import_statuses
from tidings.api.schemas.common import PlainText
from tidings.api.schemas.dnc import (
    DncListDivisionView,
    DncListDivisionViewListing,
    DncListIn,
    DncListListing,
    DncListOut,
    PatchEmailAddresses,
    PatchPhoneNumbers,
    parse_expiration,
)
from tidings.domain.dnc import MAX_ENTRIES_PER_CALL
from tidings.domain.errors import FieldProblem, InvalidInput

router = APIRouter(prefix="/api/v2/outbound/dnclists", tags=["Outbound"])

Entries = Annotated[list[PlainText], Body(max_length=MAX_ENTRIES_PER_CALL)]


@router.get("", response_model=DncListListing)
async def list_dnc_lists(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: NameSortedPageDep,
    name: Annotated[str | None, Query(max_length=256)] = None,
    filter_type: Annotated[NameFilter, Query(alias="filterType")] = "Prefix",
    division_ids: Annotated[list[str] | None, Query(alias="divisionId", max_length=1000)] = None,
    dnc_source_type: Annotated[
        Literal["rds", "rds_custom", "dnc.com", "gryphon"] | None, Query(alias="dncSourceType")
    ] = None,
    include_size: Annotated[bool, Query(alias="includeSize")] = False,
    include_import_status: Annotated[bool, Query(alias="includeImportStatus")] = False,
) -> Response:
    if dnc_source_type not in (None, "rds"):
        # Every list here is an internal (rds) one: none is of the other sources.
        return ok(envelope(request, page, [], 0))
    found, total, sizes = await app.dnc.find(
        caller,
        page,
        name=name,
        name_match=filter_type,
        division_ids=split_list(division_ids),
        include_size=include_size,
    )
    statuses = await import_statuses(
        request, app, app.dnc_imports, [d.id for d in found], include_import_status
    )
    entities = [DncListOut.of(d, sizes.get(d.id), statuses.get(d.id)) for d in found]
    return ok(envelope(request, page, entities, total))


@router.post("", response_model=DncListOut)
async def create_dnc_list(body: DncListIn, app: ContainerDep, caller: CallerDep) -> Response:
    if body.dnc_source_type is None:
        raise InvalidInput(
            "dncSourceType is required", details=[FieldProblem("dncSourceType", "required", "rds")]
        )
    return ok(DncListOut.of(await app.dnc.create(caller, body.to_domain())))


SEARCH = "outbound:dncList:search"


@router.get("/divisionviews", response_model=DncListDivisionViewListing)
async def list_division_views(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: NameSortedPageDep,
    name: Annotated[str | None, Query(max_length=256)] = None,
    filter_type: Annotated[NameFilter, Query(alias="filterType")] = "Prefix",
    include_size: Annotated[bool, Query(alias="includeSize")] = False,
    include_import_status: Annotated[bool, Query(alias="includeImportStatus")] = False,
) -> Response:
    """The outline of DNC lists in divisions where the caller may search."""
    found, total, sizes = await app.dnc.find(
        caller,
        page,
        name=name,
        name_match=filter_type,
        include_size=include_size,
        permission=SEARCH,
    )
    statuses = await import_statuses(
        request, app, app.dnc_imports, [d.id for d in found], include_import_status
    )
    entities = [DncListDivisionView.of(d, sizes.get(d.id), statuses.get(d.id)) for d in found]
    return ok(envelope(request, page, entities, total))


@router.get("/divisionviews/{list_id}", response_model=DncListDivisionView)
async def get_division_view(
    list_id: str,
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    include_size: Annotated[bool, Query(alias="includeSize")] = False,
    include_import_status: Annotated[bool, Query(alias="includeImportStatus")] = False,
) -> Response:
    found, size = await app.dnc.get(caller, list_id, include_size=include_size, permission=SEARCH)
    statuses = await import_statuses(
        request, app, app.dnc_imports, [list_id], include_import_status
    )
    return ok(DncListDivisionView.of(found, size, statuses.get(list_id)))


@router.get("/{list_id}", response_model=DncListOut)
async def get_dnc_list(
    list_id: str,
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    include_size: Annotated[bool, Query(alias="includeSize")] = False,
    include_import_status: Annotated[bool, Query(alias="includeImportStatus")] = False,
) -> Response:
    found, size = await app.dnc.get(caller, list_id, include_size=include_size)
    statuses = await import_statuses(
        request, app, app.dnc_imports, [list_id], include_import_status
    )
    return ok(DncListOut.of(found, size, statuses.get(list_id)))


@router.put("/{list_id}", response_model=DncListOut)
async def update_dnc_list(
    list_id: str, body: DncListIn, app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(DncListOut.of(await app.dnc.update(caller, list_id, body.to_domain(), body.version)))


@router.delete("/{list_id}", status_code=204, response_class=Response)
async def delete_dnc_list(list_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.dnc.delete(caller, list_id)
    return Response(status_code=204)


@router.post("/{list_id}/phonenumbers", status_code=204, response_class=Response)
async def add_phone_numbers(
    list_id: str,
    body: Entries,
    app: ContainerDep,
    caller: CallerDep,
    expiration: Annotated[str | None, Query(alias="expirationDateTime", max_length=64)] = None,
) -> Response:
    await app.dnc.add(caller, list_id, "phone", body, parse_expiration(expiration))
    return Response(status_code=204)


@router.patch("/{list_id}/phonenumbers", status_code=204, response_class=Response)
async def patch_phone_numbers(
    list_id: str, body: PatchPhoneNumbers, app: ContainerDep, caller: CallerDep
) -> Response:
    await app.dnc.patch(
        caller, list_id, "phone", body.action, body.phone_numbers, body.expiration_date_time
    )
    return Response(status_code=204)


@router.delete("/{list_id}/phonenumbers", status_code=204, response_class=Response)
async def delete_phone_numbers(
    list_id: str,
    app: ContainerDep,
    caller: CallerDep,
    expired_only: Annotated[bool, Query(alias="expiredOnly")] = False,
) -> Response:
    await app.dnc.purge(caller, list_id, "phone", expired_only=expired_only)
    return Response(status_code=204)


@router.post("/{list_id}/emailaddresses", status_code=204, response_class=Response)
async def add_email_addresses(
    list_id: str,
    body: Entries,
    app: ContainerDep,
    caller: CallerDep,
    expiration: Annotated[str | None, Query(alias="expirationDateTime", max_length=64)] = None,
) -> Response:
    await app.dnc.add(caller, list_id, "email", body, parse_expiration(expiration))
    return Response(status_code=204)


@router.patch("/{list_id}/emailaddresses", status_code=204, response_class=Response)
async def patch_email_addresses(
    list_id: str, body: PatchEmailAddresses, app: ContainerDep, caller: CallerDep
) -> Response:
    await app.dnc.patch(
        caller, list_id, "email", body.action, body.email_addresses, body.expiration_date_time
    )
    return Response(status_code=204)


@router.delete("/{list_id}/emailaddresses", status_code=204, response_class=Response)
async def delete_email_addresses(
    list_id: str,
    app: ContainerDep,
    caller: CallerDep,
    expired_only: Annotated[bool, Query(alias="expiredOnly")] = False,
) -> Response:
    await app.dnc.purge(caller, list_id, "email", expired_only=expired_only)
    return Response(status_code=204)
