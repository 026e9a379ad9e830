"""Agentless SMS and e-mail, and message conversations read back (genesys-api.md §2)."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import orjson
from pydantic import Field

from tidings.api.schemas.common import ApiModel, ErrorBody, UtcDatetime
from tidings.domain.messages import (
    DELIVERY_FAILED,
    DELIVERY_SUCCESS,
    EMAIL,
    Conversation,
    Message,
    ReceiptRecord,
)

MessengerType = Literal["sms", "whatsapp", "open", "webmessaging", "apple"]


def request_hash(body: ApiModel) -> str:
    """What an Idempotency-Key is bound to: the request as parsed (key order ignored)."""
    dumped = body.model_dump(mode="json", by_alias=True, exclude_none=True)
    return hashlib.sha256(orjson.dumps(dumped, option=orjson.OPT_SORT_KEYS)).hexdigest()


class TemplateParameter(ApiModel):
    id: str = Field(max_length=256)
    value: str = Field(default="", max_length=2000)


class MessagingTemplateIn(ApiModel):
    response_id: str = Field(max_length=64)
    parameters: list[TemplateParameter] = Field(default_factory=list, max_length=100)
    body_parameters: list[TemplateParameter] = Field(default_factory=list, max_length=100)

    def values(self) -> dict[str, str]:
        return {p.id: p.value for p in [*self.parameters, *self.body_parameters]}


class AgentlessSmsIn(ApiModel):
    from_address: str = Field(max_length=64)
    to_address: str | None = Field(default=None, max_length=64)
    to_address_messenger_type: MessengerType
    text_body: str | None = Field(default=None, max_length=100_000)
    messaging_template: MessagingTemplateIn | None = None
    use_existing_active_conversation: bool | None = None
    external_contact_id: str | None = Field(default=None, max_length=256)


class AgentlessSmsOut(ApiModel):
    id: str
    conversation_id: str
    from_address: str
    to_address: str
    messenger_type: str = "sms"
    text_body: str | None = None
    messaging_template: MessagingTemplateIn | None = None
    use_existing_active_conversation: bool = False
    message: MessageDataOut | None = None
    timestamp: UtcDatetime
    self_uri: str

    @classmethod
    def of(
        cls, message: Message, template: MessagingTemplateIn | None, normalized: bool
    ) -> AgentlessSmsOut:
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            from_address=message.from_address,
            to_address=message.to_address,
            text_body=None if normalized else message.text_body,
            messaging_template=None if normalized else template,
            # The normalised message when the caller asks for the normalised shape (building
            # it for every send cost a tenth of the route's time, and the SDK reads neither).
            message=MessageDataOut.of(message, []) if normalized else None,
            timestamp=message.created_at,
            self_uri=message_uri(message),
        )


class EmailAddressIn(ApiModel):
    email: str = Field(max_length=320)
    name: str | None = Field(default=None, max_length=256)


class AgentlessEmailIn(ApiModel):
    sender_type: Literal["Outbound"]
    from_address: EmailAddressIn
    to_addresses: list[EmailAddressIn] = Field(min_length=1, max_length=1)
    reply_to_address: EmailAddressIn | None = None
    conversation_id: str | None = Field(default=None, max_length=64)
    subject: str = Field(default="", max_length=10_000)
    text_body: str | None = None
    html_body: str | None = None


class AgentlessEmailOut(ApiModel):
    id: str
    conversation_id: str
    sender_type: str = "Outbound"
    from_address: EmailAddressIn
    to_addresses: list[EmailAddressIn]
    reply_to_address: EmailAddressIn | None = None
    subject: str | None = None
    date_created: UtcDatetime
    self_uri: str
    # Our extension: why the message may not reach the inbox (an unverified domain).
    warnings: list[str] | None = None

    @classmethod
    def of(cls, message: Message, warnings: tuple[str, ...]) -> AgentlessEmailOut:
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            from_address=EmailAddressIn(email=message.from_address, name=message.from_name),
            to_addresses=[EmailAddressIn(email=message.to_address, name=message.to_name)],
            reply_to_address=EmailAddressIn(email=message.reply_to) if message.reply_to else None,
            subject=message.subject,
            date_created=message.created_at,
            self_uri=f"/api/v2/conversations/emails/{message.conversation_id}",
            warnings=list(warnings) or None,
        )


def message_uri(message: Message) -> str:
    kind = "emails" if message.media_type == EMAIL else "messages"
    return f"/api/v2/conversations/{kind}/{message.conversation_id}/messages/{message.id}"


class Reason(ApiModel):
    code: str
    message: str | None = None


class ChannelOut(ApiModel):
    platform: str = "Sms"
    type: str = "Private"
    message_id: str | None = None
    time: UtcDatetime | None = None
    to: dict[str, Any] | None = None
    from_: dict[str, Any] | None = Field(default=None, alias="from")


class NormalizedMessage(ApiModel):
    id: str
    type: str
    text: str | None = None
    status: str | None = None
    reasons: list[Reason] | None = None
    is_final_receipt: bool | None = None
    direction: str
    channel: ChannelOut | None = None


_RECEIPT_STATUS = {DELIVERY_SUCCESS: "Delivered", DELIVERY_FAILED: "Failed"}


def _receipt(message: Message, receipt: ReceiptRecord) -> NormalizedMessage:
    failed = receipt.status == DELIVERY_FAILED
    return NormalizedMessage(
        id=message.id,
        type="Receipt",
        status=_RECEIPT_STATUS.get(receipt.status, "Sent"),
        reasons=[
            Reason(
                code="GeneralError",
                message=f"{receipt.state}" + (f" err:{receipt.error}" if receipt.error else ""),
            )
        ]
        if failed
        else None,
        is_final_receipt=receipt.final,
        direction="Outbound",
        channel=ChannelOut(message_id=message.provider_message_id, time=receipt.received_at),
    )


def _party(address: str, media_type: str) -> dict[str, Any]:
    return {"id": address, "idType": "Email" if media_type == "email" else "Phone"}


class MessageDataOut(ApiModel):
    id: str
    name: str | None = None
    provider_message_id: str | None = None
    timestamp: UtcDatetime
    from_address: str
    to_address: str
    direction: str
    messenger_type: str
    text_body: str | None = None
    status: str
    conversation_id: str
    normalized_message: NormalizedMessage | None = None
    normalized_receipts: list[NormalizedMessage] | None = None
    self_uri: str
    # Our extensions: the segment count, encoding and why a message failed.
    message_segment_count: int | None = None
    encoding: str | None = None
    error_info: ErrorBody | None = None

    @classmethod
    def of(
        cls, message: Message, receipts: list[ReceiptRecord], normalized: bool = True
    ) -> MessageDataOut:
        channel = ChannelOut.model_validate(
            {
                "messageId": message.provider_message_id,
                "time": message.sent_at or message.created_at,
                "to": _party(message.to_address, message.media_type),
                "from": _party(message.from_address, message.media_type),
            }
        )
        return cls(
            id=message.id,
            provider_message_id=message.provider_message_id,
            timestamp=message.created_at,
            from_address=message.from_address,
            to_address=message.to_address,
            direction=message.direction,
            messenger_type=message.media_type,
            text_body=message.text_body,
            status=message.status,
            conversation_id=message.conversation_id,
            normalized_message=NormalizedMessage(
                id=message.id,
                type="Text",
                text=message.text_body,
                direction=message.direction.capitalize(),
                channel=channel,
            )
            if normalized
            else None,
            normalized_receipts=[_receipt(message, r) for r in receipts] or None,
            self_uri=message_uri(message),
            message_segment_count=message.segment_count or None,
            encoding=message.encoding,
            error_info=error_info(message),
        )


def error_info(message: Message) -> ErrorBody | None:
    if not message.error_code and message.status != DELIVERY_FAILED:
        return None
    return ErrorBody(
        message=message.error_message or "the message was not delivered",
        code=message.error_code or "GeneralError",
        status=400,
        message_params={"providerCode": message.provider_code} if message.provider_code else None,
    )


class AddressOut(ApiModel):
    name: str | None = None
    address_normalized: str
    address_raw: str
    address_displayable: str


class MessageDetails(ApiModel):
    message_id: str
    message_uri: str = Field(alias="messageURI")  # the SDK's spelling
    message_status: str
    message_segment_count: int | None = None
    message_time: UtcDatetime
    error_info: ErrorBody | None = None


class ParticipantOut(ApiModel):
    id: str
    name: str | None = None
    address: str
    purpose: str
    state: str
    direction: str
    start_time: UtcDatetime
    connected_time: UtcDatetime | None = None
    end_time: UtcDatetime | None = None
    to_address: AddressOut
    from_address: AddressOut
    type: str
    messages: list[MessageDetails]


def _address(value: str) -> AddressOut:
    return AddressOut(address_normalized=value, address_raw=value, address_displayable=value)


class MessageConversationOut(ApiModel):
    id: str
    participants: list[ParticipantOut]
    divisions: list[dict[str, Any]] = Field(default_factory=list)
    self_uri: str

    @classmethod
    def of(cls, conversation: Conversation) -> MessageConversationOut:
        """Two participants, as Genesys shows an agentless conversation: the organisation's
        side (purpose `agent`) with its outbound messages, the customer's with theirs."""
        state = "disconnected" if conversation.ended_at else "connected"
        sides = []
        for purpose, ours, direction in (
            ("agent", conversation.from_address, "outbound"),
            ("customer", conversation.to_address, "inbound"),
        ):
            sent = [m for m in conversation.messages if m.direction == direction]
            sides.append(
                ParticipantOut(
                    id=f"{conversation.id[:24]}{purpose[:1]}{conversation.id[25:]}",
                    address=ours,
                    purpose=purpose,
                    state=state,
                    direction="outbound",
                    start_time=conversation.started_at,
                    connected_time=conversation.started_at,
                    end_time=conversation.ended_at,
                    to_address=_address(conversation.to_address),
                    from_address=_address(conversation.from_address),
                    type=conversation.media_type,
                    messages=[
                        MessageDetails(
                            message_id=m.id,
                            messageURI=message_uri(m),
                            message_status=m.status,
                            message_segment_count=m.segment_count or None,
                            message_time=m.created_at,
                            error_info=error_info(m),
                        )
                        for m in sent
                    ],
                )
            )
        return cls(
            id=conversation.id,
            participants=sides,
            self_uri=f"/api/v2/conversations/messages/{conversation.id}",
        )


