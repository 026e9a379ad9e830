"""The conversation detail query and its exports (CSV streamed, PDF built whole)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from tidings.domain.analytics import (
    MEDIA_TYPE,
    ConversationQuery,
    VisibleDivisions,
    checked_query,
    delivery_status,
    describe_filters,
)
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.ids import utcnow
from tidings.domain.messages import Conversation
from tidings.domain.permissions import Scope
from tidings.domain.reports import MAX_PDF_ROWS, ReportTable
from tidings.ports import CsvReportWriter, ReportFormats, UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller

VIEW = ("analytics:conversationDetail:view", "analytics:agentConversationDetail:view")
EXPORT_BATCH = 500  # conversations read per query while exporting
EXPORT_COLUMNS = (
    "conversationId",
    "conversationStart",
    "messageId",
    "messageTime",
    "direction",
    "mediaType",
    "addressFrom",
    "addressTo",
    "deliveryStatus",
    "deliveryStatusChangeDate",
    "outboundCampaignId",
    "outboundContactListId",
    "outboundContactId",
    "errorCode",
    "text",
)
TITLE = "Interactions"
# The PDF is for reading: the columns a person scans, in mm on landscape A4, each cell on
# one line (cut with "…"); ids and campaign columns are in the CSV. Each heading fits its
# column in DejaVu Sans Bold at the body size.
PDF_COLUMNS = (
    ("Time (UTC)", "messageTime", 28.0),
    ("Direction", "direction", 14.0),
    ("Media", "mediaType", 11.0),
    ("From", "addressFrom", 26.0),
    ("To", "addressTo", 26.0),
    ("Delivery status", "deliveryStatus", 22.0),
    ("Status changed (UTC)", "deliveryStatusChangeDate", 30.5),
    ("Contact", "outboundContactId", 19.0),
    ("Error", "errorCode", 20.0),
    ("Text", "text", 84.5),
)
_TIMES = {"messageTime", "deliveryStatusChangeDate"}


async def visible_divisions(uow: UnitOfWork, scope: Scope) -> VisibleDivisions:
    """Where a scope lets the caller read; rows without a division count as the home one's."""
    if scope.everywhere:
        return VisibleDivisions(everywhere=True)
    home = await uow.divisions.get_home()
    return VisibleDivisions(
        everywhere=False,
        division_ids=scope.division_ids,
        include_undivided=home.id in scope.division_ids,
    )


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def export_rows(found: Sequence[Conversation]) -> list[list[str]]:
    """One row a message, in the order of EXPORT_COLUMNS."""
    rows = []
    for conversation in found:
        for m in conversation.messages:
            rows.append(
                [
                    conversation.id,
                    _when(conversation.started_at),
                    m.id,
                    _when(m.created_at),
                    m.direction,
                    MEDIA_TYPE.get(m.media_type, m.media_type),
                    m.from_address,
                    m.to_address,
                    delivery_status(m.status) or m.status,
                    _when(m.status_changed_at),
                    m.campaign_id or "",
                    m.contact_list_id or "",
                    m.contact_id or "",
                    m.error_code or "",
                    (m.subject if m.subject is not None else m.text_body) or "",
                ]
            )
    return rows


def pdf_rows(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The export rows cut down to PDF_COLUMNS, times as `2024-05-01 10:00:00`."""
    at = [EXPORT_COLUMNS.index(name) for _, name, _ in PDF_COLUMNS]
    short = [name in _TIMES for _, name, _ in PDF_COLUMNS]
    return [
        [
            row[i][:19].replace("T", " ") if time else row[i]
            for i, time in zip(at, short, strict=True)
        ]
        for row in rows
    ]


class AnalyticsService:
    def __init__(self, uow: UnitOfWorkFactory, formats: ReportFormats) -> None:
        self._uow = uow
        self._formats = formats

    async def conversation_details(
        self, caller: Caller, query: ConversationQuery
    ) -> tuple[list[Conversation], int]:
        scope = caller.access.require(*VIEW)
        checked_query(query)
        async with self._uow() as uow:
            visible = await visible_divisions(uow, scope)
            return await uow.analytics.conversation_details(query, visible)

    async def interactions(
        self,
        caller: Caller,
        query: ConversationQuery,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> tuple[list[Conversation], tuple[datetime, str] | None]:
        """The console's interactions: `limit` conversations after the keyset `after`, each
        with only the messages the filters select, and the keyset of the next page (None on
        the last). Nothing is counted: a page deep in millions costs what the first does."""
        scope = caller.access.require(*VIEW)
        checked_query(query)
        async with self._uow() as uow:
            visible = await visible_divisions(uow, scope)
            found = await uow.analytics.conversation_batch(
                query, visible, after, limit + 1, matching_messages=True
            )
        if len(found) <= limit:
            return found, None
        found = found[:limit]
        return found, (found[-1].started_at, found[-1].id)

    async def export_csv(
        self, caller: Caller, query: ConversationQuery, *, matching_messages: bool = False
    ) -> AsyncIterator[bytes]:
        """Checks access and the query now (so a refusal is an error answer, not a broken
        file), then streams the file: one batch of conversations in memory at a time.
        `matching_messages`: only the messages the filters select (the console's view)."""
        scope = caller.access.require(*VIEW)
        checked_query(query)
        async with self._uow() as uow:
            visible = await visible_divisions(uow, scope)
        writer = self._formats.csv(EXPORT_COLUMNS)
        return self._csv_stream(query, visible, writer, matching_messages)

    async def _csv_stream(
        self,
        query: ConversationQuery,
        visible: VisibleDivisions,
        writer: CsvReportWriter,
        matching_messages: bool,
    ) -> AsyncIterator[bytes]:
        yield writer.head()
        async for found in self._batches(query, visible, matching_messages):
            yield writer.rows(export_rows(found))

    async def _batches(
        self, query: ConversationQuery, visible: VisibleDivisions, matching_messages: bool
    ) -> AsyncIterator[list[Conversation]]:
        after: tuple[datetime, str] | None = None
        while True:
            # A unit of work per batch: a slow download holds no connection between batches.
            async with self._uow() as uow:
                found = await uow.analytics.conversation_batch(
                    query, visible, after, EXPORT_BATCH, matching_messages=matching_messages
                )
            if not found:
                return
            yield found
            after = (found[-1].started_at, found[-1].id)

    async def export_pdf(
        self, caller: Caller, query: ConversationQuery, *, matching_messages: bool = False
    ) -> bytes:
        scope = caller.access.require(*VIEW)
        checked_query(query)
        async with self._uow() as uow:
            visible = await visible_divisions(uow, scope)
        rows: list[list[str]] = []
        async for found in self._batches(query, visible, matching_messages):
            rows += export_rows(found)
            if len(rows) > MAX_PDF_ROWS:
                raise InvalidInput(
                    f"More than {MAX_PDF_ROWS} messages match: narrow the query, or export CSV",
                    details=[FieldProblem("format", "too.many.rows", "csv")],
                )
        table = ReportTable(
            title=TITLE,
            filters=describe_filters(query),
            generated_at=utcnow(),
            columns=[title for title, _, _ in PDF_COLUMNS],
            rows=pdf_rows(rows),
            widths=[width for _, _, width in PDF_COLUMNS],
        )
        # Laying out thousands of rows takes seconds: not on the event loop.
        return await asyncio.to_thread(self._formats.pdf, table)
