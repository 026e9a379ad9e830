"""Contact list exports: `POST/GET .../contactlists/{id}/export` and the signed download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from pydantic import Field
from starlette.responses import FileResponse, RedirectResponse, Response

from tidings.api import downloads
from tidings.api.deps import CallerDep, ContainerDep
from tidings.api.responses import ok
from tidings.api.schemas.common import ApiModel, DomainEntityRef, UtcDatetime
from tidings.api.schemas.contact_filters import CriteriaIn
from tidings.domain.errors import FieldProblem, InvalidInput, NotAllowed

router = APIRouter(tags=["Outbound"])

DOWNLOADS = "/downloads/exports"


class ContactsExportRequest(ApiModel):
    contact_list_filter_id: str | None = None
    criteria: CriteriaIn | None = None
    contact_ids: list[str] = Field(default_factory=list, max_length=10_000)


class ExportUri(ApiModel):
    uri: str
    export_timestamp: UtcDatetime


@router.post("/api/v2/outbound/contactlists/{list_id}/export", response_model=DomainEntityRef)
async def start_export(
    list_id: str,
    app: ContainerDep,
    caller: CallerDep,
    body: Annotated[ContactsExportRequest | None, Body()] = None,
) -> Response:
    request = body or ContactsExportRequest()
    if request.contact_list_filter_id and request.criteria:
        raise InvalidInput(
            "Send either contactListFilterId or criteria, not both",
            details=[FieldProblem("criteria", "invalid.value", "one of the two")],
        )
    export = await app.exports.start(
        caller,
        list_id,
        request.contact_ids,
        filter_id=request.contact_list_filter_id,
        criteria=request.criteria.to_domain() if request.criteria else None,
    )
    return ok(
        DomainEntityRef(id=export.id, self_uri=f"/api/v2/outbound/contactlists/{list_id}/export")
    )


@router.get(
    "/api/v2/outbound/contactlists/{list_id}/export",
    response_model=ExportUri,
    responses={303: {"description": "download=true: to the file"}},
)
async def latest_export(
    list_id: str,
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    download: Annotated[str, Query(max_length=5)] = "false",
) -> Response:
    export = await app.exports.latest(caller, list_id)
    path = f"{DOWNLOADS}/{export.id}"
    query = downloads.signed_query(app.download_key, path, app.settings.download_link_seconds)
    uri = f"{str(request.base_url).rstrip('/')}{path}?{query}"
    if download.lower() == "true":
        return RedirectResponse(uri, status_code=303)
    assert export.date_completed is not None
    return ok(ExportUri(uri=uri, export_timestamp=export.date_completed))


@router.get(
    DOWNLOADS + "/{export_id}",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def download_export(
    export_id: str,
    app: ContainerDep,
    expires: Annotated[int, Query(ge=0, le=2**62)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    if not downloads.valid(app.download_key, f"{DOWNLOADS}/{export_id}", expires, signature):
        raise NotAllowed("The download link is not valid or has expired; ask for a new one")
    path = await app.exports.file(export_id)
    return FileResponse(
        path, media_type="text/csv; charset=utf-8", filename=f"contacts-{export_id}.csv"
    )
