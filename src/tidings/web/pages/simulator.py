"""The simulator page (when the simulator is the SMS provider): the messages it took, and
a form to answer as the consumer (a reply or a keyword such as STOP), which arrives through
the same inbound path as a provider's inbound SMS."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from tidings.domain.channels import InboundSms, OutboundSms
from tidings.domain.errors import FieldProblem, InvalidInput, NotFound
from tidings.domain.ids import utcnow
from tidings.web.rendering import SECURITY_HEADERS, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/simulator"
# As the API's simulator route: playing the consumer is sending a message.
SIMULATE = "conversation:message:create"
SHOWN = 200


def _received(request: Request) -> list[OutboundSms]:
    taken = container_of(request).simulated_sms()
    if taken is None:
        raise NotFound("simulator", "sms")
    return [m for m in reversed(taken) if isinstance(m, OutboundSms)][:SHOWN]


@router.get(BASE)
async def simulator(
    request: Request, user: User, sent: str = "", reply_from: str = "", reply_to: str = ""
) -> Response:
    """`reply_from`/`reply_to` fill the form to answer a message (from its recipient)."""
    user.caller.access.require(SIMULATE)
    return page(
        request,
        "simulator.html",
        messages=_received(request),
        sent=sent,
        reply_from=reply_from,
        reply_to=reply_to,
    )


@router.post(BASE + "/inbound")
async def inbound(
    request: Request,
    user: User,
    from_address: Annotated[str, Form(max_length=64)],
    to_address: Annotated[str, Form(max_length=64)],
    text: Annotated[str, Form(max_length=2000)],
) -> Response:
    user.caller.access.require(SIMULATE)
    _received(request)  # 404 unless the simulator is the provider
    app = container_of(request)
    sender = app.addresses.phone(from_address)
    if sender.address is None:
        raise InvalidInput(
            f"From: not a phone number ({sender.reason})",
            details=[FieldProblem("from_address", "invalid.value", sender.reason or "")],
        )
    await app.channel_events.inbound_sms(
        InboundSms(sender.address, to_address.strip(), text, utcnow())
    )
    return RedirectResponse(f"{BASE}?sent=1", status_code=303, headers=SECURITY_HEADERS)
