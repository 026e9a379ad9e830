"""Interactions: every message (campaign or agentless, inbound or outbound) the user may read,
filtered, paged by keyset ("More" instead of page numbers: nothing is counted), with a
column chooser and the filtered view as CSV or PDF (the analytics service's exports)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response, StreamingResponse

from tidings.bootstrap import Container
from tidings.domain.analytics import MEDIA_TYPE, delivery_status
from tidings.domain.errors import MissingPermission
from tidings.domain.ids import utcnow
from tidings.domain.messages import Conversation
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.services.console_users import SignedIn
from tidings.web.interaction_filters import (
    CHANNELS,
    DIRECTIONS,
    STATUSES,
    InteractionFilters,
    cursor,
    parse_cursor,
)
from tidings.web.rendering import SECURITY_HEADERS, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/interactions"
PAGE_SIZE = 50  # conversations a page (most hold one message)
# The columns a user may hide (key, heading); keys are the CSV export's column names.
COLUMNS = (
    ("messageTime", "Time (UTC)"),
    ("direction", "Direction"),
    ("mediaType", "Channel"),
    ("addressFrom", "From"),
    ("addressTo", "To"),
    ("deliveryStatus", "Status"),
    ("deliveryStatusChangeDate", "Status changed (UTC)"),
    ("outboundCampaignId", "Campaign"),
    ("outboundContactListId", "Contact list"),
    ("outboundContactId", "Contact"),
    ("errorCode", "Error"),
    ("text", "Text"),
)


def _filters(
    start: Annotated[str, Query(max_length=10)] = "",
    end: Annotated[str, Query(max_length=10)] = "",
    channel: Annotated[str, Query(max_length=8)] = "",
    direction: Annotated[str, Query(max_length=10)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    campaign: Annotated[str, Query(max_length=64)] = "",
    contact_list: Annotated[str, Query(max_length=64)] = "",
    address: Annotated[str, Query(max_length=320)] = "",
    text: Annotated[str, Query(max_length=200)] = "",
) -> InteractionFilters:
    return InteractionFilters.checked(
        utcnow().date(),
        start=start,
        end=end,
        channel=channel,
        direction=direction,
        status=status,
        campaign=campaign,
        contact_list=contact_list,
        address=address,
        text=text,
    )


Filters = Annotated[InteractionFilters, Depends(_filters)]


async def _names(
    app: Container, user: SignedIn, shown: list[Conversation]
) -> tuple[dict[str, str], dict[str, str]]:
    """The campaigns and contact lists the user can see (id → name): the first hundred for
    the selects, and those of the rows shown (a name beats an id in a table)."""
    first = PageRequest(page_size=MAX_PAGE_SIZE)
    messages = [m for conversation in shown for m in conversation.messages]
    campaign_ids = sorted({m.campaign_id for m in messages if m.campaign_id})
    list_ids = sorted({m.contact_list_id for m in messages if m.contact_list_id})
    campaigns: dict[str, str] = {}
    lists: dict[str, str] = {}
    try:
        for ids in ((), campaign_ids):
            if ids or not campaigns:
                found, _ = await app.campaigns.find(user.caller, first, ids=ids)
                campaigns.update((c.id, c.name) for c in found)
    except MissingPermission:
        pass
    try:
        for ids in ((), list_ids):
            if ids or not lists:
                found_lists, _, _ = await app.contact_lists.find(user.caller, first, ids=ids)
                lists.update((c.id, c.name) for c in found_lists)
    except MissingPermission:
        pass
    return campaigns, lists


@router.get(BASE)
async def interactions(
    request: Request,
    user: User,
    filters: Filters,
    after: Annotated[str, Query(max_length=128)] = "",
) -> Response:
    app = container_of(request)
    found, following = await app.analytics.interactions(
        user.caller, filters.query(PAGE_SIZE), parse_cursor(after), PAGE_SIZE
    )
    campaigns, lists = await _names(app, user, found)
    return page(
        request,
        "interactions.html",
        filters=filters,
        conversations=found,
        next_link=filters.query_string(after=cursor(following)) if following else "",
        first_link=filters.query_string() if after else "",
        export_query=filters.query_string(),
        columns=COLUMNS,
        channels=CHANNELS,
        directions=DIRECTIONS,
        statuses=STATUSES,
        campaigns=campaigns,
        lists=lists,
        media_type=MEDIA_TYPE,
        delivery_status=delivery_status,
    )


@router.get(BASE + "/export.csv")
async def export_csv(
    request: Request,
    user: User,
    filters: Filters,
) -> Response:
    chunks = await container_of(request).analytics.export_csv(
        user.caller, filters.query(PAGE_SIZE), matching_messages=True
    )
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={**_attachment("csv"), **SECURITY_HEADERS},
    )


@router.get(BASE + "/export.pdf")
async def export_pdf(
    request: Request,
    user: User,
    filters: Filters,
) -> Response:
    content = await container_of(request).analytics.export_pdf(
        user.caller, filters.query(PAGE_SIZE), matching_messages=True
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={**_attachment("pdf"), **SECURITY_HEADERS},
    )


def _attachment(extension: str) -> dict[str, str]:
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return {"content-disposition": f'attachment; filename="interactions-{stamp}.{extension}"'}
