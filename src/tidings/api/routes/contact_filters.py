"""`/api/v2/outbound/contactlistfilters` and `POST .../contactlists/{id}/contacts/search`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, NameFilter, NameSortedPageDep
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.contact_filters import (
    BulkRetrieveIn,
    ContactListFilterIn,
    ContactListFilterListing,
    ContactListFilterOut,
    ContactListingRequest,
    ContactListingResponse,
    FilterPreviewResponse,
)
from tidings.api.schemas.contact_lists import ContactOut
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.paging import PageRequest

router = APIRouter(tags=["Outbound"])

FILTERS = "/api/v2/outbound/contactlistfilters"


def _from_lists_only(body: ContactListFilterIn) -> None:
    if body.source_type != "ContactList" or body.contact_list_template is not None:
        raise InvalidInput(
            "Filters on contact list templates are not supported; name a contact list",
            details=[FieldProblem("sourceType", "not.supported", "ContactList")],
        )


@router.get(FILTERS, response_model=ContactListFilterListing)
async def list_filters(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: NameSortedPageDep,
    name: Annotated[str | None, Query(max_length=256)] = None,
    filter_type: Annotated[NameFilter, Query(alias="filterType")] = "Prefix",
    contact_list_id: Annotated[str | None, Query(alias="contactListId", max_length=64)] = None,
) -> Response:
    found, total = await app.contact_filters.find(
        caller, page, name=name, name_match=filter_type, contact_list_id=contact_list_id
    )
    entities = [ContactListFilterOut.of(f) for f in found]
    return ok(envelope(request, page, entities, total))


@router.post(FILTERS, response_model=ContactListFilterOut)
async def create_filter(
    body: ContactListFilterIn, app: ContainerDep, caller: CallerDep
) -> Response:
    _from_lists_only(body)
    return ok(ContactListFilterOut.of(await app.contact_filters.create(caller, body.to_domain())))


@router.post(FILTERS + "/bulk/retrieve", response_model=ContactListFilterListing)
async def bulk_retrieve_filters(
    body: BulkRetrieveIn, request: Request, app: ContainerDep, caller: CallerDep
) -> Response:
    """The filters of these ids that the caller may see (the others are left out)."""
    page = PageRequest(page_size=100, page_number=1)
    if not body.ids:
        return ok(envelope(request, page, [], 0))
    found, total = await app.contact_filters.find(caller, page, ids=body.ids)
    return ok(envelope(request, page, [ContactListFilterOut.of(f) for f in found], total))


@router.post(FILTERS + "/preview", response_model=FilterPreviewResponse)
async def preview_filter(
    body: ContactListFilterIn, app: ContainerDep, caller: CallerDep
) -> Response:
    _from_lists_only(body)
    found = await app.contact_filters.preview(caller, body.to_domain())
    return ok(
        FilterPreviewResponse(
            filtered_contacts=found.filtered,
            total_contacts=found.total,
            preview=[ContactOut.of(c) for c in found.contacts],
        )
    )


@router.get(FILTERS + "/{filter_id}", response_model=ContactListFilterOut)
async def get_filter(filter_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(ContactListFilterOut.of(await app.contact_filters.get(caller, filter_id)))


@router.put(FILTERS + "/{filter_id}", response_model=ContactListFilterOut)
async def update_filter(
    filter_id: str, body: ContactListFilterIn, app: ContainerDep, caller: CallerDep
) -> Response:
    _from_lists_only(body)
    updated = await app.contact_filters.update(caller, filter_id, body.to_domain(), body.version)
    return ok(ContactListFilterOut.of(updated))


@router.delete(FILTERS + "/{filter_id}", status_code=204, response_class=Response)
async def delete_filter(filter_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.contact_filters.delete(caller, filter_id)
    return Response(status_code=204)


@router.post(
    "/api/v2/outbound/contactlists/{list_id}/contacts/search",
    response_model=ContactListingResponse,
)
async def search_contacts(
    list_id: str,
    body: ContactListingRequest,
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
) -> Response:
    if body.contact_list_filter_id and body.criteria:
        raise InvalidInput(
            "Send either contactListFilterId or criteria, not both",
            details=[FieldProblem("criteria", "invalid.value", "one of the two")],
        )
    page = PageRequest(page_size=body.page_size, page_number=body.page_number)
    found, total = await app.contact_filters.search(
        caller,
        list_id,
        page,
        filter_id=body.contact_list_filter_id,
        criteria=body.criteria.to_domain() if body.criteria else None,
        sorts=[s.to_domain() for s in body.contact_sorts],
    )
    listing = envelope(request, page, [ContactOut.of(c) for c in found], total)
    listing["contactsCount"] = total
    return ok(listing)
