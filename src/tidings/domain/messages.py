"""Messages and their conversations: what was sent or received, and where it stands.

A message's `status` uses Genesys' MessageData values and only moves forward
(domain.receipts.moves_forward): queued → sent → delivery-success | delivery-failed, or
failed. `send_state` is our own bookkeeping of the outbox: `pending` until a dispatcher
claims it, `sending` while claimed (with a lease), `done` once settled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tidings.domain.channels import SendOutcome, SendResult

QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
RECEIVED = "received"
DELIVERY_SUCCESS = "delivery-success"
DELIVERY_FAILED = "delivery-failed"

SMS = "sms"
EMAIL = "email"

PENDING = "pending"
SENDING = "sending"
DONE = "done"

# Genesys' ConversationNormalizedMessage reason codes we use.
RECIPIENT_OPTED_OUT = "RecipientOptedOut"
GENERAL_ERROR = "GeneralError"
INVALID_DESTINATION = "InvalidDestination"
RATE_LIMITED = "RateLimited"
MESSAGE_NOT_ALLOWED = "MessageNotAllowed"

# Transient refusals are retried this many times, with growing pauses, before the message fails.
MAX_SEND_ATTEMPTS = 8


def retry_delay(attempts: int, hint_seconds: float | None = None) -> timedelta:
    """The pause before the next try after `attempts` tries: doubling from 2 s up to 5
    minutes, or the provider's own hint when it gives a longer one."""
    backoff = min(2.0 * 2 ** max(attempts - 1, 0), 300.0)
    return timedelta(seconds=max(backoff, hint_seconds or 0.0))


@dataclass
class Message:
    id: str
    conversation_id: str
    media_type: str  # sms | email
    direction: str  # outbound | inbound
    from_address: str
    to_address: str
    status: str
    created_at: datetime
    text_body: str | None = None
    subject: str | None = None
    html_body: str | None = None
    from_name: str | None = None
    to_name: str | None = None
    reply_to: str | None = None
    segment_count: int = 0
    encoding: str | None = None
    provider_message_id: str | None = None
    error_code: str | None = None  # a Genesys reason code (RecipientOptedOut, ...)
    error_message: str | None = None
    provider_code: str | None = None  # the provider's own status (SMPP, SMTP, HTTP)
    send_state: str = PENDING
    attempts: int = 0
    status_changed_at: datetime | None = None
    sent_at: datetime | None = None
    response_id: str | None = None
    client_id: str | None = None
    campaign_id: str | None = None
    contact_list_id: str | None = None
    contact_id: str | None = None
    # Inbound e-mail: `text_body` is the new text, this the whole text with quoted history.
    full_text_body: str | None = None
    auto_reply: bool | None = None  # an automatic answer (vacation notice): not a reply
    # A keyword's answer (opt-out confirmation, help text): the outbox sends it even to a
    # number that just opted out, since the confirmation is what the rules require.
    keyword_reply: bool = False


@dataclass
class Conversation:
    id: str
    media_type: str
    from_address: str
    to_address: str
    started_at: datetime
    ended_at: datetime | None = None
    campaign_id: str | None = None
    division_id: str | None = None
    messages: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class ReceiptRecord:
    """A receipt as stored for a message: what `normalizedReceipts` lists."""

    message_id: str
    status: str  # delivery-success | delivery-failed | sent (intermediate)
    state: str  # the SMPP stat word
    error: str | None
    received_at: datetime
    final: bool
    reason: str | None = None  # what a bounce said


@dataclass(frozen=True)
class Settlement:
    """What became of one send: the outbox row's next state."""

    message_id: str
    status: str  # sent | failed | queued (to be retried)
    send_state: str
    provider_message_id: str | None = None
    provider_part_ids: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    provider_code: str | None = None
    retry_at: datetime | None = None


def settle(
    message_id: str,
    attempts: int,
    result: SendResult,
    now: datetime,
    *,
    receipts_by_provider_id: bool = True,
) -> Settlement:
    """The outbox row's next state after the `attempts`-th try gave `result`. The provider's
    ids are kept for matching receipts only where the sender's receipts name them."""
    if result.outcome is SendOutcome.ACCEPTED:
        part_ids = result.provider_part_ids or (
            (result.provider_message_id,) if result.provider_message_id else ()
        )
        return Settlement(
            message_id,
            SENT,
            DONE,
            provider_message_id=result.provider_message_id,
            provider_part_ids=part_ids if receipts_by_provider_id else (),
            provider_code=result.code,
        )
    if result.outcome is SendOutcome.RETRY and attempts < MAX_SEND_ATTEMPTS:
        return Settlement(
            message_id,
            QUEUED,
            PENDING,
            error_message=result.reason,
            provider_code=result.code,
            retry_at=now + retry_delay(attempts, result.retry_after_seconds),
        )
    if result.outcome is SendOutcome.REJECTED:
        code, reason = GENERAL_ERROR, result.reason or "the provider refused the message"
    elif result.outcome is SendOutcome.RETRY:
        code = RATE_LIMITED if result.code in THROTTLE_CODES else GENERAL_ERROR
        reason = f"not accepted after {attempts} tries: {result.reason or 'no reason given'}"
    else:
        code, reason = GENERAL_ERROR, AMBIGUOUS_REASON
    return Settlement(
        message_id,
        FAILED,
        DONE,
        # A long SMS can fail after some parts were taken: their receipts still come, and
        # belong to this message (its status stays failed), not to whichever message the
        # provider later gives the same ids.
        provider_part_ids=result.provider_part_ids if receipts_by_provider_id else (),
        error_code=code,
        error_message=reason,
        provider_code=result.code,
    )


# The provider's words for "slow down" (SMPP ESME_RTHROTTLED, ESME_RMSGQFUL; HTTP 429).
THROTTLE_CODES = frozenset({"0x00000058", "0x00000014", "429"})
AMBIGUOUS_REASON = (
    "the connection to the provider was lost after the message was handed over; it may or "
    "may not have been sent, and it is not sent again so that it cannot arrive twice"
)
