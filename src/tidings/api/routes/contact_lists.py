"""`/api/v2/outbound/contactlists` and their contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, NameFilter, NameSortedPageDep, split_list
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.routes.imports import import_statuses
from tidings.api.schemas.common import DomainEntityRef, PlainText
from tidings.api.schemas.contact_lists import (
    ContactIn,
    ContactListDivisionView,
    ContactListDivisionViewListing,
    ContactListIn,
    ContactListListing,
    ContactListOut,
    ContactOut,
    TimeZoneMappingPreviewOut,
)
from tidings.domain.contact_lists import MAX_CONTACTS_PER_CALL
from tidings.services.contact_lists import AddOptions

router = APIRouter(prefix="/api/v2/outbound/contactlists", tags=["Outbound"])

IdList = Annotated[list[str] | None, Query(alias="id", max_length=1000)]


@router.get("", response_model=ContactListListing)
async def list_contact_lists(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: NameSortedPageDep,
    ids: IdList = None,
    name: Annotated[str | None, Query(max_length=256)] = None,
    filter_type: Annotated[NameFilter, Query(alias="filterType")] = "Prefix",
    division_ids: Annotated[list[str] | None, Query(alias="divisionId", max_length=1000)] = None,
    include_size: Annotated[bool, Query(alias="includeSize")] = False,
    include_import_status: Annotated[bool, Query(alias="includeImportStatus")] = False,
) -> Response:
    found, total, sizes = await app.contact_lists.find(
        caller,
        page,
        name=name,
        name_match=filter_type,
        ids=split_list(ids),
        division_ids=split_list(division_ids),
        include_size=include_size,
    )
    statuses = await import_statuses(
        request, app, app.imports, [c.id for c in found], include_import_status
    )
    entities = [ContactListOut.of(c, sizes.get(c.id), statuses.get(c.id)) for c in found]
    return ok(envelope(request, page, entities, total))


@router.post("", response_model=ContactListOut)
async def create_contact_list(
    body: ContactListIn, app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(ContactListOut.of(await app.contact_lists.create(caller, body.to_domain())))


@router.delete("", status_code=204, response_class=Response)
async def delete_contact_lists(
    app: ContainerDep,
    caller: CallerDep,
    ids: Annotated[list[str], Query(alias="id", min_length=1, max_length=100)],
) -> Response:
    await app.contact_lists.delete(caller, split_list(ids))
    return Response(status_code=204)


SEARCH = "outbound:contactList:search"


@router.get("/divisionviews", response_model=ContactListDivisionViewListing)
async def list_division_views(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: NameSortedPageDep,
    ids: IdList = None,
    name: Annotated[str | None, Query(max_length=256)] = None,
    filter_type: Annotated[NameFilter, Query(alias="filterType")] = "Prefix",
    include_size: Annotated[bool, Query(alias="includeSize")] = False,
    include_import_status: Annotated[bool, Query(alias="includeImportStatus")] = False,
) -> Response:
    """The outline of lists in divisions where the caller may search (a campaign form
    picks a list from them without reading the lists)."""
    found, total, sizes = await app.contact_lists.find(
        caller,
        page,
        name=name,
        name_match=filter_type,
        ids=split_list(ids),
        include_size=include_size,
        permission=SEARCH,
    )
    statuses = await import_statuses(
        request, app, app.imports, [c.id for c in found], include_import_status
    )
    entities = [ContactListDivisionView.of(c, sizes.get(c.id), statuses.get(c.id)) for c in found]
    return ok(envelope(request, page, entities, total))


@router.get("/divisionviews/{list_id}", response_model=ContactListDivisionView)
async def get_division_view(
    list_id: str,
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    include_size: Annotated[bool, Query(alias="includeSize")] = False,
    include_import_status: Annotated[bool, Query(alias="includeImportStatus")] = False,
) -> Response:
    found, size = await app.contact_lists.get(
        caller, list_id, include_size=include_size, permission=SEARCH
    )
    statuses = await import_statuses(request, app, app.imports, [list_id], include_import_status)
    return ok(ContactListDivisionView.of(found, size, statuses.get(list_id)))


@router.get("/{list_id}", response_model=ContactListOut)
async def get_contact_list(
    list_id: str,
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    include_size: Annotated[bool, Query(alias="includeSize")] = False,
    include_import_status: Annotated[bool, Query(alias="includeImportStatus")] = False,
) -> Response:
    found, size = await app.contact_lists.get(caller, list_id, include_size=include_size)
    statuses = await import_statuses(request, app, app.imports, [list_id], include_import_status)
    return ok(ContactListOut.of(found, size, statuses.get(list_id)))


@router.get("/{list_id}/timezonemappingpreview", response_model=TimeZoneMappingPreviewOut)
async def time_zone_mapping_preview(list_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    found = await app.contact_lists.time_zone_preview(caller, list_id)
    return ok(
        TimeZoneMappingPreviewOut(
            contact_list=DomainEntityRef(
                id=list_id, self_uri=f"/api/v2/outbound/contactlists/{list_id}"
            ),
            contacts_per_time_zone=found.per_zone,
            contacts_mapped_using_zip_code=found.per_zone_by_zip,
            contacts_mapped_to_a_single_zone=found.single_zone,
            contacts_mapped_to_a_single_zone_using_zip_code=found.single_zone_by_zip,
            contacts_mapped_to_multiple_zones=found.multiple_zones,
            contacts_mapped_to_multiple_zones_using_zip_code=found.multiple_zones_by_zip,
            contacts_in_default_window=found.default_window,
            contact_list_size=found.size,
        )
    )


@router.put("/{list_id}", response_model=ContactListOut)
async def update_contact_list(
    list_id: str, body: ContactListIn, app: ContainerDep, caller: CallerDep
) -> Response:
    updated = await app.contact_lists.update(caller, list_id, body.to_domain(), body.version)
    return ok(ContactListOut.of(updated))


@router.delete("/{list_id}", status_code=204, response_class=Response)
async def delete_contact_list(list_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.contact_lists.delete(caller, [list_id])
    return Response(status_code=204)


@router.post("/{list_id}/contacts", response_model=list[ContactOut])
async def add_contacts(
    list_id: str,
    body: Annotated[list[ContactIn], Body(max_length=MAX_CONTACTS_PER_CALL)],
    app: ContainerDep,
    caller: CallerDep,
    priority: bool = False,
    clear_system_data: Annotated[bool, Query(alias="clearSystemData")] = False,
    do_not_queue: Annotated[bool, Query(alias="doNotQueue")] = False,
) -> Response:
    stored = await app.contact_lists.add_contacts(
        caller,
        list_id,
        [c.to_draft() for c in body],
        AddOptions(priority, clear_system_data, do_not_queue),
    )
    return ok([ContactOut.of(c) for c in stored])


@router.delete("/{list_id}/contacts", status_code=204, response_class=Response)
async def delete_contacts(
    list_id: str,
    app: ContainerDep,
    caller: CallerDep,
    contact_ids: Annotated[list[str], Query(alias="contactIds", min_length=1, max_length=1000)],
) -> Response:
    await app.contact_lists.delete_contacts(caller, list_id, split_list(contact_ids))
    return Response(status_code=204)


@router.post("/{list_id}/contacts/bulk", response_model=list[ContactOut])
async def get_contacts_in_bulk(
    list_id: str,
    body: Annotated[list[PlainText], Body(max_length=MAX_CONTACTS_PER_CALL)],
    app: ContainerDep,
    caller: CallerDep,
) -> Response:
    found = await app.contact_lists.get_contacts(caller, list_id, body)
    return ok([ContactOut.of(c) for c in found])


@router.get("/{list_id}/contacts/{contact_id}", response_model=ContactOut)
async def get_contact(
    list_id: str, contact_id: str, app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(ContactOut.of(await app.contact_lists.get_contact(caller, list_id, contact_id)))


@router.put("/{list_id}/contacts/{contact_id}", response_model=ContactOut)
async def replace_contact(
    list_id: str, contact_id: str, body: ContactIn, app: ContainerDep, caller: CallerDep
) -> Response:
    stored = await app.contact_lists.replace_contact(caller, list_id, contact_id, body.to_draft())
    return ok(ContactOut.of(stored))


@router.delete("/{list_id}/contacts/{contact_id}", status_code=204, response_class=Response)
async def delete_contact(
    list_id: str, contact_id: str, app: ContainerDep, caller: CallerDep
) -> Response:
    await app.contact_lists.delete_contact(caller, list_id, contact_id)
    return Response(status_code=204)


@router.post("/{list_id}/clear", status_code=204, response_class=Response)
async def clear_contacts(list_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.contact_lists.clear(caller, list_id)
    return Response(status_code=204)
