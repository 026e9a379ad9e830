"""Who messages come from: provisioned SMS sender numbers and outbound e-mail domains.

A message may only leave from a number or domain provisioned here; the agentless and
campaign paths look senders up by address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PHONE_NUMBER_TYPES = ("local", "mobile", "tollfree", "shortcode", "alphanumeric")
# Genesys answers statuses in upper case and filters in lower case.
PHONE_NUMBER_STATUSES = (
    "ACTIVE",
    "INVALID",
    "INITIATED",
    "PORTING",
    "PENDING",
    "PENDING_CANCELLATION",
)
VERIFICATION_STATES = ("VERIFIED", "PENDING", "FAILED", "UNKNOWN")


@dataclass
class SmsNumber:
    id: str
    phone_number: str  # E.164, a short code's digits, or an alphanumeric sender id
    phone_number_type: str
    name: str | None = None
    status: str = "ACTIVE"
    country_code: str | None = None
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None

    @property
    def can_send(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class DnsRecord:
    """A record the domain's owner publishes; `status` is the last check's verdict."""

    purpose: str  # dkim | bounce | spf
    type: str  # TXT | CNAME | MX
    name: str
    value: str
    status: str = "PENDING"


@dataclass
class EmailDomain:
    id: str  # the domain name, e.g. "example.com"
    name: str
    dkim_selector: str
    dkim_private_key_pem: bytes
    records: list[DnsRecord] = field(default_factory=list)
    sender_type: str = "EmailDomain"
    version: int = 1
    date_created: datetime | None = None
    date_checked: datetime | None = None

    @property
    def verified(self) -> bool:
        """Every record checked and found: mail from it should reach inboxes."""
        return bool(self.records) and all(r.status == "VERIFIED" for r in self.records)
