"""What the channels report, made durable: delivery receipts and inbound messages.

Receipts arrive at the rate messages are sent, so they are written in groups (one
transaction for all that arrived while the previous one was written); each adapter call
returns once its receipt is committed, so an SMSC is acknowledged only for what is kept.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tidings.domain.channels import DeliveryReport, InboundSms
from tidings.domain.ids import new_id
from tidings.domain.messages import DONE, RECEIVED, SMS, Conversation, Message
from tidings.domain.receipts import Receipt
from tidings.group_commit import GroupCommit
from tidings.ports import UnitOfWorkFactory

log = logging.getLogger("tidings.channels")


class ChannelRecorder:
    """The `ChannelEvents` port: every adapter's receipts and inbound messages land here."""

    def __init__(self, uow: UnitOfWorkFactory, *, reply_window: timedelta) -> None:
        self._uow = uow
        self._reply_window = reply_window
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
        """Stores the message on the newest conversation we started with its sender within
        the reply window, else on a new inbound conversation."""
        async with self._uow() as uow:
            conversation = await uow.messages.latest_conversation(
                SMS,
                message.to_address,
                message.from_address,
                message.received_at - self._reply_window,
            )
            new = None
            if conversation is None:
                new = conversation = Conversation(
                    id=new_id(),
                    media_type=SMS,
                    from_address=message.from_address,
                    to_address=message.to_address,
                    started_at=message.received_at,
                )
            await uow.messages.add(
                new,
                Message(
                    id=new_id(),
                    conversation_id=conversation.id,
                    media_type=SMS,
                    direction="inbound",
                    from_address=message.from_address,
                    to_address=message.to_address,
                    status=RECEIVED,
                    created_at=message.received_at,
                    text_body=message.text,
                    segment_count=message.part.total if message.part else 1,
                    provider_message_id=message.provider_message_id,
                    send_state=DONE,
                ),
            )
            await uow.commit()
        log.info(
            "inbound sms stored",
            extra={"conversation_id": conversation.id, "from": message.from_address},
        )

    async def close(self) -> None:
        for batcher in self._receipts.values():
            await batcher.close()
