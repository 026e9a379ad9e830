"""Opt-outs: which numbers may not be messaged by which sender, and the history of each
change (the audit trail a customer shows a regulator: which message, which keyword, when,
by whom)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tidings.domain.keywords import ALL_SENDERS

OPT_OUT = "optOut"
OPT_IN = "optIn"

KEYWORD = "keyword"  # the consumer texted a keyword
API = "api"  # set or cleared through the API (consent collected elsewhere)
BOUNCE = "bounce"  # an e-mail to the address bounced hard
UNSUBSCRIBE = "unsubscribe"  # the recipient used a campaign e-mail's List-Unsubscribe


def opt_out_key(channel: str, address: str) -> str:
    """How an address is kept on the opt-out list: e-mail addresses without regard to case
    (mail systems do not tell `Ann@x.org` from `ann@x.org`), numbers as E.164."""
    return address.casefold() if channel == "email" else address


@dataclass(frozen=True)
class OptOutChange:
    """Why a suppression is set or lifted: recorded on the row and in its history."""

    source: str  # keyword | api
    keyword: str | None = None
    message_id: str | None = None  # the inbound message that carried the keyword
    actor: str | None = None  # the OAuth client id for an API change
    reason: str | None = None


@dataclass(frozen=True)
class OptOut:
    """One suppression (or, with `exempt`, one sender let through an all-senders one)."""

    channel: str
    address: str
    sender: str  # "*": every sender
    created_at: datetime
    reason: str | None = None
    source: str | None = None
    keyword: str | None = None
    message_id: str | None = None
    actor: str | None = None
    exempt: bool = False


@dataclass(frozen=True)
class OptOutEvent:
    id: int
    channel: str
    address: str
    sender: str
    action: str  # optOut | optIn
    source: str
    occurred_at: datetime
    keyword: str | None = None
    message_id: str | None = None
    actor: str | None = None
    reason: str | None = None


def blocked(
    suppressions: set[tuple[str, str]],
    exemptions: set[tuple[str, str]],
    pairs: set[tuple[str, str]],
) -> set[tuple[str, str]]:
    """Which (address, sender) pairs may not be messaged, given the stored suppressions
    and exemptions of their addresses."""
    return {
        (address, sender)
        for address, sender in pairs
        if (address, sender) in suppressions
        or ((address, ALL_SENDERS) in suppressions and (address, sender) not in exemptions)
    }
