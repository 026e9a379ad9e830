"""Inbound e-mail as received; bounces as receipts of the message they name; suppression of
bounced addresses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.message_repository import SqlMessageRepository
from tidings.adapters.db.message_rows import message_of as _message
from tidings.adapters.db.message_rows import status_time
from tidings.adapters.db.tables import inbound_emails, message_receipts, messages
from tidings.domain.ids import new_id
from tidings.domain.inbound_email import DeliveryStatus, ReceivedEmail
from tidings.domain.messages import DELIVERY_FAILED, EMAIL, SENT, Message
from tidings.domain.receipts import moves_forward

# Every sender: a bounced address is dead whoever writes to it.
EVERY_SENDER = "*"


class SqlInboundEmailRepository:
    def __init__(self, connection: Database, messages: SqlMessageRepository) -> None:
        self._db = connection
        self._messages = messages

    async def keep(
        self, mail: ReceivedEmail, kind: str, message_id: str | None, header_message_id: str
    ) -> None:
        await self._db.execute(
            insert(inbound_emails).values(
                id=new_id(),
                received_at=mail.received_at,
                mail_from=mail.mail_from,
                recipients=list(mail.recipients),
                kind=kind,
                message_id=message_id,
                header_message_id=header_message_id[:998] or None,
                size=len(mail.data),
                data=mail.data,
            )
        )

    async def email_message(self, message_id: str) -> Message | None:
        row = (
            await self._db.execute(
                select(messages).where(messages.c.id == message_id, messages.c.media_type == EMAIL)
            )
        ).first()
        return None if row is None else _message(row)

    async def record_bounce(
        self, message: Message, status: DeliveryStatus, received_at: datetime
    ) -> None:
        """A receipt on the message; a hard bounce also moves it to `delivery-failed` with
        the reason (forward only: a message already final keeps its status)."""
        reason = status.reason[:2000]
        await self._db.execute(
            insert(message_receipts).values(
                channel=EMAIL,
                provider_message_id=(message.provider_message_id or message.id)[:128],
                message_id=message.id,
                state="BOUNCED" if status.hard else "DELAYED",
                status=DELIVERY_FAILED if status.hard else SENT,
                error=status.status or None,
                final=status.hard,
                received_at=received_at,
                reason=reason,
            )
        )
        if status.hard and moves_forward(message.status, DELIVERY_FAILED):
            moved = await self._db.execute(
                update(messages)
                .where(messages.c.id == message.id, messages.c.status == message.status)
                .values(
                    status=DELIVERY_FAILED,
                    error_message=f"the message bounced: {reason}",
                    provider_code=status.status[:32] or None,
                    status_changed_at=status_time(received_at),
                )
            )
            if moved.rowcount:
                await self._messages.report_status([message.id], received_at)
