"""CSV uploads into contact lists: the multipart upload Genesys' tools use, the upload URL
of the current API, the import status and the rejects file."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import IO, Annotated

from fastapi import APIRouter, Query, Request
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, Response

from tidings.api import downloads
from tidings.api.deps import CallerDep, ContainerDep
from tidings.api.responses import ok
from tidings.api.schemas.imports import (
    ContactListUploadUrlRequest,
    ImportStatusOut,
    UploadUrlResponse,
)
from tidings.bootstrap import Container
from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, NotAllowed
from tidings.domain.imports import ContactImport
from tidings.services.contact_imports import UPLOAD, ImportOptions

router = APIRouter(tags=["Outbound"])

REJECTS = "/downloads/imports"
FILES = "/uploads/v2/files"
_CHUNK = 1 << 20


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def status_of(request: Request, app: Container, job: ContactImport) -> ImportStatusOut:
    """The status, with a signed link to the rejects file when there is one."""
    uri = None
    if job.rejected and job.state == "COMPLETE":
        path = f"{REJECTS}/{job.id}"
        query = downloads.signed_query(app.download_key, path, app.settings.download_link_seconds)
        uri = f"{_base(request)}{path}?{query}"
    return ImportStatusOut.of(job, uri)


@router.post(
    "/uploads/v2/contactlist",
    response_model=ImportStatusOut,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["id", "file"],
                        "properties": {
                            "id": {"type": "string"},
                            "file": {"type": "string", "format": "binary"},
                            "fileType": {"type": "string", "enum": ["contactlist"]},
                            "contact-id-name": {"type": "string"},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def upload_contact_list(request: Request, app: ContainerDep, caller: CallerDep) -> Response:
    """Multipart `id`, `file`, `fileType` (`contactlist`), `contact-id-name`. The import
    runs in the background; `GET .../importstatus` follows it."""
    caller.access.require(UPLOAD)  # before reading a file the caller may not send
    async with request.form(max_files=1, max_fields=10) as form:
        list_id = _field(form.get("id"), "id", required=True) or ""
        file_type = _field(form.get("fileType"), "fileType") or "contactlist"
        if file_type != "contactlist":
            raise InvalidInput(
                "fileType must be contactlist here",
                details=[FieldProblem("fileType", "invalid.value", "contactlist")],
            )
        contact_id = _field(form.get("contact-id-name"), "contact-id-name")
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput(
                "The form needs the CSV in its `file` field",
                details=[FieldProblem("file", "required", "a file")],
            )
        import_id = app.imports.new_import_id()
        target = app.imports.upload_path(import_id)
        await asyncio.to_thread(_copy, upload.file, target)
    job = await app.imports.start(
        caller, list_id, import_id, target, ImportOptions(contact_id_column=contact_id)
    )
    return ok(status_of(request, app, job))


def _field(value: object, name: str, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidInput(
                f"The form needs `{name}`", details=[FieldProblem(name, "required", "missing")]
            )
        return None
    if not isinstance(value, str) or len(value) > 256 or "\x00" in value:
        raise InvalidInput(
            f"`{name}` must be a short text", details=[FieldProblem(name, "invalid.value", name)]
        )
    return value


def _copy(source: IO[bytes], target: Path) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


@router.post("/api/v2/outbound/contactlists/uploads", response_model=UploadUrlResponse)
async def contact_list_upload_url(
    body: ContactListUploadUrlRequest, request: Request, app: ContainerDep, caller: CallerDep
) -> Response:
    """An upload URL on this server: PUT the CSV to it (with the headers given) and the
    import starts."""
    unsupported = [
        name
        for name, value in (
            ("importTemplateId", body.import_template_id),
            ("listNamePrefix", body.list_name_prefix),
            ("divisionIdForTargetContactLists", body.division_id_for_target_contact_lists),
            ("fileSpecificationTemplateId", body.file_specification_template_id),
        )
        if value
    ]
    if unsupported:
        raise InvalidInput(
            "Import templates and file specification templates are not supported; "
            "upload into an existing contact list (`id`)",
            details=[FieldProblem(n, "not.supported", "not supported") for n in unsupported],
        )
    options = ImportOptions(body.contact_id_name, body.clear_system_data)
    job = await app.imports.prepare_upload(caller, body.id, options)
    path = f"{FILES}/{job.id}"
    query = downloads.signed_query(app.download_key, path, body.signed_url_timeout_seconds)
    return ok(
        UploadUrlResponse(
            url=f"{_base(request)}{path}?{query}",
            upload_key=job.id,
            headers={"Content-Type": body.content_type},
        )
    )


@router.put(FILES + "/{import_id}", response_model=ImportStatusOut)
async def put_upload(
    import_id: str,
    request: Request,
    app: ContainerDep,
    expires: Annotated[int, Query(ge=0, le=2**62)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    """The file of an upload URL (the body is the CSV as it is)."""
    if not downloads.valid(app.download_key, f"{FILES}/{import_id}", expires, signature):
        raise NotAllowed("The upload URL is not valid or has expired; ask for a new one")
    await app.imports.awaiting(import_id)
    target = app.imports.upload_path(import_id)
    try:
        out = target.open("xb")  # a second PUT racing the first must not write into it
    except FileExistsError as exc:
        raise Conflict("A file is being uploaded to this URL already") from exc
    with out:
        async for chunk in request.stream():
            if chunk:
                await asyncio.to_thread(out.write, chunk)
    job = await app.imports.receive_upload(import_id, target)
    return ok(status_of(request, app, job))


@router.get("/api/v2/outbound/contactlists/{list_id}/importstatus", response_model=ImportStatusOut)
async def import_status(
    list_id: str, request: Request, app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(status_of(request, app, await app.imports.status(caller, list_id)))


@router.get(
    REJECTS + "/{import_id}",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def download_rejects(
    import_id: str,
    app: ContainerDep,
    expires: Annotated[int, Query(ge=0, le=2**62)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    if not downloads.valid(app.download_key, f"{REJECTS}/{import_id}", expires, signature):
        raise NotAllowed("The download link is not valid or has expired; ask for a new one")
    path = await app.imports.rejects_file(import_id)
    return FileResponse(
        path, media_type="text/csv; charset=utf-8", filename=f"rejects-{import_id}.csv"
    )
