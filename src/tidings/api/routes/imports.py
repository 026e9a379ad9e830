"""CSV uploads into contact lists and DNC lists: the multipart upload Genesys' tools use,
the upload URLs of the current API, the import status and the rejects file."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import FileResponse, Response

from tidings.api import downloads
from tidings.api.deps import CallerDep, ContainerDep
from tidings.api.responses import ok
from tidings.api.schemas.dnc import parse_expiration
from tidings.api.schemas.imports import (
    ContactListUploadUrlRequest,
    DncListUploadUrlRequest,
    ImportStatusOut,
    UploadUrlResponse,
)
from tidings.bootstrap import Container
from tidings.domain.dnc_imports import column_names
from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tidings.domain.imports import COMPLETE, ImportJob
from tidings.services.contact_imports import UPLOAD, ImportOptions
from tidings.services.dnc_imports import UPLOAD as DNC_UPLOAD
from tidings.services.dnc_imports import DncImportOptions
from tidings.services.imports import ListImports

router = APIRouter(tags=["Outbound"])

REJECTS = "/downloads/imports"
FILES = "/uploads/v2/files"
_CHUNK = 1 << 20
AnyImports = ListImports[Any, Any, Any, Any]


def _link(request: Request, app: Container, path: str, seconds: int | None = None) -> str:
    lifetime = app.settings.download_link_seconds if seconds is None else seconds
    return downloads.signed_url(str(request.base_url), app.download_key, path, lifetime)


def status_of(request: Request, app: Container, job: ImportJob) -> ImportStatusOut:
    """The status, with a signed link to the rejects file when there is one."""
    uri = None
    if job.rejected and job.state == COMPLETE:
        uri = _link(request, app, f"{REJECTS}/{job.id}")
    return ImportStatusOut.of(job, uri)


async def import_statuses(
    request: Request, app: Container, imports: AnyImports, list_ids: list[str], wanted: bool
) -> dict[str, ImportStatusOut]:
    """Genesys shows `importStatus` only while an import runs (or after one failed)."""
    if not wanted or not list_ids:
        return {}
    found = await imports.statuses(list_ids)
    return {list_id: status_of(request, app, job) for list_id, job in found.items()}


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
                            "fileType": {"type": "string", "enum": ["contactlist", "dnclist"]},
                            "contact-id-name": {"type": "string"},
                            "phoneColumns": {"type": "string"},
                            "emailColumns": {"type": "string"},
                            "expirationDateTime": {"type": "string"},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def upload_contact_list(request: Request, app: ContainerDep, caller: CallerDep) -> Response:
    """Multipart `id`, `file`, `fileType`: `contactlist` (with `contact-id-name`) or
    `dnclist` (with `phoneColumns`, `emailColumns`, `expirationDateTime`), into the list
    `id`. The import runs in the background; `GET .../importstatus` follows it."""
    caller.access.require(UPLOAD, DNC_UPLOAD)  # before reading a file the caller may not send
    async with request.form(max_files=1, max_fields=10) as form:
        list_id = _field(form, "id", required=True) or ""
        imports, options = _kind(app, form)
        caller.access.require(imports.UPLOAD)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput(
                "The form needs the CSV in its `file` field",
                details=[FieldProblem("file", "required", "a file")],
            )
        import_id = imports.new_import_id()
        target = imports.upload_path(import_id)
        await asyncio.to_thread(_copy, upload.file, target)
    job = await imports.start(caller, list_id, import_id, target, options)
    return ok(status_of(request, app, job))


def _kind(app: Container, form: FormData) -> tuple[AnyImports, object]:
    """The imports the form's `fileType` names, and the options it gives them."""
    file_type = _field(form, "fileType") or "contactlist"
    if file_type == "contactlist":
        return app.imports, ImportOptions(contact_id_column=_field(form, "contact-id-name"))
    if file_type == "dnclist":
        options = DncImportOptions(
            tuple(column_names(_field(form, "phoneColumns", 4096))),
            tuple(column_names(_field(form, "emailColumns", 4096))),
            parse_expiration(_field(form, "expirationDateTime")),
        )
        return app.dnc_imports, options
    raise InvalidInput(
        "fileType must be contactlist or dnclist",
        details=[FieldProblem("fileType", "invalid.value", "contactlist or dnclist")],
    )


def _field(form: FormData, name: str, longest: int = 256, *, required: bool = False) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(
                f"The form needs `{name}`", details=[FieldProblem(name, "required", "missing")]
            )
        return None
    if not isinstance(value, str) or len(value) > longest or "\x00" in value:
        raise InvalidInput(
            f"`{name}` must be a short text", details=[FieldProblem(name, "invalid.value", name)]
        )
    return value


def _copy(source: IO[bytes], target: Path) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


