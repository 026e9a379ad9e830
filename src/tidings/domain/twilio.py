"""What a Twilio-compatible aggregator's webhooks mean: the X-Twilio-Signature of a request
and the receipt a status callback carries.

Pure protocol facts (like domain/receipts.py for SMPP), kept here so the sender adapter, the
webhook routes and the tests share one definition.

The signature (Twilio's "Webhooks security"): the full URL Twilio requested, query string
included, followed by every form parameter sorted by name as `name + value` (a repeated name's
values sorted too), HMAC-SHA1 keyed with the account's Auth Token, Base64. Twilio is not
consistent about an explicit default port in that URL, so a request is accepted with and
without it, exactly as Twilio's own `RequestValidator` does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from tidings.domain.receipts import Receipt

STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/inbound"
SIGNATURE_HEADER = "X-Twilio-Signature"

# MessageStatus → receipt state (domain.receipts.STATES). Absent: a step before the carrier
# (queued, accepted, scheduled, sending) or an inbound status, which changes nothing here.
# `sent` means the carrier took the message: in transit (ENROUTE), not SMPP's ACCEPTD, which
# says the SMSC accepted it on the subscriber's behalf and is close to final.
_STATE_BY_STATUS = {
    "sent": "ENROUTE",
    "delivered": "DELIVRD",
    "read": "DELIVRD",  # channels with read receipts: read implies delivered
    "undelivered": "UNDELIV",
    "failed": "REJECTD",
    "canceled": "DELETED",  # a scheduled message canceled before it was sent
}


def compute_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The X-Twilio-Signature of a form POST to `url` carrying `params` (name, value pairs;
    a name may repeat). Identical values of one name count once, as in Twilio's validator."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_matches(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None
) -> bool:
    """Whether `signature` signs this request, with `url` as given, without its port and with
    the scheme's default port added. Compared in constant time."""
    if not signature or not auth_token:
        return False
    pairs = list(params)
    given = signature.encode()
    matched = False
    for candidate in _port_variants(url):
        expected = compute_signature(auth_token, candidate, pairs).encode()
        matched |= hmac.compare_digest(expected, given)
    return matched


def _port_variants(url: str) -> list[str]:
    # The host as written: Twilio signs the URL it was given, capitals and all (urlsplit's
    # `hostname` is lower-cased).
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = parts.netloc[: len(parts.netloc) - len(host)]
    if parts.port is not None:
        host = host.rpartition(":")[0]
    default = 443 if parts.scheme == "https" else 80
    without_port = urlunsplit(parts._replace(netloc=userinfo + host))
    if parts.port is not None:
        return [without_port, url]
    return [without_port, urlunsplit(parts._replace(netloc=f"{userinfo}{host}:{default}"))]


def receipt_for_status(
    message_sid: str, message_status: str, error_code: str | None = None
) -> Receipt | None:
    """The receipt a status callback carries, or None for a status that reports no progress
    past the aggregator (queued, sending, ...) or one this version does not know."""
    state = _STATE_BY_STATUS.get(message_status.strip().lower())
    if state is None or not message_sid:
        return None
    error = (error_code or "").strip()
    return Receipt(message_sid, state, error if error not in ("", "0") else None)
