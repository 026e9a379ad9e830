"""Messaging campaigns: what a campaign is, its status machine, and what its progress counts.

The user switches a campaign `on` or `off`; the system moves it on: `stopping` while sends
already handed to a channel settle, `complete` when every contact of the cycle has its
outcome (never for `alwaysRunning`), `invalid` when something it needs went away while it
ran. A campaign runs in cycles: recycling (DELETE .../progress) starts the next cycle from
the top, and every (campaign, contact, cycle) gets exactly one attempt and one outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tidings.domain.contact_lists import Contact
from tidings.domain.errors import FieldProblem

ON = "on"
OFF = "off"
STOPPING = "stopping"
COMPLETE = "complete"
INVALID = "invalid"
FORCED_OFF = "forced_off"
FORCED_STOPPING = "forced_stopping"
STATUSES = (ON, STOPPING, OFF, COMPLETE, INVALID, FORCED_OFF, FORCED_STOPPING)
USER_STATUSES = (ON, OFF)
# The engine works on these: `on` claims contacts; the stopping ones only settle.
RUNNING = (ON, STOPPING, FORCED_STOPPING)

MAX_CONTACT_SORTS = 4
# The response types each kind of campaign sends (by media type).
TEMPLATE_TYPES = {"sms": ("CampaignSmsTemplate",), "email": ("CampaignEmailTemplate",)}
SMS_TYPE = "SMS"
EMAIL_TYPE = "EMAIL"

# Genesys' wrap-up codes for the outcome of one contact (genesys-api.md §8).
SENT = "OUTBOUND_MESSAGE_SENT"
FAILED = "OUTBOUND_MESSAGE_FAILED"
AMBIGUOUS = "OUTBOUND_MESSAGE_AMBIGUOUS"
DNC_SKIPPED = "ININ_OUTBOUND_DNC_SKIPPED"
# The recipient opted out (STOP, a hard bounce): the opt-out list is a do-not-contact list
# kept by the system, so it gets the "on a DNC list" code, distinct from the campaign's lists.
OPTED_OUT = "ININ_OUTBOUND_ON_DO_NOT_CALL_LIST"
NOT_CALLABLE_TIME = "ININ_OUTBOUND_NOT_CALLABLE_TIME"
INVALID_PHONE = "OUTBOUND_INVALID_PHONE_NUMBER"
MESSAGE_BLANK = "OUTBOUND_MESSAGE_BLANK"
TOO_LONG = "OUTBOUND_MAX_MESSAGE_LENGTH_EXCEEDED"
CONTACT_UNCONTACTABLE = "OUTBOUND_CONTACT_UNCONTACTABLE_SKIPPED"
NUMBER_UNCONTACTABLE = "OUTBOUND_NUMBER_UNCONTACTABLE_SKIPPED"
ADDRESS_UNCONTACTABLE = "OUTBOUND_CONTACT_ADDRESS_UNCONTACTABLE_SKIPPED"
INTERNAL_ERROR = "ININ_OUTBOUND_INTERNAL_ERROR_SKIPPED"
INVALID_TEMPLATE = "OUTBOUND_INVALID_CONTENT_TEMPLATE"
FINAL_SENDS = (SENT, FAILED, AMBIGUOUS)

# Attempt rows: `pending` until claimed, `waiting` for the contact's callable time, `queued`
# once its message is in the outbox, `done` with its wrap-up code.
PENDING = "pending"
WAITING = "waiting"
QUEUED = "queued"
DONE = "done"


@dataclass(frozen=True)
class ContactSort:
    field_name: str
    descending: bool = False
    numeric: bool = False


@dataclass(frozen=True)
class SmsConfig:
    phone_column: str
    sender_number: str  # E.164 (or alphanumeric) of a provisioned sender
    content_template_id: str | None = None
    message_column: str | None = None


@dataclass(frozen=True)
class EmailConfig:
    email_columns: tuple[str, ...]
    from_domain: str
    from_local_part: str
    friendly_name: str | None = None
    reply_to: str | None = None  # `localpart@domain` built from replyToAddress
    content_template_id: str | None = None

    @property
    def from_address(self) -> str:
        return f"{self.from_local_part}@{self.from_domain}"


@dataclass(frozen=True)
class CampaignError:
    error: str
    details: str | None = None


@dataclass
class Campaign:
    id: str
    name: str
    division_id: str
    contact_list_id: str
    messages_per_minute: int
    status: str = OFF
    sms_config: SmsConfig | None = None
    email_config: EmailConfig | None = None
    callable_time_set_id: str | None = None
    dnc_list_ids: tuple[str, ...] = ()
    contact_list_filter_ids: tuple[str, ...] = ()
    contact_sorts: tuple[ContactSort, ...] = ()
    always_running: bool = False
    errors: tuple[CampaignError, ...] = ()
    cycle: int = 1
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None

    @property
    def type(self) -> str:
        return SMS_TYPE if self.sms_config is not None else EMAIL_TYPE

    @property
    def media_type(self) -> str:
        return "sms" if self.sms_config is not None else "email"

    @property
    def template_id(self) -> str | None:
        config = self.sms_config or self.email_config
        return config.content_template_id if config else None

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    def problems(self, max_per_minute: int | None = None) -> list[FieldProblem]:
        """What is wrong with the campaign on its own (references are checked by the service)."""
        found: list[FieldProblem] = []
        if not self.name.strip():
            found.append(FieldProblem("name", "required", "must not be blank"))
        if max_per_minute is not None and not 1 <= self.messages_per_minute <= max_per_minute:
            found.append(
                FieldProblem(
                    "messagesPerMinute", "invalid.value", f"between 1 and {max_per_minute}"
                )
            )
        if len(self.contact_sorts) > MAX_CONTACT_SORTS:
            found.append(
                FieldProblem("contactSorts", "limit.exceeded", f"at most {MAX_CONTACT_SORTS}")
            )
        if (self.sms_config is None) == (self.email_config is None):
            found.append(
                FieldProblem(
                    "smsConfig", "invalid.value", "exactly one of smsConfig and emailConfig"
                )
            )
        if self.sms_config is not None:
            found += _sms_problems(self.sms_config)
        if self.email_config is not None:
            found += _email_problems(self.email_config)
        return found

    def columns_used(self) -> list[tuple[str, str]]:
        """(field, column) for every contact list column the campaign names."""
        used = [
            (f"contactSorts[{i}].fieldName", s.field_name) for i, s in enumerate(self.contact_sorts)
        ]
        if self.sms_config is not None:
            used.append(("smsConfig.phoneColumn", self.sms_config.phone_column))
            if self.sms_config.message_column:
                used.append(("smsConfig.messageColumn", self.sms_config.message_column))
        if self.email_config is not None:
            used += [
                (f"emailConfig.emailColumns[{i}]", c)
                for i, c in enumerate(self.email_config.email_columns)
            ]
        return used


def _sms_problems(config: SmsConfig) -> list[FieldProblem]:
    found = []
    if not config.phone_column.strip():
        found.append(FieldProblem("smsConfig.phoneColumn", "required", "name a phone column"))
    if not config.sender_number.strip():
        found.append(
            FieldProblem("smsConfig.senderSmsPhoneNumber", "required", "a provisioned number")
        )
    if bool(config.content_template_id) == bool(config.message_column):
        found.append(
            FieldProblem(
                "smsConfig.contentTemplate",
                "invalid.value",
                "exactly one of contentTemplate and messageColumn",
            )
        )
    return found


def _email_problems(config: EmailConfig) -> list[FieldProblem]:
    found = []
    if not config.email_columns:
        found.append(FieldProblem("emailConfig.emailColumns", "required", "at least one column"))
    if not config.from_domain.strip():
        found.append(FieldProblem("emailConfig.fromAddress.domain", "required", "a domain"))
    if not config.from_local_part.strip() or "@" in config.from_local_part:
        found.append(
            FieldProblem(
                "emailConfig.fromAddress.localPart", "invalid.value", "the part before the @"
            )
        )
    if not config.content_template_id:
        found.append(
            FieldProblem("emailConfig.contentTemplate", "required", "a CampaignEmailTemplate")
        )
    return found


@dataclass
class Progress:
    """What a campaign's cycle has done so far, from its counters."""

    campaign_id: str
    contact_list_id: str
    total: int = 0
    messaged: int = 0
    # Every other outcome by wrap-up code: skips, and sends that failed or are ambiguous.
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def processed(self) -> int:
        return self.messaged + sum(self.skipped.values())

    @property
    def percentage(self) -> int:
        if self.total <= 0:
            return 0
        return min(100, self.processed * 100 // self.total)


@dataclass(frozen=True)
class Diagnostics:
    waiting_for_callable_time: int
    filtered_out: int


def status_after_switch(current: str, wanted: str, has_in_flight: bool) -> str:
    """The status a user's `on` / `off` leads to from `current`."""
    if wanted == ON:
        return ON
    if current in (ON, STOPPING) and has_in_flight:
        return STOPPING
    if current == COMPLETE:
        return COMPLETE
    return OFF


@dataclass(frozen=True)
class Claimed:
    """A pending attempt taken by the engine, with its contact (None: deleted meanwhile)."""

    seq: int
    contact_id: str
    contact: Contact | None


@dataclass(frozen=True)
class QueuedAttempt:
    seq: int
    message_id: str
    column: str
    address: str


@dataclass(frozen=True)
class WaitingAttempt:
    seq: int
    until: datetime
    column: str
    address: str


@dataclass(frozen=True)
class AttemptOutcome:
    seq: int
    wrapup: str
    reason: str | None = None
    column: str | None = None
    address: str | None = None
    cycle: int = 0


@dataclass(frozen=True)
class SettledSend:
    """A queued attempt whose message the outbox has settled, as the message ended."""

    cycle: int
    seq: int
    column: str | None
    address: str | None
    status: str
    error_code: str | None
    error_message: str | None


def outcome_of_send(send: SettledSend, ambiguous_reason: str, opted_out_code: str) -> str:
    """The wrap-up code of a contact whose message settled: accepted by the provider (even if
    a receipt later says it was not delivered), refused because the recipient opted out, sent
    with an unknown outcome, or failed."""
    if send.status in ("sent", "delivery-success", "delivery-failed"):
        return SENT
    if send.error_code == opted_out_code:
        return OPTED_OUT
    if send.error_message == ambiguous_reason:
        return AMBIGUOUS
    return FAILED
