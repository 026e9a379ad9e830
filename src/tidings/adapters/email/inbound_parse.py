"""Reading an inbound e-mail's bytes into a `ParsedEmail`, whatever they are.

The standard library's parser never gives up on a message, but reading a header or a part
from what it built can raise (an unknown charset, a broken encoded word, a header the
policy cannot fold). So every read here has a plainer fallback, and the whole reading one
more: bytes that cannot be read at all become an unreadable `ParsedEmail`, kept as they came.

Bounces: a DSN (RFC 3464 `multipart/report; report-type=delivery-status`) is read with the
standard library; anything else sent to a bounce address goes to `flufl.bounce`, whose
detectors know the odd formats of old and misconfigured mail servers.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from email.message import Message
from email.utils import parseaddr
from html.parser import HTMLParser

from flufl.bounce import all_failures

from tidings.domain.inbound_email import DeliveryStatus, ParsedEmail, is_auto_reply

log = logging.getLogger("tidings.inbound")

_MESSAGE_ID = re.compile(r"<[^<>\s]{1,998}>")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_MAX_TEXT = 1_000_000  # characters kept of a body: the bytes are kept whole anyway


def parse(data: bytes, mail_from: str, bounce_address: bool) -> ParsedEmail:
    """`bounce_address`: the mail came to one of our VERP addresses, so a message that is
    not a DSN is still read as a bounce if a bounce detector recognises it."""
    try:
        return _parse(data, mail_from, bounce_address)
    except Exception:
        log.warning("an inbound e-mail could not be read; it is kept as it came", exc_info=True)
        return ParsedEmail(
            from_address=mail_from,
            from_name=None,
            subject="",
            text=_clean(data[:_MAX_TEXT].decode("utf-8", "replace")),
            html=None,
            message_id="",
            references=(),
            auto_reply=False,
            readable=False,
        )


def _parse(data: bytes, mail_from: str, bounce_address: bool) -> ParsedEmail:
    message = email.message_from_bytes(data, policy=email.policy.default)
    headers = {name.lower(): _header(message, name) for name in set(message.keys())}
    name, address = parseaddr(headers.get("from", ""))
    subject = headers.get("subject", "")
    references = _message_ids(headers.get("in-reply-to", "")) + tuple(
        reversed(_message_ids(headers.get("references", "")))
    )
    statuses = _dsn(message)
    is_bounce = bool(statuses) or _is_report(message)
    if not is_bounce and bounce_address:
        statuses = _detected(message)
        is_bounce = bool(statuses) or not mail_from
    text, html = _bodies(message)
    return ParsedEmail(
        from_address=_clean(address if "@" in address else mail_from),
        from_name=_clean(name) or None,
        subject=_clean(subject),
        text=_clean(text),
        html=_clean(html) if html is not None else None,
        message_id=next(iter(_message_ids(headers.get("message-id", ""))), ""),
        references=tuple(dict.fromkeys(references)),
        auto_reply=is_auto_reply(headers, subject),
        delivery_statuses=statuses,
        is_bounce=is_bounce,
    )


def _clean(text: str) -> str:
    """Text any database takes: no NUL (PostgreSQL refuses it), no lone surrogates (left
    by undecodable header bytes; no UTF-8 encoder takes them)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _header(message: Message, name: str) -> str:
    """A header's value, its encoded words decoded; its raw text if decoding fails."""
    try:
        value = message.get(name)
        return _one_line(str(value)) if value is not None else ""
    except Exception:
        for raw_name, raw_value in message.raw_items():
            if raw_name.lower() == name.lower():
                return _one_line(str(raw_value))
        return ""


def _one_line(value: str) -> str:
    return re.sub(r"[\r\n]+[ \t]*", " ", value).strip()[:4000]


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(value))[:100]


def _is_report(message: Message) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and (message.get_param("report-type") or "").__str__().lower() == "delivery-status"
    )


def _dsn(message: Message) -> tuple[DeliveryStatus, ...]:
    """The per-recipient blocks of an RFC 3464 report, in order."""
    if not _is_report(message):
        return ()
    found: list[DeliveryStatus] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:  # the first block is about the whole message
            if not isinstance(block, Message):
                continue
            recipient = _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
            action = _header(block, "Action").lower()
            status = _STATUS.search(_header(block, "Status"))
            if not recipient and not action:
                continue
            found.append(
                DeliveryStatus(
                    recipient=_address_of(recipient),
                    action=action or "failed",
                    status=status.group(0) if status else "",
                    diagnostic=_diagnostic(_header(block, "Diagnostic-Code")),
                )
            )
    return tuple(found)


def _address_of(field: str) -> str:
    """`rfc822; ann@example.org` → `ann@example.org`."""
    _, _, value = field.rpartition(";")
    return value.strip().strip("<>").lower()


def _diagnostic(field: str) -> str:
    """`smtp; 550 5.1.1 <ann@example.org>: no such user` → the reply after the type."""
    kind, sep, value = field.partition(";")
    return (value if sep and " " not in kind.strip() else field).strip()[:1000]


def _detected(message: Message) -> tuple[DeliveryStatus, ...]:
    """A bounce in one of the non-standard formats flufl.bounce recognises."""
    try:
        temporary, permanent = all_failures(message)
    except Exception:
        return ()
    status = _STATUS.search(_bodies(message)[0][:20_000])
    code = status.group(0) if status else ""

    def block(raw: bytes | str, action: str, fallback: str) -> DeliveryStatus:
        address = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        return DeliveryStatus(
            recipient=address.strip().strip("<>").lower(),
            action=action,
            status=code if code[:1] == fallback[0] else fallback,
            diagnostic="a non-standard bounce",
        )

    return tuple(
        [block(a, "failed", "5.0.0") for a in sorted(permanent)]
        + [block(a, "delayed", "4.0.0") for a in sorted(temporary)]
    )


def _bodies(message: Message) -> tuple[str, str | None]:
    """The plain text (or the HTML reduced to text) and the HTML, if any."""
    plain = html = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _content(part)
        elif kind == "text/html" and html is None:
            html = _content(part)
        if plain is not None and html is not None:
            break
    text = plain if plain is not None else (_html_text(html) if html is not None else "")
    return text[:_MAX_TEXT], html[:_MAX_TEXT] if html is not None else None


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except Exception:
        pass
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode("utf-8", "replace")
    return str(part.get_payload())


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head"}:
            self._skip += 1
        elif tag in {"br", "p", "div", "tr", "li", "blockquote"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> str:
    reader = _TextOf()
    try:
        reader.feed(html)
        reader.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(reader.parts)).strip()
