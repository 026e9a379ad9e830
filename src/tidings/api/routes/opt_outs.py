"""The SMS opt-out list and keyword settings (our extension; Genesys has no such resource):
`/api/v2/routing/sms/optouts`, `/api/v2/routing/sms/keywordsettings` and
`/api/v2/routing/sms/phonenumbers/{id}/keywordsettings`."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from tidings.api.deps import CallerDep, ContainerDep, PageDep
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.common import format_utc
from tidings.api.schemas.opt_outs import (
    KEYWORD_SETTINGS,
    NUMBERS,
    OPT_OUTS,
    AddressOptOutsOut,
    KeywordSettingsIn,
    KeywordSettingsOut,
    OptOutIn,
    OptOutListing,
    OptOutOut,
)
from tidings.domain.exports import neutralize

router = APIRouter(tags=["Routing"])

Text = Annotated[str | None, Query(max_length=64)]
LIST_HEADER = [
    "address",
    "senderAddress",
    "reason",
    "source",
    "keyword",
    "messageId",
    "oauthClientId",
    "dateOptedOut",
]
HISTORY_HEADER = [
    "dateCreated",
    "action",
    "address",
    "senderAddress",
    "source",
    "keyword",
    "messageId",
    "oauthClientId",
    "reason",
]


@router.get(OPT_OUTS, response_model=OptOutListing)
async def list_opt_outs(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: PageDep,
    address: Annotated[str | None, Query(max_length=64, description="part of the address")] = None,
    sender_address: Annotated[str | None, Query(alias="senderAddress", max_length=64)] = None,
) -> Response:
    found, total = await app.opt_outs.find(
        caller,
        page,
        address=address.strip() or None if address else None,
        sender=sender_address.strip() or None if sender_address else None,
    )
    return ok(envelope(request, page, [OptOutOut.of(r) for r in found], total))


@router.post(OPT_OUTS, response_model=AddressOptOutsOut)
async def set_opt_out(body: OptOutIn, app: ContainerDep, caller: CallerDep) -> Response:
    """Opts an address out (consent withdrawn elsewhere): of one sender, or of every one."""
    found = await app.opt_outs.set(caller, body.address, body.sender_address, body.reason)
    return ok(AddressOptOutsOut.of(found))


@router.get(
    OPT_OUTS + "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_opt_outs(
    app: ContainerDep,
    caller: CallerDep,
    history: Annotated[bool, Query(description="every change instead of the list")] = False,
) -> Response:
    """CSV, UTF-8 with a byte-order mark (spreadsheets read it right); cells a spreadsheet
    would run as formulas are prefixed with `'`."""
    if history:
        events = app.opt_outs.export_history(caller)

        async def rows() -> AsyncIterator[list[list[str]]]:
            async for block in events:
                yield [
                    [
                        format_utc(e.occurred_at),
                        e.action,
                        e.address,
                        e.sender,
                        e.source,
                        e.keyword or "",
                        e.message_id or "",
                        e.actor or "",
                        e.reason or "",
                    ]
                    for e in block
                ]

        return _csv("sms-opt-out-history.csv", HISTORY_HEADER, rows())
    suppressions = app.opt_outs.export_list(caller)

    async def list_rows() -> AsyncIterator[list[list[str]]]:
        async for block in suppressions:
            yield [
                [
                    r.address,
                    r.sender,
                    r.reason or "",
                    r.source or "",
                    r.keyword or "",
                    r.message_id or "",
                    r.actor or "",
                    format_utc(r.created_at),
                ]
                for r in block
            ]

    return _csv("sms-opt-outs.csv", LIST_HEADER, list_rows())


def _csv(name: str, header: list[str], blocks: AsyncIterator[list[list[str]]]) -> Response:
    def encode(rows: Iterable[list[str]]) -> bytes:
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(
            [neutralize(cell) for cell in row] for row in rows
        )
        return text.getvalue().encode()

    async def body() -> AsyncIterator[bytes]:
        yield "\ufeff".encode() + encode([header])
        async for block in blocks:
            yield encode(block)

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(OPT_OUTS + "/{address}", response_model=AddressOptOutsOut)
async def get_opt_outs(address: str, app: ContainerDep, caller: CallerDep) -> Response:
    """One address: its opt-outs in force and the history of every change."""
    return ok(AddressOptOutsOut.of(await app.opt_outs.get(caller, address)))


@router.delete(OPT_OUTS + "/{address}", status_code=204)
async def clear_opt_out(
    address: str,
    app: ContainerDep,
    caller: CallerDep,
    sender_address: Annotated[
        str | None,
        Query(
            alias="senderAddress",
            max_length=64,
            description="lift only this sender's (* : the all-senders one); absent: all",
        ),
    ] = None,
    reason: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    await app.opt_outs.clear(caller, address, sender_address, reason)
    return Response(status_code=204)


@router.get(KEYWORD_SETTINGS, response_model=KeywordSettingsOut)
async def get_keyword_settings(app: ContainerDep, caller: CallerDep) -> Response:
    return ok(KeywordSettingsOut.of(await app.keyword_settings.organisation(caller)))


@router.put(KEYWORD_SETTINGS, response_model=KeywordSettingsOut)
async def put_keyword_settings(
    body: KeywordSettingsIn, app: ContainerDep, caller: CallerDep
) -> Response:
    found = await app.keyword_settings.set_organisation(caller, body.settings())
    return ok(KeywordSettingsOut.of(found))


@router.get(NUMBERS + "/{phone_number_id}/keywordsettings", response_model=KeywordSettingsOut)
async def get_number_keyword_settings(
    phone_number_id: str, app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(KeywordSettingsOut.of(await app.keyword_settings.of_number(caller, phone_number_id)))


@router.put(NUMBERS + "/{phone_number_id}/keywordsettings", response_model=KeywordSettingsOut)
async def put_number_keyword_settings(
    phone_number_id: str, body: KeywordSettingsIn, app: ContainerDep, caller: CallerDep
) -> Response:
    found = await app.keyword_settings.set_number(caller, phone_number_id, body.settings())
    return ok(KeywordSettingsOut.of(found))


@router.delete(NUMBERS + "/{phone_number_id}/keywordsettings", status_code=204)
async def delete_number_keyword_settings(
    phone_number_id: str, app: ContainerDep, caller: CallerDep
) -> Response:
    """The number goes back to the organisation's settings."""
    await app.keyword_settings.clear_number(caller, phone_number_id)
    return Response(status_code=204)
