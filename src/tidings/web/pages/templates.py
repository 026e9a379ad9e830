"""Templates (Response Management): libraries and their responses, and an editor that
shows while typing what the SMS will cost (encoding, characters, segments, warnings) and a
preview rendered for a chosen contact, through the same preview service as the API."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from tidings.domain import sms_content
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.domain.responses import Library, ResponseText
from tidings.domain.responses import Response as Template
from tidings.services.console_users import SignedIn
from tidings.services.response_previews import SampleContact
from tidings.web.forms import divisions_for
from tidings.web.rendering import SECURITY_HEADERS, allowed, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/templates"
SMS, EMAIL = "CampaignSmsTemplate", "CampaignEmailTemplate"
ALL = PageRequest(page_size=MAX_PAGE_SIZE)


@router.get(BASE)
async def libraries(request: Request, user: User) -> Response:
    app = container_of(request)
    found, _ = await app.responses.find_libraries(user.caller, ALL)
    members = {
        lib.id: (await app.responses.in_library(user.caller, lib.id, ALL))[0] for lib in found
    }
    return page(
        request,
        "templates.html",
        libraries=found,
        members=members,
        can_add_library=allowed(user, "responses:library:add"),
        can_add=allowed(user, "responses:response:add"),
        divisions=await divisions_for(app, user, "responses:library:add"),
    )


@router.post(BASE + "/libraries")
async def create_library(
    request: Request,
    user: User,
    name: Annotated[str, Form(max_length=256)],
    division_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    draft = Library(id="", name=name, division_id=division_id or None)
    await container_of(request).responses.create_library(user.caller, draft)
    return RedirectResponse(BASE, status_code=303, headers=SECURITY_HEADERS)


async def _editor(request: Request, user: SignedIn, template: Template) -> Response:
    app = container_of(request)
    lists = (
        (await app.contact_lists.find(user.caller, ALL))[0]
        if allowed(user, "outbound:contactList:view")
        else []
    )
    found, _ = await app.responses.find_libraries(user.caller, ALL)
    return page(
        request, "template_editor.html", template=template, libraries=found, contact_lists=lists
    )


@router.get(BASE + "/new")
async def new_template(request: Request, user: User, library_id: str = "") -> Response:
    user.caller.access.require("responses:response:add")
    draft = Template(id="", name="", library_ids=[library_id], texts=[], response_type=SMS)
    return await _editor(request, user, draft)


@router.get(BASE + "/{response_id}")
async def edit_template(request: Request, user: User, response_id: str) -> Response:
    found = await container_of(request).responses.get(user.caller, response_id)
    return await _editor(request, user, found)


def _draft(name: str, library_id: str, kind: str, body: str, subject: str) -> Template:
    if kind == EMAIL:
        texts = [ResponseText(subject, "text/plain", "subject"), ResponseText(body, "text/html")]
    else:
        texts = [ResponseText(body, "text/plain")]
    return Template(id="", name=name, library_ids=[library_id], texts=texts, response_type=kind)


@router.post(BASE + "/save")
async def save(
    request: Request,
    user: User,
    name: Annotated[str, Form(max_length=256)],
    library_id: Annotated[str, Form(max_length=36)],
    body: Annotated[str, Form(max_length=100_000)],
    response_type: Annotated[str, Form(pattern=f"^({SMS}|{EMAIL})$")] = SMS,
    subject: Annotated[str, Form(max_length=1000)] = "",
    response_id: Annotated[str, Form(max_length=36)] = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    responses = container_of(request).responses
    draft = _draft(name, library_id, response_type, body, subject)
    if response_id:
        # The form shows the first library, the texts and the type: what else the response
        # has (set through the API) stays, its other libraries and substitutions' defaults.
        found = await responses.get(user.caller, response_id)
        others = [i for i in found.library_ids[1:] if i != library_id]
        draft = replace(
            draft,
            library_ids=[library_id, *others],
            substitutions=found.substitutions,
            interaction_type=found.interaction_type,
        )
        saved = await responses.update(user.caller, response_id, draft, version)
    else:
        saved = await responses.create(user.caller, draft)
    return RedirectResponse(f"{BASE}/{saved.id}", status_code=303, headers=SECURITY_HEADERS)


class Analysis(BaseModel):
    body: str = Field(max_length=100_000)
    subject: str = Field(default="", max_length=1000)
    response_type: str = SMS
    contact_list_id: str = Field(default="", max_length=36)
    contact_id: str = Field(default="", max_length=256)


@router.post(BASE + "/analysis")
async def analysis(request: Request, user: User, asked: Analysis) -> Response:
    """What the editor shows while typing (the script posts the text as it changes)."""
    kind = EMAIL if asked.response_type == EMAIL else SMS
    result: dict[str, Any] = {"template": None, "preview": None, "warnings": []}
    if kind == SMS:
        size = sms_content.size(asked.body)
        result["template"] = {
            "encoding": size.encoding,
            "characters": size.characters,
            "segments": size.segments,
        }
    if asked.body.strip():
        sample = (
            SampleContact(contact_list_id=asked.contact_list_id, contact_id=asked.contact_id)
            if asked.contact_list_id and asked.contact_id
            else SampleContact(data={})
        )
        draft = _draft("draft", "", kind, asked.body, asked.subject or " ")
        draft.library_ids = []
        shown = await container_of(request).response_previews.of_draft(user.caller, draft, sample)
        result["preview"] = {
            "body": shown.body,
            "subject": shown.subject if kind == EMAIL else None,
            "sms": None
            if shown.sms is None
            else {
                "encoding": shown.sms.encoding,
                "characters": shown.sms.character_count,
                "segments": shown.sms.segment_count,
            },
        }
        result["warnings"] = [{"code": w.code, "message": w.message} for w in shown.warnings]
    return Response(orjson.dumps(result), media_type="application/json")
