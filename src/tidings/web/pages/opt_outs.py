"""SMS opt-outs: the list with an address filter, one address with its history (which
message, which keyword, which sender, when), an opt-out set or cleared by hand with a
reason, and the list as CSV. Same permissions as the API (sms:optOut:view / edit)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from tidings.domain.exports import neutralize
from tidings.domain.keywords import ALL_SENDERS
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.domain.senders import SmsNumber
from tidings.services.opt_outs import OPT_OUT_EDIT
from tidings.services.sms_numbers import NumberQuery
from tidings.web.forms import page_of, pages
from tidings.web.rendering import SECURITY_HEADERS, allowed, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/opt-outs"
# The API export's columns, so a file from either place reads the same.
EXPORT_HEADER = [
    "address",
    "senderAddress",
    "reason",
    "source",
    "keyword",
    "messageId",
    "oauthClientId",
    "dateOptedOut",
]


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _to(address: str) -> Response:
    target = f"{BASE}/{quote(address, safe='')}"
    return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)


async def _senders(request: Request, user: User) -> list[SmsNumber]:
    """The numbers an opt-out may name (none listed without sms:phoneNumber:view: the
    all-senders choice still is)."""
    if not allowed(user, "sms:phoneNumber:view"):
        return []
    found, _ = await container_of(request).sms_numbers.find(
        user.caller, PageRequest(page_size=MAX_PAGE_SIZE), NumberQuery()
    )
    return found


@router.get(BASE)
async def opt_outs(
    request: Request, user: User, page_number: int = 1, address: str = ""
) -> Response:
    app = container_of(request)
    wanted = address.strip()[:64]
    found, total = await app.opt_outs.find(
        user.caller, page_of(page_number), address=wanted or None
    )
    can_edit = allowed(user, OPT_OUT_EDIT)
    return page(
        request,
        "opt_outs.html",
        opt_outs=found,
        address=wanted,
        total=total,
        page_number=page_number,
        page_count=pages(total),
        can_edit=can_edit,
        senders=await _senders(request, user) if can_edit else [],
        all_senders=ALL_SENDERS,
    )


@router.post(BASE)
async def set_opt_out(
    request: Request,
    user: User,
    address: Annotated[str, Form(max_length=64)],
    sender: Annotated[str, Form(max_length=64)] = ALL_SENDERS,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Consent withdrawn elsewhere (a call, a letter): recorded with the reason given."""
    found = await container_of(request).opt_outs.set(
        user.caller, address, sender or None, reason.strip() or None
    )
    return _to(found.address)


@router.get(BASE + "/export.csv")
async def export(request: Request, user: User) -> Response:
    """The list as the API's export gives it (UTF-8 with a byte-order mark; cells a
    spreadsheet would run as formulas prefixed with `'`)."""
    blocks = container_of(request).opt_outs.export_list(user.caller)

    def encode(rows: list[list[str]]) -> bytes:
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(
            [neutralize(cell) for cell in row] for row in rows
        )
        return text.getvalue().encode()

    async def body() -> AsyncIterator[bytes]:
        yield "\ufeff".encode() + encode([EXPORT_HEADER])
        async for block in blocks:
            yield encode(
                [
                    [
                        r.address,
                        r.sender,
                        r.reason or "",
                        r.source or "",
                        r.keyword or "",
                        r.message_id or "",
                        r.actor or "",
                        _utc(r.created_at),
                    ]
                    for r in block
                ]
            )

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": 'attachment; filename="sms-opt-outs.csv"',
        },
    )


@router.get(BASE + "/{address}")
async def one_address(request: Request, user: User, address: str) -> Response:
    app = container_of(request)
    found = await app.opt_outs.get(user.caller, address)
    return page(
        request,
        "opt_out.html",
        found=found,
        history=list(reversed(found.history)),  # newest first
        actors=await app.console_users.emails(e.actor for e in found.history if e.actor),
        can_edit=allowed(user, OPT_OUT_EDIT),
        all_senders=ALL_SENDERS,
        quoted=quote(found.address, safe=""),
    )


@router.post(BASE + "/{address}/clear")
async def clear_opt_out(
    request: Request,
    user: User,
    address: str,
    sender: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Without a sender every opt-out of the address is lifted; with one, only that one."""
    await container_of(request).opt_outs.clear(
        user.caller, address, sender or None, reason.strip() or None
    )
    return _to(address)
