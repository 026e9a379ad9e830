"""What the core hands a channel adapter and what comes back from one.

An adapter turns an `OutboundSms` or `OutboundEmail` into bytes on the wire and answers with
a `SendResult`; later it reports what the network says (delivery receipts, inbound messages)
through the `ChannelEvents` port. The core never sees SMPP PDUs, SMTP replies or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tidings.domain.receipts import Receipt, without_nul


class SendOutcome(StrEnum):
    ACCEPTED = "accepted"  # the provider took it; provider_message_id names it
    REJECTED = "rejected"  # a permanent refusal: retrying cannot help
    RETRY = "retry"  # certainly not sent (throttled, no connection, 4xx): safe to send again
    UNKNOWN = "unknown"  # the bytes may have left: sending again could double it


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    provider_message_id: str | None = None
    # The provider's own status: an SMPP command_status such as "0x0000000B", an SMTP reply
    # code such as "550", an HTTP aggregator's error code.
    code: str | None = None
    reason: str | None = None
    retry_after_seconds: float | None = None
    # A long SMS sent as several parts gets an id per part, and receipts name parts: every
    # part's id, the first being provider_message_id.
    provider_part_ids: tuple[str, ...] = ()

    @classmethod
    def accepted(cls, provider_message_id: str) -> SendResult:
        return cls(SendOutcome.ACCEPTED, provider_message_id)


@dataclass(frozen=True)
class OutboundSms:
    message_id: str
    from_address: str  # E.164, a short code or an alphanumeric sender id
    to_address: str  # E.164
    text: str


@dataclass(frozen=True)
class EmailAddress:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class DkimIdentity:
    domain: str
    selector: str
    private_key_pem: bytes


@dataclass(frozen=True)
class OutboundEmail:
    message_id: str
    conversation_id: str
    from_address: EmailAddress
    to_address: EmailAddress
    subject: str
    text_body: str | None
    html_body: str | None
    reply_to: EmailAddress | None = None
    # The Message-ID header (domain.verp.message_id_header) and the VERP envelope sender
    # (domain.verp.return_path), both worked out by the core.
    message_id_header: str = ""
    return_path: str = ""
    dkim: DkimIdentity | None = None
    # List-Unsubscribe URIs (a campaign's messages): a mailto: address and, where the
    # server is reachable over https, a one-click link (RFC 8058).
    list_unsubscribe: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmsPart:
    """Where a mobile-originated part sits in a concatenated message (UDH or SAR), and its
    undecoded payload: a phone may split a UCS-2 surrogate pair or a GSM escape between
    two parts, which only the parts' bytes joined decode right (sms_content.joined)."""

    reference: int
    total: int
    sequence: int
    payload: bytes = b""
    alphabet: str = ""  # sms_content.ALPHABETS; empty: only the decoded text is known


@dataclass(frozen=True)
class InboundSms:
    from_address: str
    to_address: str
    text: str
    received_at: datetime
    provider_message_id: str | None = None
    part: SmsPart | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Stored as text: see `without_nul`.
        object.__setattr__(self, "text", without_nul(self.text))
        if any("\x00" in value for value in self.metadata.values()):
            clean = {name: without_nul(value) for name, value in self.metadata.items()}
            object.__setattr__(self, "metadata", clean)


@dataclass(frozen=True)
class DeliveryReport:
    """A delivery receipt as the channel heard it; `receipt.message_id` is the provider's id."""

    receipt: Receipt
    received_at: datetime
    channel: str = "sms"
