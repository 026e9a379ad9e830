"""Outbound emails for the SMTP tests and bench, a DKIM key, and reading messages back."""

from __future__ import annotations

import dataclasses
import email
import email.header
import email.policy
from email.message import EmailMessage
from typing import Any

from tidings.adapters.email.dkim import generate_key
from tidings.domain.channels import DkimIdentity, EmailAddress, OutboundEmail

PRIVATE, PUBLIC = generate_key()
DKIM = DkimIdentity("shop.example", "tidings1", PRIVATE)


def outbound(number: int = 1, **changes: Any) -> OutboundEmail:
    message_id = f"00000000-0000-4000-8000-{number:012d}"
    conversation = "11111111-1111-4111-8111-111111111111"
    message = OutboundEmail(
        message_id=message_id,
        conversation_id=conversation,
        from_address=EmailAddress("news@shop.example", "The Shop"),
        to_address=EmailAddress("ann@example.org", "Ann Smith"),
        subject="Your order has shipped",
        text_body="Hello Ann,\n\nyour order 1234 is on its way.\n",
        html_body="<p>Hello Ann,</p><p>your order <b>1234</b> is on its way.</p>",
        reply_to=EmailAddress("help@shop.example", "Shop Help"),
        message_id_header=f"<{message_id}.{conversation}@shop.example>",
    )
    return dataclasses.replace(message, **changes)


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None
    # Line ends as sent (CRLF) and without the last one, which MIME gives to the boundary.
    return str(part.get_content()).replace("\r\n", "\n").rstrip("\n")  # type: ignore[attr-defined]


def display_name(data: bytes, header: str = "From") -> str:
    """The display name as an RFC 2047 decoder reads it: the whitespace between encoded
    words dropped (the stdlib's address parser keeps it, so it is not used for those)."""
    raw = str(email.message_from_bytes(data)[header])
    if "=?" not in raw:
        return str(parsed(data)[header].addresses[0].display_name)
    phrase = raw.rpartition("<")[0]
    return str(email.header.make_header(email.header.decode_header(phrase))).strip()


def dns(name: bytes, timeout: int = 5) -> bytes:
    """dkimpy's DNS lookup, answering for our one selector."""
    assert name == b"tidings1._domainkey.shop.example."
    return b"v=DKIM1; k=rsa; p=" + PUBLIC.encode()
