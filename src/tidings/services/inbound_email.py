"""Replies and bounces that come back by e-mail, made durable and acted on.

`receive` runs one transaction: the mail's bytes are kept (`inbound_emails`) together with
what they mean, a reply threaded onto its conversation or a bounce applied to its message.
The receiver acknowledges the mail only after that commit, so nothing acknowledged is lost;
if reading what the mail means fails, the bytes are still kept (kind `kept`).

Which recipients are ours (asked at RCPT time, so a spammer's mail is refused before its
body is sent): a VERP return path whose tag is ours, and any address at one of our outbound
e-mail domains or at a domain named in `TIDINGS_INBOUND_DOMAINS`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime

from tidings.domain import verp
from tidings.domain.ids import new_id, utcnow
from tidings.domain.inbound_email import (
    AUTO_REPLY,
    HARD_BOUNCE,
    KEPT,
    NEW,
    REPLY,
    SOFT_BOUNCE,
    UNSUBSCRIBED,
    DeliveryStatus,
    ParsedEmail,
    ReceivedEmail,
    new_text,
)
from tidings.domain.keywords import ALL_SENDERS
from tidings.domain.messages import DONE, EMAIL, RECEIVED, SENDING, Conversation, Message
from tidings.domain.opt_outs import BOUNCE, UNSUBSCRIBE, OptOutChange, opt_out_key
from tidings.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("tidings.inbound")

DOMAIN_CACHE_SECONDS = 60.0
# A bounce may come back before the settlement of its send is committed (a local relay
# bounces within milliseconds); it waits this long for the send to settle first, so the
# settlement cannot overwrite `delivery-failed` with `sent`.
SETTLE_WAIT_SECONDS = 10.0


class InboundEmailService:
    """The `InboundMail` port."""

    def __init__(
        self, uow: UnitOfWorkFactory, verp_key: bytes, inbound_domains: Sequence[str] = ()
    ) -> None:
        self._uow = uow
        self._verp_key = verp_key
        self._inbound_domains = frozenset(d.strip().lower().rstrip(".") for d in inbound_domains)
        self._domains: dict[str, tuple[float, bool]] = {}

    def is_bounce_address(self, address: str) -> bool:
        return verp.bounced_message(self._verp_key, address) is not None

    async def accepts(self, address: str) -> bool:
        if self.is_bounce_address(address) or verp.unsubscribing_message(self._verp_key, address):
            return True
        domain = address.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")
        if not domain:
            return False
        if domain in self._inbound_domains:
            return True
        cached = self._domains.get(domain)
        if cached is not None and time.monotonic() - cached[0] < DOMAIN_CACHE_SECONDS:
            return cached[1]
        async with self._uow() as uow:
            ours = await uow.email_domains.get(domain) is not None
        self._domains[domain] = (time.monotonic(), ours)
        return ours

    async def receive(self, mail: ReceivedEmail, parsed: ParsedEmail) -> str:
        try:
            async with self._uow() as uow:
                kind, message_id = await self._act(uow, mail, parsed)
                await uow.inbound_emails.keep(mail, kind, message_id, parsed.message_id)
                await uow.commit()
        except Exception:
            # Whatever went wrong reading it, the bytes are kept; a failing database raises
            # here again and the receiver answers 451 (the sender tries again later).
            log.exception("an inbound e-mail could not be acted on; it is kept as it came")
            kind, message_id = KEPT, None
            async with self._uow() as uow:
                await uow.inbound_emails.keep(mail, kind, None, parsed.message_id)
                await uow.commit()
        log.info(
            "inbound e-mail stored",
            extra={"kind": kind, "message_id": message_id, "size": len(mail.data)},
        )
        return kind

    async def unsubscribe(self, message_id: str, tag: str) -> bool:
        """The one-click link of a campaign e-mail (RFC 8058): its recipient opts out of
        its sender. False when the link is not one of ours."""
        found = verp.tagged_for_unsubscribe(self._verp_key, message_id, tag)
        if found is None:
            return False
        async with self._uow() as uow:
            done = await self._unsubscribe(uow, found, utcnow(), "one-click link")
            await uow.commit()
        return done

    async def _unsubscribe(self, uow: UnitOfWork, message_id: str, at: datetime, how: str) -> bool:
        message = await uow.inbound_emails.email_message(message_id)
        if message is None:
            return False
        await uow.opt_outs.suppress(
            EMAIL,
            opt_out_key(EMAIL, message.to_address),
            message.from_address,
            OptOutChange(
                UNSUBSCRIBE,
                message_id=message.id,
                reason=f"unsubscribed from message {message.id} ({how})",
            ),
            at,
        )
        log.info("e-mail recipient unsubscribed", extra={"message_id": message.id, "how": how})
        return True

    async def _act(
        self, uow: UnitOfWork, mail: ReceivedEmail, parsed: ParsedEmail
    ) -> tuple[str, str | None]:
        leaving = next(
            (
                found
                for found in (
                    verp.unsubscribing_message(self._verp_key, r) for r in mail.recipients
                )
                if found is not None
            ),
            None,
        )
        if leaving is not None:  # whatever it says (RFC 2369: the mail is the request)
            done = await self._unsubscribe(uow, leaving, mail.received_at, "mail")
            return (UNSUBSCRIBED if done else KEPT), leaving if done else None
        bounced = next(
            (
                found
                for found in (verp.bounced_message(self._verp_key, r) for r in mail.recipients)
                if found is not None
            ),
            None,
        )
        if parsed.is_bounce:
            return await self._bounce(uow, mail, parsed, bounced)
        if not parsed.readable:
            return KEPT, None
        original = await self._answered(uow, parsed, bounced)
        if original is None and parsed.auto_reply:
            return KEPT, None  # an automatic answer to nothing of ours opens nothing
        conversation: Conversation | None = None
        if original is None:
            ours = next((r for r in mail.recipients if not self.is_bounce_address(r)), "")
            # Oriented as our own conversations are (from us, to them), so the read-back
            # names the writer as the customer participant.
            conversation = Conversation(
                id=new_id(),
                media_type=EMAIL,
                from_address=ours[:320],
                to_address=parsed.from_address[:320],
                started_at=mail.received_at,
            )
            conversation_id, to_address = conversation.id, conversation.from_address
        else:
            conversation_id, to_address = original.conversation_id, original.from_address
        message = Message(
            id=new_id(),
            conversation_id=conversation_id,
            media_type=EMAIL,
            direction="inbound",
            from_address=parsed.from_address[:320],
            to_address=to_address,
            from_name=(parsed.from_name or "")[:256] or None,
            status=RECEIVED,
            created_at=mail.received_at,
            subject=parsed.subject,
            text_body=new_text(parsed.text),
            full_text_body=parsed.text,
            html_body=parsed.html,
            provider_message_id=parsed.message_id[:128] or None,
            send_state=DONE,
            auto_reply=parsed.auto_reply,
        )
        await uow.messages.add(conversation, message)
        if parsed.auto_reply:
            return AUTO_REPLY, message.id
        return (REPLY if original is not None else NEW), message.id

    async def _answered(
        self, uow: UnitOfWork, parsed: ParsedEmail, bounced: str | None
    ) -> Message | None:
        """Our message the mail answers: named by In-Reply-To or References (our
        Message-IDs name message and conversation), else by the VERP address it came to."""
        for reference in parsed.references:
            ids = verp.ids_in_reference(reference)
            if ids is None:
                continue
            found = await uow.messages.messages_of(ids[1], [ids[0]])
            if found and found[0].media_type == EMAIL:
                return found[0]
        return await uow.inbound_emails.email_message(bounced) if bounced else None

    async def _bounce(
        self, uow: UnitOfWork, mail: ReceivedEmail, parsed: ParsedEmail, bounced: str | None
    ) -> tuple[str, str | None]:
        """Bounces count only through a VERP address: its tag proves we sent the message,
        so a forged DSN cannot fail someone else's message or suppress their address."""
        message = await self._settled(uow, bounced) if bounced else None
        if message is None:
            return KEPT, None
        status = _status_for(message, parsed.delivery_statuses)
        if status is None or not (status.hard or status.soft):
            return KEPT, message.id
        await uow.inbound_emails.record_bounce(message, status, mail.received_at)
        if not status.hard:
            return SOFT_BOUNCE, message.id
        await uow.opt_outs.suppress(
            EMAIL,
            opt_out_key(EMAIL, message.to_address),
            ALL_SENDERS,
            OptOutChange(
                BOUNCE,
                message_id=message.id,
                reason=f"hard bounce of message {message.id}: {status.reason}"[:2000],
            ),
            mail.received_at,
        )
        return HARD_BOUNCE, message.id

    async def _settled(self, uow: UnitOfWork, message_id: str) -> Message | None:
        deadline = time.monotonic() + SETTLE_WAIT_SECONDS
        while True:
            message = await uow.inbound_emails.email_message(message_id)
            if message is None or message.send_state != SENDING:
                return message
            if time.monotonic() > deadline:
                return message
            # Reads before the first write hold no lock (see adapters/db/database.py).
            await asyncio.sleep(0.05)


def _status_for(message: Message, statuses: Sequence[DeliveryStatus]) -> DeliveryStatus | None:
    """The block about the message's recipient; else the first that reports a failure."""
    to = message.to_address.lower()
    for status in statuses:
        if status.recipient == to:
            return status
    return next((s for s in statuses if s.hard or s.soft), None)
