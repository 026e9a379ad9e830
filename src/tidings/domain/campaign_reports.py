"""A campaign's attempt history as a person reads it: one row per contact attempted, with
what the provider (the aggregator) said of the message and what its delivery receipt said.

An attempt is a contact the engine took: its message is in the outbox (`queued`) or it has
its wrap-up code (`done`). Contacts still `pending` or `waiting` are not attempts yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tidings.domain.exports import neutralize
from tidings.domain.messages import DELIVERY_FAILED, DELIVERY_SUCCESS, FAILED, SENT

# What the provider answered, read from the message's status.
ACCEPTED = "accepted"
REJECTED = "rejected"
NOT_YET = "pending"
NOT_SENT = ""  # skipped contacts have no message
ACCEPTED_STATUSES = (SENT, DELIVERY_SUCCESS, DELIVERY_FAILED)
REJECTED_STATUSES = (FAILED,)
RECEIPTS = (DELIVERY_SUCCESS, DELIVERY_FAILED)


@dataclass(frozen=True)
class AttemptKey:
    """Where a page of the history starts: after this (cycle, contact_seq)."""

    cycle: int
    seq: int

    def token(self) -> str:
        return f"{self.cycle}.{self.seq}"

    @classmethod
    def parse(cls, raw: str) -> AttemptKey | None:
        """`"3.1200"` → AttemptKey(3, 1200); anything else → None (the first page)."""
        cycle, _, seq = raw.partition(".")
        if not (cycle.isdigit() and seq.isdigit()):
            return None
        return cls(int(cycle), int(seq))


@dataclass(frozen=True)
class AttemptRecord:
    campaign_id: str
    cycle: int
    seq: int
    contact_id: str
    channel: str  # SMS | EMAIL
    address: str | None
    wrapup: str | None  # None while the message is in the outbox
    reason: str | None
    settled_at: datetime | None
    message_id: str | None
    message_status: str | None
    error_code: str | None
    error_message: str | None

    @property
    def key(self) -> AttemptKey:
        return AttemptKey(self.cycle, self.seq)

    @property
    def aggregator(self) -> str:
        if self.message_status is None:
            return NOT_SENT
        if self.message_status in ACCEPTED_STATUSES:
            return ACCEPTED
        if self.message_status in REJECTED_STATUSES:
            return REJECTED
        return NOT_YET

    @property
    def rejection(self) -> str:
        """The provider's reason, on a rejected message."""
        if self.aggregator != REJECTED:
            return ""
        return ": ".join(p for p in (self.error_code, self.error_message) if p)

    @property
    def receipt(self) -> str:
        if self.message_status in RECEIPTS:
            return self.message_status or ""
        return "none yet" if self.aggregator == ACCEPTED else ""


@dataclass(frozen=True)
class AttemptTotals:
    attempts: int = 0
    accepted: int = 0
    rejected: int = 0


CSV_HEADER = (
    "settled_at",
    "campaign",
    "contact_id",
    "address",
    "channel",
    "result",
    "aggregator",
    "aggregator_error",
    "receipt",
    "cycle",
    "message_id",
)


def csv_row(record: AttemptRecord, campaign_name: str) -> list[str]:
    """One attempt as export cells; every text a contact or a provider wrote is neutralised
    so a spreadsheet shows it instead of running it."""
    settled = record.settled_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if record.settled_at else ""
    cells = [
        settled,
        campaign_name,
        record.contact_id,
        record.address or "",
        record.channel,
        record.wrapup or "",
        record.aggregator,
        record.rejection,
        record.receipt,
        str(record.cycle),
        record.message_id or "",
    ]
    return [neutralize(cell) for cell in cells]
