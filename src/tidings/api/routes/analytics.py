"""`POST /api/v2/analytics/conversations/details/query`, and the Tidings extension that
exports what such a query selects as CSV or PDF."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response, StreamingResponse

from tidings.api.deps import CallerDep, ContainerDep
from tidings.api.responses import ok
from tidings.api.schemas.analytics import (
    ConversationExportIn,
    ConversationOut,
    ConversationQueryIn,
    ConversationQueryOut,
)
from tidings.domain.ids import utcnow
from tidings.domain.reports import PDF

router = APIRouter(prefix="/api/v2/analytics/conversations/details", tags=["Analytics"])


@router.post("/query", response_model=ConversationQueryOut)
async def query_conversation_details(
    body: ConversationQueryIn, app: ContainerDep, caller: CallerDep
) -> Response:
    found, total = await app.analytics.conversation_details(caller, body.query())
    conversations = [ConversationOut.of(c) for c in found] or None
    return ok(ConversationQueryOut(conversations=conversations, total_hits=total))


@router.post(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}},
)
async def export_conversation_details(
    body: ConversationExportIn, app: ContainerDep, caller: CallerDep
) -> Response:
    """Tidings extension (not in Genesys): every message of the conversations the query
    selects, one row each, as a CSV file (streamed) or a PDF (at most 10,000 rows)."""
    query = body.query()
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    if body.format == PDF:
        content = await app.analytics.export_pdf(caller, query)
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="interactions-{stamp}.pdf"'},
        )
    chunks = await app.analytics.export_csv(caller, query)
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="interactions-{stamp}.csv"'},
    )
