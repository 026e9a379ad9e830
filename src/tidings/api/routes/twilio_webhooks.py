"""Webhooks of a Twilio-compatible aggregator: message status callbacks and inbound SMS.

No bearer token: the aggregator proves itself with X-Twilio-Signature, an HMAC of the URL it
requested and the form, keyed with the account's Auth Token (domain/twilio.py). That URL is
our `public_url` (the address the aggregator was given) plus the path and query we received,
so a proxy in front of us that rewrites the host does not break the check. A request whose
signature is missing or wrong gets 403 and records nothing. When the SMS provider is not
Twilio (`sms_url` is not `twilio://`), the routes do not exist: 404.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from tidings.api.deps import ChannelEventsDep, ContainerDep
from tidings.api.errors import error_response
from tidings.api.schemas.common import ErrorBody
from tidings.bootstrap import Container
from tidings.domain.channels import DeliveryReport, InboundSms
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.twilio import (
    INBOUND_PATH,
    SIGNATURE_HEADER,
    STATUS_CALLBACK_PATH,
    receipt_for_status,
    signature_matches,
)

log = logging.getLogger("tidings.api.twilio")

router = APIRouter(tags=["Webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# The fields an inbound message's metadata leaves out: they have places of their own.
_INBOUND_OWN_FIELDS = {"From", "To", "Body", "MessageSid"}


def _form_body(*required: str) -> dict[str, Any]:
    """The request body in the OpenAPI document: Twilio posts a form, and more fields than
    these (all of them signed)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {name: {"type": "string"} for name in required},
                        "required": list(required),
                        "additionalProperties": {"type": "string"},
                    }
                }
            },
        }
    }


_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "X-Twilio-Signature is missing or wrong"},
    404: {"model": ErrorBody, "description": "The SMS provider is not Twilio"},
}


@router.post(
    STATUS_CALLBACK_PATH,
    status_code=204,
    response_class=Response,
    responses=_REFUSALS,
    openapi_extra=_form_body("MessageSid", "MessageStatus"),
    summary="Twilio message status callback",
)
async def twilio_status(request: Request, app: ContainerDep, events: ChannelEventsDep) -> Response:
    form = await _signed_form(request, app)
    if isinstance(form, Response):
        return form
    sid, status = _required(form, "MessageSid", "MessageStatus")
    receipt = receipt_for_status(sid, status, form.get("ErrorCode"))
    if receipt is None:
        log.debug("twilio status %s of %s changes nothing", status, sid)
    else:
        await events.delivery_report(DeliveryReport(receipt, datetime.now(UTC)))
    return Response(status_code=204)


@router.post(
    INBOUND_PATH,
    responses={
        200: {"content": {"text/xml": {}}, "description": "Empty TwiML: no reply"},
        **_REFUSALS,
    },
    response_class=Response,
    openapi_extra=_form_body("MessageSid", "From", "To"),
    summary="Twilio inbound message",
)
async def twilio_inbound(request: Request, app: ContainerDep, events: ChannelEventsDep) -> Response:
    form = await _signed_form(request, app)
    if isinstance(form, Response):
        return form
    sid, sender, recipient = _required(form, "MessageSid", "From", "To")
    await events.inbound_sms(
        InboundSms(
            from_address=sender,
            to_address=recipient,
            text=form.get("Body", ""),
            received_at=datetime.now(UTC),
            provider_message_id=sid,
            metadata={k: v for k, v in form.items() if k not in _INBOUND_OWN_FIELDS},
        )
    )
    return Response(EMPTY_TWIML, media_type="text/xml")


async def _signed_form(request: Request, app: Container) -> dict[str, str] | Response:
    """The form of a request the aggregator signed, else the error answer to give."""
    token = app.twilio_auth_token
    if token is None:
        return error_response(404, "No such resource: the path does not name any API route")
    pairs = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    url = app.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not signature_matches(token, url, pairs, request.headers.get(SIGNATURE_HEADER)):
        log.warning("twilio webhook %s refused: bad or missing signature", request.url.path)
        return error_response(
            403,
            f"The {SIGNATURE_HEADER} header is missing or does not sign this request "
            f"(is public_url {app.settings.public_url!r} the URL the provider calls?)",
            "invalid.signature",
        )
    return dict(pairs)


def _required(form: dict[str, str], *names: str) -> list[str]:
    missing = [name for name in names if not form.get(name)]
    if missing:
        raise InvalidInput(
            f"The webhook lacks {', '.join(missing)}",
            details=[FieldProblem(name, "missing.value") for name in missing],
        )
    return [form[name] for name in names]
