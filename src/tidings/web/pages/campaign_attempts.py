"""A campaign's attempt history: keyset pages (next starts after the last row shown, so
any page costs what the first does) and a CSV export of all of it, streamed as it is read."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from tidings.domain.campaign_reports import CSV_HEADER as HEADER
from tidings.domain.campaign_reports import AttemptKey, csv_row
from tidings.web.rendering import page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/campaigns/{campaign_id}"
PAGE_SIZE = 50


@router.get(BASE + "/attempts")
async def attempts(
    request: Request, user: User, campaign_id: str, after: str = "", before: str = ""
) -> Response:
    start, end = AttemptKey.parse(after), AttemptKey.parse(before)
    # One row more than shown tells whether there is a page beyond this one.
    campaign, rows, totals = await container_of(request).campaigns.attempts(
        user.caller, campaign_id, PAGE_SIZE + 1, after=start, before=None if start else end
    )
    going_back = end is not None and start is None
    more = len(rows) > PAGE_SIZE
    if going_back:
        rows = rows[-PAGE_SIZE:] if more else rows
        has_previous, has_next = more, True
    else:
        rows = rows[:PAGE_SIZE]
        has_previous, has_next = start is not None, more
    return page(
        request,
        "campaign_attempts.html",
        campaign=campaign,
        rows=rows,
        totals=totals,
        previous=rows[0].key.token() if rows and has_previous else "",
        next=rows[-1].key.token() if rows and has_next else "",
    )


@router.get(BASE + "/attempts.csv")
async def attempts_csv(request: Request, user: User, campaign_id: str) -> Response:
    campaigns = container_of(request).campaigns
    campaign = await campaigns.get(user.caller, campaign_id)  # 403/404 before streaming

    async def lines() -> AsyncIterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADER)
        # A byte order mark: spreadsheets then read the file as UTF-8.
        yield codecs.BOM_UTF8 + buffer.getvalue().encode()
        async for batch in campaigns.all_attempts(user.caller, campaign):
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(csv_row(record, campaign.name) for record in batch)
            yield buffer.getvalue().encode()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="attempts-{campaign.id}.csv"',
            "cache-control": "no-store",
        },
    )
