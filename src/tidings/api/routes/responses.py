"""`/api/v2/responsemanagement/responses`, with previews (a Tidings extension)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, PageDep
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.responses import (
    DraftPreviewIn,
    PreviewOut,
    ResponseEntityList,
    ResponseIn,
    ResponseListing,
    ResponseOut,
    ResponseQueryIn,
    ResponseQueryResults,
    SavedPreviewIn,
)
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.paging import page_count

router = APIRouter(prefix="/api/v2/responsemanagement/responses", tags=["Response Management"])

Expand = Annotated[Literal["substitutionsSchema"] | None, Query()]


@router.get("", response_model=ResponseListing)
async def list_responses(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: PageDep,
    library_id: Annotated[str | None, Query(alias="libraryId", max_length=64)] = None,
    expand: Expand = None,
) -> Response:
    if not library_id:
        raise InvalidInput(
            "libraryId is required",
            details=[FieldProblem("libraryId", "required", "the library to list")],
        )
    found, total = await app.responses.in_library(caller, library_id, page)
    schema = expand == "substitutionsSchema"
    entities = [ResponseOut.of(r, with_schema=schema) for r in found]
    return ok(envelope(request, page, entities, total))


@router.post("", response_model=ResponseOut)
async def create_response(
    body: ResponseIn, app: ContainerDep, caller: CallerDep, expand: Expand = None
) -> Response:
    created = await app.responses.create(caller, body.to_domain())
    return ok(ResponseOut.of(created, with_schema=expand == "substitutionsSchema"))


@router.post("/query", response_model=ResponseQueryResults)
async def query_responses(body: ResponseQueryIn, app: ContainerDep, caller: CallerDep) -> Response:
    query = body.to_domain()
    found, total = await app.responses.query(caller, query)
    results = ResponseEntityList(
        entities=[ResponseOut.of(r) for r in found],
        page_size=query.page_size,
        page_number=query.page_number,
        total=total,
        page_count=page_count(total, query.page_size),
    )
    return ok(ResponseQueryResults(results=results))


@router.post("/preview", response_model=PreviewOut)
async def preview_draft(body: DraftPreviewIn, app: ContainerDep, caller: CallerDep) -> Response:
    """Renders an unsaved template (the editor's live preview) for a sample contact."""
    return ok(
        PreviewOut.of(await app.response_previews.of_draft(caller, body.template(), body.sample()))
    )


@router.get("/{response_id}", response_model=ResponseOut)
async def get_response(
    response_id: str, app: ContainerDep, caller: CallerDep, expand: Expand = None
) -> Response:
    found = await app.responses.get(caller, response_id)
    return ok(ResponseOut.of(found, with_schema=expand == "substitutionsSchema"))


@router.put("/{response_id}", response_model=ResponseOut)
async def update_response(
    response_id: str,
    body: ResponseIn,
    app: ContainerDep,
    caller: CallerDep,
    expand: Expand = None,
) -> Response:
    updated = await app.responses.update(
        caller, response_id, body.to_domain(), body.version, keep=body.left_out()
    )
    return ok(ResponseOut.of(updated, with_schema=expand == "substitutionsSchema"))


@router.delete("/{response_id}", status_code=204, response_class=Response)
async def delete_response(response_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.responses.delete(caller, response_id)
    return Response(status_code=204)


@router.post("/{response_id}/preview", response_model=PreviewOut)
async def preview_response(
    response_id: str, body: SavedPreviewIn, app: ContainerDep, caller: CallerDep
) -> Response:
    """Renders a saved response for a sample contact, inline or from a contact list."""
    sample = body.sample(body.substitutions)
    return ok(PreviewOut.of(await app.response_previews.of_saved(caller, response_id, sample)))
