"""Agentless SMS and e-mail (`/api/v2/conversations/.../agentless`) and reading them back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep
from tidings.api.responses import ok
from tidings.api.schemas.common import PlainText
from tidings.api.schemas.messages import (
    AgentlessEmailIn,
    AgentlessEmailOut,
    AgentlessSmsIn,
    AgentlessSmsOut,
    EmailMessageOut,
    MessageConversationOut,
    MessageDataOut,
    MessageListing,
    request_hash,
)
from tidings.domain.errors import FieldProblem, InvalidInput, NotFound
from tidings.domain.messages import EMAIL, SMS
from tidings.services.agentless import EmailRequest, SmsRequest

router = APIRouter(prefix="/api/v2/conversations", tags=["Conversations"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
Normalized = Annotated[bool, Query(alias="useNormalizedMessage")]
# Accepted: the message is durably queued, not yet sent.
ACCEPTED = 202


@router.post("/messages/agentless", response_model=AgentlessSmsOut, status_code=ACCEPTED)
async def send_agentless_sms(
    body: AgentlessSmsIn,
    app: ContainerDep,
    caller: CallerDep,
    idempotency_key: IdempotencyKey = None,
    use_normalized_message: Normalized = False,
) -> Response:
    if body.to_address_messenger_type != "sms":
        raise InvalidInput(
            f"toAddressMessengerType {body.to_address_messenger_type!r} is not served here: "
            "only sms (e-mail has its own route, /api/v2/conversations/emails/agentless)",
            details=[FieldProblem("toAddressMessengerType", "invalid.value", "sms")],
        )
    if not body.to_address:
        raise InvalidInput(
            "toAddress is required for SMS",
            details=[FieldProblem("toAddress", "required", "an E.164 phone number")],
        )
    template = body.messaging_template
    accepted = await app.agentless.send_sms(
        caller,
        SmsRequest(
            from_address=body.from_address,
            to_address=body.to_address,
            text_body=body.text_body,
            response_id=template.response_id if template else None,
            parameters=template.values() if template else {},
        ),
        idempotency_key,
        request_hash(body) if idempotency_key else "",
    )
    return ok(
        AgentlessSmsOut.of(accepted.message, template, use_normalized_message),
        status_code=ACCEPTED,
    )


@router.post("/emails/agentless", response_model=AgentlessEmailOut, status_code=ACCEPTED)
async def send_agentless_email(
    body: AgentlessEmailIn,
    app: ContainerDep,
    caller: CallerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    to = body.to_addresses[0]
    accepted = await app.agentless.send_email(
        caller,
        EmailRequest(
            from_email=body.from_address.email,
            from_name=body.from_address.name,
            to_email=to.email,
            to_name=to.name,
            subject=body.subject,
            text_body=body.text_body,
            html_body=body.html_body,
            reply_to=body.reply_to_address.email if body.reply_to_address else None,
            conversation_id=body.conversation_id,
        ),
        idempotency_key,
        request_hash(body) if idempotency_key else "",
    )
    return ok(AgentlessEmailOut.of(accepted.message, accepted.warnings), status_code=ACCEPTED)


@router.get("/messages/{conversation_id}", response_model=MessageConversationOut)
async def get_message_conversation(
    conversation_id: str, app: ContainerDep, caller: CallerDep
) -> Response:
    found = await app.agentless.conversation(caller, SMS, conversation_id)
    return ok(MessageConversationOut.of(found))


@router.get("/messages/{conversation_id}/messages/{message_id}", response_model=MessageDataOut)
async def get_conversation_message(
    conversation_id: str,
    message_id: str,
    app: ContainerDep,
    caller: CallerDep,
    use_normalized_message: Normalized = False,  # the answer is the same either way
) -> Response:
    found = await app.agentless.messages(caller, SMS, conversation_id, [message_id])
    if not found:
        raise NotFound("message", message_id)
    message, receipts = found[0]
    return ok(MessageDataOut.of(message, receipts))


@router.post("/messages/{conversation_id}/messages/bulk", response_model=MessageListing)
async def get_conversation_messages(
    conversation_id: str,
    app: ContainerDep,
    caller: CallerDep,
    body: Annotated[list[PlainText], Body(max_length=1000)],
    use_normalized_message: Normalized = False,  # the answer is the same either way
) -> Response:
    found = await app.agentless.messages(caller, SMS, conversation_id, list(dict.fromkeys(body)))
    entities = [MessageDataOut.of(m, r) for m, r in found]
    return ok(MessageListing(entities=entities, total=len(entities)))


@router.get("/emails/{conversation_id}", response_model=MessageConversationOut)
async def get_email_conversation(
    conversation_id: str, app: ContainerDep, caller: CallerDep
) -> Response:
    found = await app.agentless.conversation(caller, EMAIL, conversation_id)
    out = MessageConversationOut.of(found)
    out.self_uri = f"/api/v2/conversations/emails/{conversation_id}"
    return ok(out)


@router.get("/emails/{conversation_id}/messages/{message_id}", response_model=MessageDataOut)
async def get_email_message(
    conversation_id: str, message_id: str, app: ContainerDep, caller: CallerDep
) -> Response:
    found = await app.agentless.messages(caller, EMAIL, conversation_id, [message_id])
    if not found:
        raise NotFound("message", message_id)
    message, receipts = found[0]
    return ok(EmailMessageOut.of(message, receipts))
