"""`/api/v2/responsemanagement/libraries`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, PageDep
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.responses import (
    LibraryBatchRequest,
    LibraryIn,
    LibraryListing,
    LibraryOut,
)
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.paging import PageRequest

router = APIRouter(prefix="/api/v2/responsemanagement/libraries", tags=["Response Management"])


@router.get("", response_model=LibraryListing)
async def list_libraries(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: PageDep,
    library_prefix: Annotated[str | None, Query(alias="libraryPrefix", max_length=256)] = None,
    messaging_template_filter: Annotated[
        str | None, Query(alias="messagingTemplateFilter", max_length=64)
    ] = None,
) -> Response:
    if messaging_template_filter is not None:
        # Libraries of WhatsApp templates: Tidings holds none, and an empty page would
        # read as "none yet" rather than "never".
        raise InvalidInput(
            "WhatsApp messaging templates are not supported",
            details=[FieldProblem("messagingTemplateFilter", "not.supported", "leave it out")],
        )
    found, total = await app.responses.find_libraries(caller, page, library_prefix)
    return ok(envelope(request, page, [LibraryOut.of(lib) for lib in found], total))


@router.post("", response_model=LibraryOut)
async def create_library(body: LibraryIn, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(LibraryOut.of(await app.responses.create_library(caller, body.to_domain())))


@router.post("/bulk", response_model=LibraryListing)
async def libraries_in_bulk(
    body: LibraryBatchRequest, request: Request, app: ContainerDep, caller: CallerDep
) -> Response:
    """The named libraries the caller may see, in one page."""
    found, total = await app.responses.libraries_by_id(caller, body.library_ids)
    page = PageRequest(page_size=max(1, len(body.library_ids)))
    return ok(envelope(request, page, [LibraryOut.of(lib) for lib in found], total))


@router.get("/{library_id}", response_model=LibraryOut)
async def get_library(library_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(LibraryOut.of(await app.responses.get_library(caller, library_id)))


@router.put("/{library_id}", response_model=LibraryOut)
async def update_library(
    library_id: str, body: LibraryIn, app: ContainerDep, caller: CallerDep
) -> Response:
    updated = await app.responses.rename_library(
        caller, library_id, body.name.strip(), body.version
    )
    return ok(LibraryOut.of(updated))


@router.delete("/{library_id}", status_code=204, response_class=Response)
async def delete_library(library_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    """Deletes the library with the responses no other library holds."""
    await app.responses.delete_library(caller, library_id)
    return Response(status_code=204)