def _refuse(message: str, fields: tuple[tuple[str, object], ...]) -> None:
    unsupported = [name for name, value in fields if value]
    if unsupported:
        raise InvalidInput(
            message,
            details=[FieldProblem(n, "not.supported", "not supported") for n in unsupported],
        )


def _upload_url(
    request: Request, app: Container, job: ImportJob, seconds: int, content_type: str
) -> UploadUrlResponse:
    return UploadUrlResponse(
        url=_link(request, app, f"{FILES}/{job.id}", seconds),
        upload_key=job.id,
        headers={"Content-Type": content_type},
    )


@router.post("/api/v2/outbound/contactlists/uploads", response_model=UploadUrlResponse)
async def contact_list_upload_url(
    body: ContactListUploadUrlRequest, request: Request, app: ContainerDep, caller: CallerDep
) -> Response:
    """An upload URL on this server: PUT the CSV to it (with the headers given) and the
    import starts."""
    _refuse(
        "Import templates and file specification templates are not supported; "
        "upload into an existing contact list (`id`)",
        (
            ("importTemplateId", body.import_template_id),
            ("listNamePrefix", body.list_name_prefix),
            ("divisionIdForTargetContactLists", body.division_id_for_target_contact_lists),
            ("fileSpecificationTemplateId", body.file_specification_template_id),
        ),
    )
    options = ImportOptions(body.contact_id_name, body.clear_system_data)
    job = await app.imports.prepare_upload(caller, body.id, options)
    return ok(_upload_url(request, app, job, body.signed_url_timeout_seconds, body.content_type))


@router.post("/api/v2/outbound/dnclists/uploads", response_model=UploadUrlResponse)
async def dnc_list_upload_url(
    body: DncListUploadUrlRequest, request: Request, app: ContainerDep, caller: CallerDep
) -> Response:
    """An upload URL on this server for a CSV of numbers or addresses (`phoneColumns`,
    `emailColumns` name its columns)."""
    _refuse(
        "Custom exclusion, WhatsApp and per-row expiration columns are not supported",
        (
            ("customExclusionColumns", body.custom_exclusion_columns),
            ("expirationDateTimeColumn", body.expiration_date_time_column),
            ("whatsAppColumns", body.whats_app_columns),
        ),
    )
    options = DncImportOptions(
        tuple(column_names(body.phone_columns)), tuple(column_names(body.email_columns))
    )
    job = await app.dnc_imports.prepare_upload(caller, body.id, options)
    return ok(_upload_url(request, app, job, body.signed_url_timeout_seconds, body.content_type))


@router.put(FILES + "/{import_id}", response_model=ImportStatusOut)
async def put_upload(
    import_id: str,
    request: Request,
    app: ContainerDep,
    expires: Annotated[int, Query(ge=0, le=2**62)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    """The file of an upload URL (the body is the CSV as it is)."""
    downloads.require_valid(app.download_key, f"{FILES}/{import_id}", expires, signature)
    imports = await _waiting(app, import_id)
    target = imports.upload_path(import_id)
    try:
        out = target.open("xb")  # a second PUT racing the first must not write into it
    except FileExistsError as exc:
        raise Conflict("A file is being uploaded to this URL already") from exc
    with out:
        async for chunk in request.stream():
            if chunk:
                await asyncio.to_thread(out.write, chunk)
    job = await imports.receive_upload(import_id, target)
    return ok(status_of(request, app, job))


async def _waiting(app: Container, import_id: str) -> AnyImports:
    """The imports (of contact lists or of DNC lists) that wait for this file."""
    kinds: tuple[AnyImports, ...] = (app.imports, app.dnc_imports)
    for imports in kinds:
        if await imports.awaits_file(import_id):
            return imports
    raise NotFound("Upload", import_id)


@router.get("/api/v2/outbound/contactlists/{list_id}/importstatus", response_model=ImportStatusOut)
async def import_status(
    list_id: str, request: Request, app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(status_of(request, app, await app.imports.status(caller, list_id)))


@router.get("/api/v2/outbound/dnclists/{list_id}/importstatus", response_model=ImportStatusOut)
async def dnc_import_status(
    list_id: str, request: Request, app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(status_of(request, app, await app.dnc_imports.status(caller, list_id)))


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
    downloads.require_valid(app.download_key, f"{REJECTS}/{import_id}", expires, signature)
    kinds: tuple[AnyImports, ...] = (app.imports, app.dnc_imports)
    for imports in kinds:
        path = await imports.rejects_file(import_id)
        if path is not None:
            return FileResponse(
                path, media_type="text/csv; charset=utf-8", filename=f"rejects-{import_id}.csv"
            )
    raise NotFound("Rejects file", import_id)
