"""Mail that comes back: replies (and auto-replies) to our e-mails, and bounces.

The receiver hands the core a `ReceivedEmail` (the envelope and the bytes, exactly as
acknowledged) with its reading, a `ParsedEmail`. The rules here are pure: what counts as an
automatic reply, which part of a reply's text is new, and whether a delivery status is a
hard or a soft failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# What became of an inbound e-mail (the `kind` kept with its bytes).
REPLY = "reply"  # threaded onto the conversation of the message it answers
AUTO_REPLY = "auto-reply"  # a vacation notice or other automatic answer: kept, not a reply
NEW = "new"  # to a known address, answering nothing of ours: a new inbound conversation
HARD_BOUNCE = "hard-bounce"
SOFT_BOUNCE = "soft-bounce"
UNSUBSCRIBED = "unsubscribe"  # sent to a List-Unsubscribe address: the recipient left
# Kept as received and nothing more: a bounce naming no message of ours, a DSN saying
# "delivered", an automatic answer to nothing, bytes that are not a readable message.
KEPT = "kept"


@dataclass(frozen=True)
class ReceivedEmail:
    """One SMTP transaction, as acknowledged."""

    mail_from: str  # the envelope sender; empty for a bounce (`MAIL FROM:<>`)
    recipients: tuple[str, ...]
    data: bytes
    received_at: datetime


@dataclass(frozen=True)
class DeliveryStatus:
    """One recipient's block of a DSN (RFC 3464), or what a non-standard bounce said."""

    recipient: str
    action: str  # failed | delayed | delivered | relayed | expanded
    status: str  # an RFC 3463 code, 5.1.1; empty when the bounce gave none
    diagnostic: str = ""

    @property
    def hard(self) -> bool:
        return self.action == "failed" and not self.status.startswith("4")

    @property
    def soft(self) -> bool:
        return self.action == "delayed" or (self.action == "failed" and self.status.startswith("4"))

    @property
    def reason(self) -> str:
        said = self.diagnostic or f"the receiving server reported {self.action}"
        return f"{self.status} {said}".strip() if self.status not in said else said


@dataclass(frozen=True)
class ParsedEmail:
    from_address: str  # the From header's address, else the envelope sender
    from_name: str | None
    subject: str
    text: str  # the whole plain text (HTML reduced to text when there is no plain part)
    html: str | None
    message_id: str  # the Message-ID header, angle brackets included; may be empty
    references: tuple[str, ...]  # In-Reply-To first, then References newest first
    auto_reply: bool
    # Set when the mail is a bounce: every recipient block it reports on.
    delivery_statuses: tuple[DeliveryStatus, ...] = ()
    is_bounce: bool = False
    readable: bool = True


# Subjects of vacation notices and out-of-office answers that carry no header saying so.
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)\b|auto:|out of (the )?office\b|"
    r"abwesenheitsnotiz|r[ée]ponse automatique|vacation\b|away from (my|the) office)",
    re.IGNORECASE,
)


def is_auto_reply(headers: dict[str, str], subject: str) -> bool:
    """RFC 3834 `Auto-Submitted` other than `no`, the `X-Autoreply` family, `Precedence:
    bulk|junk|auto_reply`, or a vacation notice's subject. `headers`: lower-case names."""
    submitted = headers.get("auto-submitted", "").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return True
    if any(name in headers for name in ("x-autoreply", "x-autorespond", "x-autoresponder")):
        return True
    if headers.get("precedence", "").strip().lower() in {"bulk", "junk", "auto_reply"}:
        return True
    return bool(_AUTO_SUBJECT.match(subject))


# Where quoted history starts: "On <date>, <someone> wrote:" (Gmail and Apple Mail, at times
# wrapped onto a second line), Outlook's separator or its From:/Sent: block, and the French
# and German attributions.
_ATTRIBUTION = re.compile(
    r"^(on\b.{0,300}\bwrote:|le\b.{0,300}\ba écrit\s?:|am\b.{0,300}\bschrieb\b.{0,100}:)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_SEPARATOR = re.compile(r"^\s*(-{2,}\s*original message\s*-{2,}|_{10,})\s*$", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(from|von|de)\s*:\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(sent|date|gesendet|envoyé|to|subject)\s*:", re.IGNORECASE)


def new_text(text: str) -> str:
    """The part of a reply its writer typed: the text before the quoted history, without
    `>`-quoted lines; for a reply written below the quote, its lines that are not quoted.
    The whole text when nothing is left (a reply that is all quote)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (
            _SEPARATOR.match(line)
            or _ATTRIBUTION.match(line.strip())
            # Gmail wraps a long "On ... wrote:" over two lines; but a line of the writer's
            # own that starts with "On" or "Le" may stand above a one-line header.
            or (
                not _ATTRIBUTION.match(following.strip())
                and _ATTRIBUTION.match(f"{line.strip()} {following.strip()}")
            )
            or (_OUTLOOK_FROM.match(line) and _OUTLOOK_NEXT.match(following))
        ):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    found = "\n".join(kept).strip()
    if not found:  # written below the quote (bottom-posting): the lines not quoted
        found = "\n".join(
            line
            for line in lines
            if not line.lstrip().startswith(">") and not _ATTRIBUTION.match(line.strip())
        ).strip()
    return found or text.strip()
