"""DNC lists: the list of lists, a new list, one list with its size, entries added or
removed by hand, and CSV uploads."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from tidings.domain.dnc import DncList
from tidings.domain.errors import NotFound
from tidings.domain.imports import ImportJob
from tidings.services.dnc_imports import DncImportOptions
from tidings.web.forms import divisions_for, names, page_of, pages
from tidings.web.rendering import SECURITY_HEADERS, allowed, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/dnc-lists"
UPLOAD = "/uploads/console/dnc-lists/{list_id}"
METHODS = ("Phone", "Email", "Any")


def _back(list_id: str) -> Response:
    return RedirectResponse(f"{BASE}/{list_id}", status_code=303, headers=SECURITY_HEADERS)


@router.get(BASE)
async def lists(request: Request, user: User, page_number: int = 1) -> Response:
    app = container_of(request)
    found, total, sizes = await app.dnc.find(user.caller, page_of(page_number), include_size=True)
    return page(
        request,
        "dnc_lists.html",
        lists=found,
        sizes=sizes,
        page_number=page_number,
        page_count=pages(total),
        can_add=allowed(user, "outbound:dncList:add"),
        divisions=await divisions_for(app, user, "outbound:dncList:add"),
        methods=METHODS,
    )


@router.post(BASE + "/new")
async def create_list(
    request: Request,
    user: User,
    name: Annotated[str, Form(max_length=256)],
    contact_method: Annotated[str, Form(max_length=16)] = "Phone",
    division_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    draft = DncList(id="", name=name, division_id=division_id, contact_method=contact_method)
    created = await container_of(request).dnc.create(user.caller, draft)
    return _back(created.id)


@router.get(BASE + "/{list_id}")
async def one_list(request: Request, user: User, list_id: str) -> Response:
    app = container_of(request)
    dnc_list, size = await app.dnc.get(user.caller, list_id, include_size=True)
    job: ImportJob | None
    try:
        job = await app.dnc_imports.status(user.caller, list_id)
    except NotFound:
        job = None
    return page(
        request,
        "dnc_list.html",
        dnc_list=dnc_list,
        size=size,
        job=job,
        kinds=[k for k in ("phone", "email") if dnc_list.takes(k)],
        can_edit=allowed(user, "outbound:dnc:edit"),
        can_upload=allowed(user, "outbound:dncList:upload"),
        upload_path=UPLOAD.format(list_id=list_id),
    )


@router.post(BASE + "/{list_id}/entries")
async def change_entries(
    request: Request,
    user: User,
    list_id: str,
    addresses: Annotated[str, Form(max_length=100_000)],
    kind: Annotated[str, Form(pattern="^(phone|email)$")] = "phone",
    action: Annotated[str, Form(pattern="^(Add|Remove)$")] = "Add",
) -> Response:
    """One address a line (or comma-separated); Add and Remove ask outbound:dnc:edit."""
    raw = names(addresses.replace("\n", ","))
    await container_of(request).dnc.patch(user.caller, list_id, kind, action, raw, None)
    return _back(list_id)


@router.post(UPLOAD)
async def upload(
    request: Request,
    user: User,
    list_id: str,
    file: Annotated[UploadFile, File()],
    phone_columns: Annotated[str, Form(max_length=4000)] = "",
    email_columns: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    imports = container_of(request).dnc_imports
    import_id = imports.new_import_id()
    path = imports.upload_path(import_id)
    await asyncio.to_thread(_save, file, path)
    options = DncImportOptions(tuple(names(phone_columns)), tuple(names(email_columns)))
    await imports.start(user.caller, list_id, import_id, path, options)
    return _back(list_id)


def _save(file: UploadFile, path: Path) -> None:
    with path.open("wb") as target:
        shutil.copyfileobj(file.file, target, 1024 * 1024)
