"""Who messages come from: provisioned SMS sender numbers and outbound e-mail domains.

A message may only leave from a number or domain provisioned here; the agentless and
campaign paths look senders up by address.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tidings.domain.errors import FieldProblem, InvalidInput

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
SENDER_TYPES = ("EmailDomain", "EmailSmtpDomain", "MockEmailDomain", "Unknown")

_SHORT_CODE = re.compile(r"\d{3,8}")
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9 ]{1,11}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


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


def sender_key(address: str) -> str:
    """How a sender address is looked up: alphanumeric ids regardless of case."""
    return address.strip().casefold()


def status_from_filter(value: str) -> str | None:
    """`pending-cancellation` (a filter value) → `PENDING_CANCELLATION`; None if unknown."""
    status = value.strip().upper().replace("-", "_")
    return status if status in PHONE_NUMBER_STATUSES else None


@dataclass(frozen=True)
class ParsedNumber:
    """A phone number as the numbering plan sees it; `e164` None (with a reason) if invalid."""

    e164: str | None
    country_code: str | None = None
    toll_free: bool = False
    reason: str | None = None


# Parses a local, mobile or toll-free number, national forms read in the country given.
NumberParser = Callable[[str, str | None], ParsedNumber]


def checked_sender(
    phone_number: str, number_type: str, country_code: str | None, parse: NumberParser
) -> tuple[str, str | None]:
    """The stored address and country code of a sender, or InvalidInput naming the fields.

    local, mobile, tollfree: a valid number in E.164 (its country filled in; a country code
    given must agree); shortcode: 3 to 8 digits and a country code; alphanumeric: 1 to 11
    letters, digits and spaces, at least one letter.
    """
    raw = phone_number.strip()
    country = country_code.strip().upper() if country_code and country_code.strip() else None
    problems: list[FieldProblem] = []
    if country is not None and not _COUNTRY.fullmatch(country):
        problems.append(FieldProblem("countryCode", "invalid.value", "an ISO 3166 code, e.g. US"))
        country = None
    if number_type not in PHONE_NUMBER_TYPES:
        problems.append(
            FieldProblem(
                "phoneNumberType", "invalid.value", f"one of {', '.join(PHONE_NUMBER_TYPES)}"
            )
        )
    elif number_type == "shortcode":
        if not _SHORT_CODE.fullmatch(raw):
            problems.append(
                FieldProblem("phoneNumber", "invalid.value", "a short code is 3-8 digits")
            )
        if country is None and not problems:
            problems.append(
                FieldProblem("countryCode", "required", "a short code belongs to one country")
            )
    elif number_type == "alphanumeric":
        if not _ALPHANUMERIC.fullmatch(raw) or not any(c.isalpha() for c in raw):
            problems.append(
                FieldProblem(
                    "phoneNumber",
                    "invalid.value",
                    "an alphanumeric sender id is 1-11 letters, digits and spaces, "
                    "with at least one letter",
                )
            )
    elif not problems:
        parsed = parse(raw, country)
        if parsed.e164 is None:
            problems.append(
                FieldProblem("phoneNumber", "invalid.value", parsed.reason or "not a phone number")
            )
        elif country is not None and parsed.country_code not in (None, country):
            problems.append(
                FieldProblem(
                    "countryCode",
                    "invalid.value",
                    f"the number belongs to {parsed.country_code}, not {country}",
                )
            )
        elif parsed.toll_free != (number_type == "tollfree"):
            expected = "tollfree" if parsed.toll_free else "local or mobile"
            problems.append(
                FieldProblem("phoneNumberType", "invalid.value", f"this number is {expected}")
            )
        else:
            raw, country = parsed.e164, parsed.country_code or country
    if problems:
        raise InvalidInput("The phone number cannot be provisioned", details=problems)
    return raw, country


@dataclass(frozen=True)
class DnsRecord:
    """A record the domain's owner publishes; `status` is the last check's verdict."""

    purpose: str  # dkim | bounce | spf
    type: str  # TXT | CNAME | MX
    name: str
    value: str
    status: str = "PENDING"


# Records that must be VERIFIED before mail leaves from the domain; the SPF hint is advice.
REQUIRED_PURPOSES = ("dkim", "bounce")


@dataclass(frozen=True)
class DmarcCheck:
    status: str  # NotPresent | Invalid | Valid
    policy: str = "unknown"  # unknown | none | quarantine | reject
    record: str | None = None


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
    dmarc: DmarcCheck | None = None

    @property
    def verified(self) -> bool:
        """Every required record (DKIM, bounce) checked and found: mail from it should
        reach inboxes. The SPF hint does not count: many domains already publish SPF."""
        required = [r for r in self.records if r.purpose in REQUIRED_PURPOSES]
        return bool(required) and all(r.status == "VERIFIED" for r in required)

    def record(self, purpose: str) -> DnsRecord | None:
        return next((r for r in self.records if r.purpose == purpose), None)

    @property
    def bounce_domain(self) -> str | None:
        """Where bounces are addressed (the Return-Path domain), when a bounce host is set."""
        bounce = self.record("bounce")
        return bounce.name if bounce is not None else None


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def domain_name(raw: str) -> str:
    """The domain name in lower case, or InvalidInput naming `id`."""
    name = raw.strip().rstrip(".").lower()
    labels = name.split(".")
    reason = None
    if not name.isascii():
        reason = "write an internationalised name in its xn-- (punycode) form"
    elif len(name) > 253 or len(labels) < 2:
        reason = "a domain name with at least two labels, e.g. example.com"
    elif not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        reason = "letters, digits and hyphens in dot-separated labels of 1-63 characters"
    if reason is not None:
        raise InvalidInput(
            "The domain name is not valid",
            details=[FieldProblem("id", "invalid.value", reason)],
        )
    return name


def records_to_publish(
    domain: str, selector: str, public_key: str, bounce_host: str
) -> list[DnsRecord]:
    """The DKIM key; with a bounce host, the bounce CNAME and an SPF hint naming that host."""
    records = [
        DnsRecord(
            "dkim", "TXT", f"{selector}._domainkey.{domain}", f"v=DKIM1; k=rsa; p={public_key}"
        )
    ]
    host = bounce_host.strip().rstrip(".").lower()
    if host:
        records.append(DnsRecord("bounce", "CNAME", f"bounce.{domain}", host))
        records.append(DnsRecord("spf", "TXT", domain, f"v=spf1 a:{host} ~all"))
    return records


@dataclass(frozen=True)
class DnsLookup:
    """What a resolver answered for one name and type."""

    state: str  # found | missing (NXDOMAIN or no such record) | error (timeout, SERVFAIL)
    values: tuple[str, ...] = ()


def _tags(value: str) -> dict[str, str]:
    tags = {}
    for part in value.split(";"):
        key, sep, tag_value = part.partition("=")
        if sep:
            tags[key.strip().lower()] = re.sub(r"\s+", "", tag_value)
    return tags


def _host(value: str) -> str:
    return value.strip().rstrip(".").lower()


def verdict(record: DnsRecord, lookup: DnsLookup) -> str:
    """VERIFIED (published as asked), PENDING (not found yet), FAILED (found but wrong),
    UNKNOWN (the resolver could not answer)."""
    if lookup.state == "error":
        return "UNKNOWN"
    values = list(lookup.values) if lookup.state == "found" else []
    if record.purpose == "spf":
        values = [v for v in values if v.strip().lower().startswith("v=spf1")]
    if not values:
        return "PENDING"
    if record.purpose == "dkim":
        wanted = _tags(record.value).get("p")
        good = any(_tags(v).get("p") == wanted for v in values)
    elif record.purpose == "spf":
        host = _host(record.value.split("a:", 1)[1].split()[0])
        mechanisms = {f"a:{host}", f"+a:{host}", f"include:{host}", f"+include:{host}"}
        good = any(mechanisms & {term.rstrip(".") for term in v.lower().split()} for v in values)
    else:
        good = any(_host(v) == _host(record.value) for v in values)
    return "VERIFIED" if good else "FAILED"


def dmarc_check(lookup: DnsLookup) -> DmarcCheck | None:
    """The domain's DMARC policy (RFC 7489) from the TXT records at `_dmarc.<domain>`."""
    if lookup.state == "error":
        return None
    found = [v for v in lookup.values if v.strip().lower().startswith("v=dmarc1")]
    if not found:
        return DmarcCheck("NotPresent")
    if len(found) > 1:  # RFC 7489 §6.6.3: more than one record is as none, but say so
        return DmarcCheck("Invalid", record=found[0])
    policy = _tags(found[0]).get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        return DmarcCheck("Invalid", record=found[0])
    return DmarcCheck("Valid", policy, found[0])
