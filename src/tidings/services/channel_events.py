"""What the channels report, made durable: delivery receipts and inbound messages (with
the keywords they may carry: opt-out, opt-in, help).

Receipts arrive at the rate messages are sent, so they are written in groups (one
transaction for all that arrived while the previous one was written); each adapter call
returns once its receipt is committed, so an SMSC is acknowledged only for what is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from tidings.domain import keywords, sms_content
from tidings.domain.channels import DeliveryReport, InboundSms
from tidings.domain.ids import new_id, utcnow
from tidings.domain.keywords import ALL_SENDERS, KeywordAction, KeywordMatch
from tidings.domain.messages import (
    DONE,
    PENDING,
    QUEUED,
    RECEIVED,
    SMS,
    Conversation,
    Message,
)
from tidings.domain.opt_outs import KEYWORD, OptOutChange
from tidings.domain.receipts import Receipt
from tidings.group_commit import GroupCommit
from tidings.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("tidings.channels")

# How long the parts of a long inbound message wait for each other: after that the parts
# that came are stored as the message (and a late part is a message of its own).
PARTS_WAIT = timedelta(minutes=10)
# A provider delivering a message again does so within minutes; ids may come back much
# later (an SMSC restarted), and then they are another message.
REDELIVERY_WINDOW = timedelta(days=1)


class ChannelRecorder:
    """The `ChannelEvents` port: every adapter's receipts and inbound messages land here."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        reply_window: timedelta,
        wake: Callable[[str], None] = lambda _media_type: None,
    ) -> None:
        self._uow = uow
        self._reply_window = reply_window
        self._wake = wake  # a keyword's answer was queued: the outbox looks now
        self._receipts: dict[str, GroupCommit[tuple[Receipt, datetime]]] = {}

    async def delivery_report(self, report: DeliveryReport) -> None:
        batcher = self._receipts.get(report.channel)
        if batcher is None:
            channel = report.channel

            async def write(batch: list[tuple[Receipt, datetime]]) -> None:
                async with self._uow() as uow:
                    await uow.messages.record_receipts(channel, batch)
                    await uow.commit()

            batcher = self._receipts[channel] = GroupCommit(write)
        await batcher.submit((report.receipt, report.received_at))

    async def inbound_sms(self, message: InboundSms) -> None:
        """Stores the message (a part waits for the rest of its message), acts on a keyword
        (opt-out, opt-in, help, with the answer queued), then threads it: onto the newest
        open conversation with its sender within the reply window, else a new one."""
        segments = 1
        async with self._uow() as uow:
            if message.part is not None and message.part.total > 1:
                segments = message.part.total
                whole = await uow.inbound_parts.add_part(
                    message.from_address,
                    message.to_address,
                    message.part,
                    message.text,
                    message.provider_message_id,
                    message.received_at,
                    since=message.received_at - PARTS_WAIT,
                )
                if whole is None:
                    await uow.commit()
                    return
                text, provider_id, first_at = whole
                message = replace(
                    message, text=text, provider_message_id=provider_id, received_at=first_at
                )
            elif message.provider_message_id and await uow.messages.inbound_seen(
                SMS,
                message.from_address,
                message.provider_message_id,
                message.received_at - REDELIVERY_WINDOW,
            ):
                # The provider delivered it again (a webhook retried after a lost answer):
                # a STOP acted on twice would confirm twice.
                log.info(
                    "inbound sms delivered again, ignored",
                    extra={"provider_message_id": message.provider_message_id},
                )
                return
            stored, matched = await self._store(uow, message, segments)
            await uow.commit()
        self._stored(stored, matched)

    async def store_incomplete_parts(self, now: datetime) -> int:
        """Stores, with the parts that came, each long message whose first part has waited
        PARTS_WAIT for the others: a lost part must not lose the whole reply (or its STOP)."""
        count = 0
        while True:
            async with self._uow() as uow:
                found = await uow.inbound_parts.take_incomplete(now - PARTS_WAIT)
                if found is None:
                    return count
                message, segments = found
                stored, matched = await self._store(uow, message, segments)
                await uow.commit()
            log.warning(
                "inbound sms stored with parts missing",
                extra={"from": message.from_address, "parts": segments},
            )
            self._stored(stored, matched)
            count += 1

    def _stored(self, stored: Message, matched: KeywordMatch | None) -> None:
        if matched is not None:
            self._wake(SMS)
        log.info(
            "inbound sms stored",
            extra={
                "conversation_id": stored.conversation_id,
                "from": stored.from_address,
                "keyword": matched.keyword if matched else None,
            },
        )

    async def _store(
        self, uow: UnitOfWork, message: InboundSms, segments: int
    ) -> tuple[Message, KeywordMatch | None]:
        ours = await self._our_address(uow, message.to_address)
        conversation = await uow.messages.latest_conversation(
            SMS, ours, message.from_address, message.received_at - self._reply_window
        )
        new = None
        if conversation is None:
            new = conversation = Conversation(
                id=new_id(),
                media_type=SMS,
                from_address=message.from_address,
                to_address=ours,
                started_at=message.received_at,
            )
        inbound = Message(
            id=new_id(),
            conversation_id=conversation.id,
            media_type=SMS,
            direction="inbound",
            from_address=message.from_address,
            to_address=ours,
            status=RECEIVED,
            created_at=message.received_at,
            text_body=message.text,
            segment_count=segments,
            provider_message_id=message.provider_message_id,
            send_state=DONE,
        )
        await uow.messages.add(new, inbound)
        return inbound, await self._keyword(uow, inbound)

    @staticmethod
    async def _our_address(uow: UnitOfWork, address: str) -> str:
        """Our sender number as we send from it: an SMSC may drop the `+` of E.164."""
        if (
            address.isdigit()
            and await uow.sms_numbers.find_by_address(address) is None
            and await uow.sms_numbers.find_by_address("+" + address) is not None
        ):
            return "+" + address
        return address

    async def _keyword(self, uow: UnitOfWork, inbound: Message) -> KeywordMatch | None:
        """Acts on a keyword: the suppression set or lifted (with its history) and the
        answer queued on the same conversation, sent even to a number that just opted out."""
        ours, theirs = inbound.to_address, inbound.from_address
        stored = await uow.keyword_settings.get_many([ALL_SENDERS, ours])
        rules = keywords.rules(
            stored[ALL_SENDERS][0] if ALL_SENDERS in stored else None,
            stored[ours][0] if ours in stored else None,
        )
        matched = rules.match(inbound.text_body or "")
        if matched is None:
            return None
        change = OptOutChange(KEYWORD, keyword=matched.keyword, message_id=inbound.id)
        now = inbound.created_at
        if matched.action is KeywordAction.OPT_OUT:
            await uow.opt_outs.suppress(SMS, theirs, ours, change, now)
        elif matched.action is KeywordAction.OPT_OUT_ALL:
            await uow.opt_outs.suppress(SMS, theirs, ALL_SENDERS, change, now)
        elif matched.action is KeywordAction.OPT_IN:
            await uow.opt_outs.lift(SMS, theirs, ours, change, now)
        text = rules.reply(matched.action)
        size = sms_content.size(text)
        await uow.messages.add(
            None,
            Message(
                id=new_id(),
                conversation_id=inbound.conversation_id,
                media_type=SMS,
                direction="outbound",
                from_address=ours,
                to_address=theirs,
                status=QUEUED,
                created_at=utcnow(),
                text_body=text,
                segment_count=size.segments,
                encoding=size.encoding,
                send_state=PENDING,
                keyword_reply=True,
            ),
        )
        return matched

    async def close(self) -> None:
        for batcher in self._receipts.values():
            await batcher.close()
