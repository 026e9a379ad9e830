"""Delivery receipts: what an SMSC or aggregator says became of a message, and the one
direction a message's status may move in.

SMPP receipts carry the de-facto format of SMPP 3.4 Appendix B in `short_message`
(`id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD
err:E text: ...`) and, from most SMSCs, the `receipted_message_id` and `message_state`
TLVs, which win over the text when present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# SMPP 3.4 message_state values (§5.2.28) and their stat: words.
STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
# What a receipt state means for the message (Genesys' MessageData.status).
DELIVERED = "delivery-success"
FAILED = "delivery-failed"
_OUTCOME = {
    "DELIVRD": DELIVERED,
    "EXPIRED": FAILED,
    "DELETED": FAILED,
    "UNDELIV": FAILED,
    "REJECTD": FAILED,
}
# Forward order of a message's status; a receipt never moves a message back.
_ORDER = {"queued": 0, "sent": 1, "failed": 2, DELIVERED: 2, FAILED: 2}

# Spelled-out stat: words some SMSCs send instead of the seven-letter ones.
_STAT_WORDS = {
    "DELIVERED": "DELIVRD",
    "UNDELIVERED": "UNDELIV",
    "UNDELIVERABLE": "UNDELIV",
    "REJECTED": "REJECTD",
    "ACCEPTED": "ACCEPTD",
}

_NAMES = "id|sub|dlvrd|submit date|done date|stat|err"
# `text:` comes last and holds the start of our own message ("Your order id: 4711"), so
# nothing from it on is read as a field.
_TEXT = re.compile(r"(?<!\S)text:", re.IGNORECASE)
_VALUE = rf"\s*(.*?)(?=\s+(?:{_NAMES}):|$)"
_FIELD = re.compile(rf"({_NAMES}):{_VALUE}", re.IGNORECASE | re.DOTALL)
_ERROR = re.compile(rf"(?<!\S)err:{_VALUE}", re.IGNORECASE | re.DOTALL)


# A provider's id and error code as we keep them: SMPP ids are at most 64 octets and error
# codes a few digits, so anything longer is noise, and a column has its size.
MAX_ID = 128
MAX_ERROR = 64


def without_nul(text: str) -> str:
    """`text` without NUL characters: some SMSCs send a C string's terminator along, and
    PostgreSQL refuses NUL in text (the whole batch of writes it came in would fail)."""
    return text.replace("\x00", "") if "\x00" in text else text


@dataclass(frozen=True)
class Receipt:
    message_id: str
    state: str  # a STATES word
    error: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message_id", without_nul(self.message_id).strip()[:MAX_ID])
        if self.error is not None:
            error = without_nul(self.error).strip()[:MAX_ERROR]
            object.__setattr__(self, "error", error or None)

    @property
    def final(self) -> bool:
        return self.state in _OUTCOME

    @property
    def outcome(self) -> str | None:
        """`delivery-success` or `delivery-failed` for a final state, else None."""
        return _OUTCOME.get(self.state)


def parse_receipt(
    text: str, receipted_message_id: str | None = None, message_state: int | None = None
) -> Receipt | None:
    """The receipt in a deliver_sm, or None when it carries none we can read."""
    text = without_nul(text)
    text_field = _TEXT.search(text)
    if text_field is not None:
        text = text[: text_field.start()]
    state = STATES.get(message_state or 0)
    if receipted_message_id and state:
        # The TLVs name the message and its state (most SMSCs send both): only the error
        # is read from the text, a fifth of the cost of reading every field.
        found = _ERROR.search(text)
        return _receipt(receipted_message_id, state, found.group(1).strip() if found else None)
    fields = {name.lower(): value.strip() for name, value in _FIELD.findall(text)}
    message_id = receipted_message_id or fields.get("id")
    if not state:
        word = fields.get("stat", "").upper()
        state = _STAT_WORDS.get(word, word)
    if not message_id or state not in STATES.values():
        return None
    return _receipt(message_id, state, fields.get("err"))


def _receipt(message_id: str, state: str, error: str | None) -> Receipt:
    error = without_nul(error).strip() if error is not None else None
    # err:000 (or err:0) is the SMSC saying there is none.
    return Receipt(message_id, state, error if error and error.strip("0") else None)


def moves_forward(current: str, proposed: str) -> bool:
    """Whether a message in `current` may take `proposed`: statuses only move forward, and
    a final one stays (a late or repeated receipt changes nothing)."""
    return _ORDER.get(proposed, -1) > _ORDER.get(current, -1)
