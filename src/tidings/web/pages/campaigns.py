"""Messaging campaigns: the dashboard (every visible campaign with its switch and a progress
bar that moves live over one server-sent event stream for the page), and the form that
creates or changes a campaign, with the service's problems shown next to their fields."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from tidings.bootstrap import Container
from tidings.domain import campaigns as c
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.services.console_users import SignedIn
from tidings.web.campaign_feed import CampaignFeed
from tidings.web.campaign_form import EMAIL, CampaignForm, problems_by_field
from tidings.web.campaign_options import choices
from tidings.web.forms import divisions_for, page_of, pages
from tidings.web.rendering import SECURITY_HEADERS, allowed, allowed_any, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import SESSION_COOKIE, User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/campaigns"
# Either permission opens every campaign page, as it opens the API's messagingcampaigns
# routes (genesys-api.md §5: "ANY of"); the service checks the same pair.
ADD = ("outbound:messagingCampaign:add", "outbound:emailCampaign:add")
TICK_SECONDS = 1.0
# A stream ends after this long; the browser's EventSource then opens a new one, so a page
# left open does not hold one response forever (and a restart is never kept waiting).
STREAM_SECONDS = 120.0


def live(campaign: c.Campaign, progress: c.Progress) -> dict[str, Any]:
    """A campaign's row as the dashboard script updates it."""
    return {
        "id": campaign.id,
        "status": campaign.status,
        "running": campaign.running,
        "total": progress.total,
        "processed": progress.processed,
        "percent": progress.percentage,
        "messaged": progress.messaged,
        "skipped": progress.processed - progress.messaged,
        "errors": [f"{e.error}: {e.details}" if e.details else e.error for e in campaign.errors],
    }


@router.get(BASE)
async def dashboard(request: Request, user: User, page_number: int = 1) -> Response:
    app = container_of(request)
    found, total = await app.campaigns.find(user.caller, page_of(page_number))
    rows = await app.campaigns.snapshot(user.caller, [f.id for f in found])
    return page(
        request,
        "campaigns.html",
        rows=[(campaign, live(campaign, progress)) for campaign, progress in rows],
        list_names=await _list_names(app, user, {f.contact_list_id for f in found}),
        division_names=await _division_names(app, user, {f.division_id for f in found}),
        page_number=page_number,
        page_count=pages(total),
        can_add=allowed_any(user, ADD),
    )


async def _list_names(app: Container, user: SignedIn, ids: set[str]) -> dict[str, str]:
    if not ids or not allowed(user, "outbound:contactList:view"):
        return {}
    found, _, _ = await app.contact_lists.find(
        user.caller, PageRequest(page_size=MAX_PAGE_SIZE), ids=sorted(ids)
    )
    return {item.id: item.name for item in found}


async def _division_names(app: Container, user: SignedIn, ids: set[str]) -> dict[str, str]:
    if not ids or not allowed(user, "authorization:division:view"):
        return {}
    found, _ = await app.divisions.list(
        user.caller, PageRequest(page_size=MAX_PAGE_SIZE), ids=sorted(ids)
    )
    return {item.id: item.name for item in found}


@router.get(BASE + "/live")
async def live_progress(
    request: Request, user: User, ids: Annotated[list[str], Query(alias="id")]
) -> Response:
    """Server-sent events: the progress of the page's campaigns every second, until none of
    them runs (the script opens the stream again when the user switches one on). Every open
    dashboard of the process reads the same snapshot (see campaign_feed)."""
    app = container_of(request)
    wanted = list(dict.fromkeys(ids))[:MAX_PAGE_SIZE]
    first = await app.campaigns.snapshot(user.caller, wanted)  # 403 before the stream starts
    token = request.cookies.get(SESSION_COOKIE, "")

    async def events() -> AsyncIterator[bytes]:
        rows = first
        ends = time.monotonic() + STREAM_SECONDS
        # Each tick checks the session again: signing out (or a disabled user, or a grant
        # taken away) ends the stream at once, as it ends every page.
        updates = feed_of(request).follow(token, wanted)
        try:
            while True:
                yield b"data: " + orjson.dumps([live(*row) for row in rows]) + b"\n\n"
                if not any(campaign.running for campaign, _ in rows):
                    yield b"event: end\ndata: {}\n\n"
                    return
                if time.monotonic() >= ends or await request.is_disconnected():
                    return
                found = await anext(updates, None)
                if found is None:
                    return
                rows = found
        finally:
            await updates.aclose()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


