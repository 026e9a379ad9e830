"""The dialer event log: what went wrong or is worth knowing in outbound work (imports
today), newest first, filtered by level and category."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tidings.domain.events import CATEGORIES, LEVELS, event_query
from tidings.web.forms import page_of, pages
from tidings.web.rendering import page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/events"


@router.get(BASE)
async def event_log(
    request: Request,
    user: User,
    level: Annotated[str, Query(max_length=16)] = "",
    category: Annotated[str, Query(max_length=64)] = "",
    page_number: int = 1,
) -> Response:
    query = event_query(category or None, None, level or None, None, None)
    found, total = await container_of(request).events.find(user.caller, page_of(page_number), query)
    kept = {name: value for name, value in (("level", level), ("category", category)) if value}
    return page(
        request,
        "events.html",
        events=found,
        total=total,
        level=query.level or "",
        category=query.category or "",
        levels=LEVELS,
        categories=sorted(CATEGORIES),
        page_number=page_number,
        page_count=pages(total),
        filter_query=urlencode(kept),
    )
