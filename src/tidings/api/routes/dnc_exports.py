"""DNC list exports: `POST/GET /api/v2/outbound/dnclists/{id}/export` and the signed
download of the file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from tidings.api import downloads
from tidings.api.deps import CallerDep, ContainerDep
from tidings.api.responses import ok
from tidings.api.routes.exports import ExportUri
from tidings.api.schemas.common import DomainEntityRef
from tidings.api.schemas.dnc import DNC_LISTS

router = APIRouter(tags=["Outbound"])

DOWNLOADS = "/downloads/dncexports"


@router.post(DNC_LISTS + "/{list_id}/export", response_model=DomainEntityRef)
async def start_dnc_export(list_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    """Starts writing the list's entries to a file; `GET .../export` gives it once written."""
    export_id = await app.dnc_exports.start(caller, list_id)
    return ok(DomainEntityRef(id=export_id, self_uri=f"{DNC_LISTS}/{list_id}/export"))


@router.get(
    DNC_LISTS + "/{list_id}/export",
    response_model=ExportUri,
    responses={303: {"description": "download=true: to the file"}},
)
async def latest_dnc_export(
    list_id: str,
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    download: Annotated[str, Query(max_length=5)] = "false",
) -> Response:
    export_id, written = await app.dnc_exports.latest(caller, list_id)
    uri = downloads.signed_url(
        str(request.base_url),
        app.download_key,
        f"{DOWNLOADS}/{list_id}/{export_id}",
        app.settings.download_link_seconds,
    )
    if download.lower() == "true":
        return RedirectResponse(uri, status_code=303)
    return ok(ExportUri(uri=uri, export_timestamp=written))


@router.get(
    DOWNLOADS + "/{list_id}/{export_id}",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def download_dnc_export(
    list_id: str,
    export_id: str,
    app: ContainerDep,
    expires: Annotated[int, Query(ge=0, le=2**62)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    path = f"{DOWNLOADS}/{list_id}/{export_id}"
    downloads.require_valid(app.download_key, path, expires, signature)
    found = await app.dnc_exports.file(list_id, export_id)
    return FileResponse(
        found, media_type="text/csv; charset=utf-8", filename=f"dnc-{export_id}.csv"
    )