def feed_of(request: Request) -> CampaignFeed:
    """The process's one feed (made on first use, with the application it serves)."""
    state = request.app.state
    feed: CampaignFeed | None = getattr(state, "campaign_feed", None)
    if feed is None:
        feed = state.campaign_feed = CampaignFeed(container_of(request), TICK_SECONDS)
    return feed


@router.post(BASE + "/{campaign_id}/switch")
async def switch(
    request: Request,
    user: User,
    campaign_id: str,
    state: Annotated[str, Form(pattern="^(on|off)$")],
) -> Response:
    """The on/off switch: a script asking for JSON gets the row, a plain form the page."""
    campaigns = container_of(request).campaigns
    await campaigns.switch(user.caller, campaign_id, state)
    if "application/json" in request.headers.get("accept", ""):
        [row] = await campaigns.snapshot(user.caller, [campaign_id])
        return Response(orjson.dumps(live(*row)), media_type="application/json")
    return RedirectResponse(BASE, status_code=303, headers=SECURITY_HEADERS)


async def _form_page(
    request: Request,
    user: SignedIn,
    form: CampaignForm,
    campaign: c.Campaign | None = None,
    problems: list[FieldProblem] = (),  # type: ignore[assignment]
    message: str = "",
) -> Response:
    app = container_of(request)
    return page(
        request,
        "campaign_form.html",
        400 if problems or message else 200,
        form=form,
        campaign=campaign,
        problems=problems_by_field(list(problems)),
        message=message,
        options=await choices(app, user),
        divisions=await divisions_for(app, user, *ADD) if campaign is None else [],
    )


@router.get(BASE + "/new")
async def new_campaign(request: Request, user: User) -> Response:
    user.caller.access.require(*ADD)
    # A user who may make only e-mail campaigns starts on the e-mail fields.
    sms_too = allowed(user, "outbound:messagingCampaign:add")
    return await _form_page(
        request, user, CampaignForm() if sms_too else CampaignForm(channel=EMAIL)
    )


@router.post(BASE + "/new")
async def create_campaign(request: Request, user: User) -> Response:
    form = CampaignForm.posted(await request.form())
    if problems := form.own_problems():
        return await _form_page(request, user, form, problems=problems)
    try:
        created = await container_of(request).campaigns.create(user.caller, form.draft())
    except InvalidInput as exc:
        return await _form_page(request, user, form, problems=exc.details, message=exc.message)
    target = f"{BASE}?created={created.id}"
    return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)


@router.get(BASE + "/{campaign_id}/edit")
async def edit_campaign(request: Request, user: User, campaign_id: str) -> Response:
    found = await container_of(request).campaigns.get(user.caller, campaign_id, "edit")
    return await _form_page(request, user, CampaignForm.of(found), found)


@router.post(BASE + "/{campaign_id}/edit")
async def update_campaign(request: Request, user: User, campaign_id: str) -> Response:
    campaigns = container_of(request).campaigns
    current = await campaigns.get(user.caller, campaign_id, "edit")
    form = CampaignForm.posted(await request.form())
    if problems := form.own_problems():
        return await _form_page(request, user, form, current, problems)
    draft = _keeping(current, form.draft(c.ON if current.status == c.ON else c.OFF))
    try:
        await campaigns.update(user.caller, campaign_id, draft, form.version or None)
    except InvalidInput as exc:
        return await _form_page(request, user, form, current, exc.details, exc.message)
    return RedirectResponse(BASE, status_code=303, headers=SECURITY_HEADERS)


def _keeping(current: c.Campaign, draft: c.Campaign) -> c.Campaign:
    """What the form does not show stays as it was (its division, sorts, reply-to)."""
    email = draft.email_config
    if email is not None and current.email_config is not None:
        email = replace(email, reply_to=current.email_config.reply_to)
    return replace(
        draft,
        division_id=current.division_id,
        contact_sorts=current.contact_sorts,
        email_config=email,
    )