class MessageListing(ApiModel):
    entities: list[MessageDataOut]
    page_size: int | None = None
    page_number: int | None = None
    total: int | None = None
    self_uri: str | None = None


class EmailReceiptOut(ApiModel):
    """A bounce (a DSN) of a sent e-mail: `status` `delivery-failed` for a hard bounce
    (final), `sent` for a soft one (the mail server is still trying)."""

    status: str
    code: str | None = None  # the RFC 3463 status, 5.1.1
    reason: str | None = None
    is_final_receipt: bool
    time: UtcDatetime

    @classmethod
    def of(cls, receipt: ReceiptRecord) -> EmailReceiptOut:
        return cls(
            status=receipt.status,
            code=receipt.error,
            reason=receipt.reason,
            is_final_receipt=receipt.final,
            time=receipt.received_at,
        )


class EmailMessageOut(ApiModel):
    """Genesys' EmailMessage, with the message's status (our extension, as for SMS)."""

    id: str
    to: list[EmailAddressIn]
    from_: EmailAddressIn = Field(alias="from")
    reply_to: EmailAddressIn | None = None
    subject: str | None = None
    text_body: str | None = None
    html_body: str | None = None
    time: UtcDatetime
    self_uri: str
    status: str
    error_info: ErrorBody | None = None
    # Our extensions for mail that came back (inbound e-mail, see docs/api-coverage.md):
    # `textBody` is the new text of a reply, `fullTextBody` the whole text with the quoted
    # history; `autoReply` marks a vacation notice; `receipts` are the bounces a sent
    # message drew.
    direction: str | None = None
    full_text_body: str | None = None
    auto_reply: bool | None = None
    receipts: list[EmailReceiptOut] | None = None

    @classmethod
    def of(cls, message: Message, receipts: list[ReceiptRecord] | None = None) -> EmailMessageOut:
        inbound = message.direction == "inbound"
        return cls.model_validate(
            {
                "direction": message.direction,
                "fullTextBody": message.full_text_body
                if inbound and message.full_text_body != message.text_body
                else None,
                "autoReply": True if message.auto_reply else None,
                "receipts": [EmailReceiptOut.of(r) for r in receipts] if receipts else None,
                "id": message.id,
                "to": [{"email": message.to_address, "name": message.to_name}],
                "from": {"email": message.from_address, "name": message.from_name},
                "replyTo": {"email": message.reply_to} if message.reply_to else None,
                "subject": message.subject,
                "textBody": message.text_body,
                "htmlBody": message.html_body,
                "time": message.sent_at or message.created_at,
                "selfUri": f"/api/v2/conversations/emails/{message.conversation_id}"
                f"/messages/{message.id}",
                "status": message.status,
                "errorInfo": error_info(message),
            }
        )
