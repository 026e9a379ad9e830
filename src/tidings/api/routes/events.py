"""The dialer event log: `GET /api/v2/outbound/events` and `/events/{eventId}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, PageDep
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.events import EVENTS, DialerEventListing, EventLogOut
from tidings.domain.events import event_query

router = APIRouter(prefix=EVENTS, tags=["Outbound"])


@router.get("", response_model=DialerEventListing)
async def list_events(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: PageDep,
    filter_type: Annotated[str | None, Query(alias="filterType", max_length=32)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[str | None, Query(max_length=16)] = None,
    sort_by: Annotated[str | None, Query(alias="sortBy", max_length=32)] = None,
    sort_order: Annotated[str | None, Query(alias="sortOrder", max_length=16)] = None,
) -> Response:
    query = event_query(category, filter_type, level, sort_by, sort_order)
    found, total = await app.events.find(caller, page, query)
    return ok(envelope(request, page, [EventLogOut.of(e) for e in found], total))


@router.get("/{event_id}", response_model=EventLogOut)
async def get_event(event_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(EventLogOut.of(await app.events.get(caller, event_id)))
