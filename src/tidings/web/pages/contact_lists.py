"""Contact lists: the list of lists, a new list, one list with its contacts, its CSV upload
(with progress over server-sent events), the rejects file and the export."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import orjson
from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from tidings.domain.contact_lists import AddressColumn, ContactList
from tidings.domain.errors import NotFound
from tidings.domain.imports import IN_PROGRESS, ImportJob
from tidings.services.contact_imports import ImportOptions
from tidings.web.forms import divisions_for, names, page_of, pages
from tidings.web.rendering import SECURITY_HEADERS, allowed, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/contact-lists"
# CSV uploads live under /uploads/: the body-size limit of files applies to them.
UPLOAD = "/uploads/console/contact-lists/{list_id}"


@router.get(BASE)
async def lists(request: Request, user: User, page_number: int = 1) -> Response:
    app = container_of(request)
    found, total, sizes = await app.contact_lists.find(
        user.caller, page_of(page_number), include_size=True
    )
    return page(
        request,
        "contact_lists.html",
        lists=found,
        sizes=sizes,
        page_number=page_number,
        page_count=pages(total),
        can_add=allowed(user, "outbound:contactList:add"),
    )


@router.get(BASE + "/new")
async def new_list(request: Request, user: User) -> Response:
    user.caller.access.require("outbound:contactList:add")
    app = container_of(request)
    divisions = await divisions_for(app, user, "outbound:contactList:add")
    return page(request, "contact_list_new.html", divisions=divisions)


@router.post(BASE + "/new")
async def create_list(
    request: Request,
    user: User,
    name: Annotated[str, Form(max_length=256)],
    columns: Annotated[str, Form(max_length=4000)],
    phone_columns: Annotated[str, Form(max_length=4000)] = "",
    email_columns: Annotated[str, Form(max_length=4000)] = "",
    division_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    draft = ContactList(
        id="",
        name=name,
        division_id=division_id or "",
        column_names=names(columns),
        phone_columns=[AddressColumn(c, "cell") for c in names(phone_columns)],
        email_columns=[AddressColumn(c, "personal") for c in names(email_columns)],
    )
    created = await container_of(request).contact_lists.create(user.caller, draft)
    return RedirectResponse(f"{BASE}/{created.id}", status_code=303, headers=SECURITY_HEADERS)


@router.get(BASE + "/{list_id}")
async def one_list(request: Request, user: User, list_id: str, page_number: int = 1) -> Response:
    app = container_of(request)
    contact_list, size = await app.contact_lists.get(user.caller, list_id, include_size=True)
    can_browse = allowed(user, "outbound:contact:view")
    contacts, total = (
        await app.contact_filters.search(user.caller, list_id, page_of(page_number))
        if can_browse
        else ([], 0)
    )
    job = await _latest_import(request, user, list_id)
    return page(
        request,
        "contact_list.html",
        contact_list=contact_list,
        size=size,
        contacts=contacts,
        can_browse=can_browse,
        page_number=page_number,
        page_count=pages(total),
        job=job,
        can_upload=allowed(user, "outbound:contactList:upload"),
        upload_path=UPLOAD.format(list_id=list_id),
    )


async def _latest_import(request: Request, user: User, list_id: str) -> ImportJob | None:
    try:
        return await container_of(request).imports.status(user.caller, list_id)
    except NotFound:
        return None


@router.post(UPLOAD)
async def upload(
    request: Request,
    user: User,
    list_id: str,
    file: Annotated[UploadFile, File()],
    contact_id_name: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Starts the import; a script asking for JSON gets the job, a plain form the page."""
    imports = container_of(request).imports
    import_id = imports.new_import_id()
    path = imports.upload_path(import_id)
    await asyncio.to_thread(_save, file, path)
    options = ImportOptions(contact_id_name.strip() or None, False)
    job = await imports.start(user.caller, list_id, import_id, path, options)
    if "application/json" in request.headers.get("accept", ""):
        return Response(orjson.dumps(_progress(job)), media_type="application/json")
    return RedirectResponse(f"{BASE}/{list_id}", status_code=303, headers=SECURITY_HEADERS)


def _save(file: UploadFile, path: Path) -> None:
    with path.open("wb") as target:
        shutil.copyfileobj(file.file, target, 1024 * 1024)


def _progress(job: ImportJob) -> dict[str, object]:
    return {
        "id": job.id,
        "state": job.state,
        "percent": job.percent_complete,
        "completed": job.completed_records,
        "total": job.total_records,
        "imported": job.imported,
        "rejected": job.rejected,
        "failure": job.failure_reason,
    }


@router.get(BASE + "/{list_id}/import-progress")
async def import_progress(request: Request, user: User, list_id: str) -> Response:
    """Server-sent events: the import's progress twice a second until it ends."""
    imports = container_of(request).imports
    await imports.status(user.caller, list_id)  # 403/404 before the stream starts

    async def events() -> AsyncIterator[bytes]:
        while True:
            job = await imports.status(user.caller, list_id)
            yield b"data: " + orjson.dumps(_progress(job)) + b"\n\n"
            if job.state != IN_PROGRESS or await request.is_disconnected():
                return
            await asyncio.sleep(0.5)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


@router.get(BASE + "/{list_id}/rejects.csv")
async def rejects(request: Request, user: User, list_id: str) -> Response:
    imports = container_of(request).imports
    job = await imports.status(user.caller, list_id)
    path = imports.rejects_path(job)
    if path is None:
        raise NotFound("Rejects file of contact list", list_id)
    return FileResponse(path, media_type="text/csv", filename=f"rejects-{list_id}.csv")


@router.post(BASE + "/{list_id}/export")
async def start_export(request: Request, user: User, list_id: str) -> Response:
    await container_of(request).exports.start(user.caller, list_id)
    return RedirectResponse(f"{BASE}/{list_id}?exporting=1", status_code=303)


@router.get(BASE + "/{list_id}/export.csv")
async def download_export(request: Request, user: User, list_id: str) -> Response:
    exports = container_of(request).exports
    latest = await exports.latest(user.caller, list_id)
    path = await exports.file(latest.id)
    return FileResponse(path, media_type="text/csv", filename=f"contacts-{list_id}.csv")
