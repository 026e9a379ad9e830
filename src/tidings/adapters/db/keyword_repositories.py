"""Opt-outs and their history, SMS keyword settings, and inbound parts awaiting the rest of
their message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from tidings.adapters.db import lock_keys
from tidings.adapters.db.database import Database
from tidings.adapters.db.division_repository import escape_like
from tidings.adapters.db.tables import (
    inbound_sms_parts,
    opt_out_events,
    opt_outs,
    sms_keyword_settings,
)
from tidings.adapters.db.webhook_repository import SqlWebhookRepository
from tidings.domain import sms_content
from tidings.domain.channels import InboundSms, SmsPart
from tidings.domain.keywords import ALL_SENDERS, KeywordSettings
from tidings.domain.opt_outs import OPT_IN, OPT_OUT, OptOut, OptOutChange, OptOutEvent
from tidings.domain.paging import PageRequest
from tidings.domain.senders import sender_key
from tidings.domain.webhooks import OPT_OUT_CHANGE, opt_out_event


def _opt_out(row: Any) -> OptOut:
    return OptOut(
        channel=row.channel,
        address=row.address,
        sender=row.sender,
        created_at=row.created_at,
        reason=row.reason,
        source=row.source,
        keyword=row.keyword,
        message_id=row.message_id,
        actor=row.actor,
        exempt=bool(row.exempt),
    )


def _event(row: Any) -> OptOutEvent:
    return OptOutEvent(
        id=row.id,
        channel=row.channel,
        address=row.address,
        sender=row.sender,
        action=row.action,
        source=row.source,
        occurred_at=row.occurred_at,
        keyword=row.keyword,
        message_id=row.message_id,
        actor=row.actor,
        reason=row.reason,
    )


class SqlOptOutRepository:
    """Each change is also written to the webhook outbox, in the same transaction."""

    def __init__(self, db: Database, webhooks: SqlWebhookRepository | None = None) -> None:
        self._db = db
        self._webhooks = webhooks or SqlWebhookRepository(db)

    def _of(self, channel: str, address: str) -> Any:
        return (opt_outs.c.channel == channel) & (opt_outs.c.address == address)

    @staticmethod
    def _sender_is(sender: str) -> Any:
        """A sender whatever its capitals: rows kept before senders were stored as
        provisioned may spell an alphanumeric sender otherwise (`sender_key`)."""
        return func.lower(opt_outs.c.sender) == sender_key(sender)

    async def suppress(
        self, channel: str, address: str, sender: str, change: OptOutChange, now: datetime
    ) -> None:
        """`sender` may no longer message `address` ("*": no sender may, and earlier
        exemptions from an all-senders opt-out end)."""
        await self._db.serialize(lock_keys.OPT_OUTS)
        if sender == ALL_SENDERS:
            await self._db.execute(
                delete(opt_outs).where(
                    self._of(channel, address),
                    (opt_outs.c.sender == ALL_SENDERS) | opt_outs.c.exempt,
                )
            )
        else:
            await self._db.execute(
                delete(opt_outs).where(self._of(channel, address), self._sender_is(sender))
            )
        await self._db.execute(
            insert(opt_outs).values(
                channel=channel,
                address=address,
                sender=sender,
                created_at=now,
                exempt=False,
                **self._why(change),
            )
        )
        await self._record(channel, address, sender, OPT_OUT, change, now)

    async def lift(
        self, channel: str, address: str, sender: str | None, change: OptOutChange, now: datetime
    ) -> None:
        """`sender` may message `address` again. A sender under an all-senders opt-out is
        exempted from it; "*" lifts the all-senders opt-out (not per-sender ones); None
        lifts everything for the address."""
        await self._db.serialize(lock_keys.OPT_OUTS)
        where = self._of(channel, address)
        if sender is None:
            await self._db.execute(delete(opt_outs).where(where))
        elif sender == ALL_SENDERS:
            await self._db.execute(
                delete(opt_outs).where(
                    where, (opt_outs.c.sender == ALL_SENDERS) | opt_outs.c.exempt
                )
            )
        else:
            await self._db.execute(delete(opt_outs).where(where, self._sender_is(sender)))
            everyone = (
                await self._db.execute(
                    select(opt_outs.c.sender).where(where, opt_outs.c.sender == ALL_SENDERS)
                )
            ).first()
            if everyone is not None:
                await self._db.execute(
                    insert(opt_outs).values(
                        channel=channel,
                        address=address,
                        sender=sender,
                        created_at=now,
                        exempt=True,
                        **self._why(change),
                    )
                )
        await self._record(channel, address, sender or ALL_SENDERS, OPT_IN, change, now)

    @staticmethod
    def _why(change: OptOutChange) -> dict[str, Any]:
        return {
            "reason": change.reason,
            "source": change.source,
            "keyword": change.keyword,
            "message_id": change.message_id,
            "actor": change.actor,
        }

    async def _record(
        self,
        channel: str,
        address: str,
        sender: str,
        action: str,
        change: OptOutChange,
        now: datetime,
    ) -> None:
        await self._db.execute(
            insert(opt_out_events).values(
                channel=channel,
                address=address,
                sender=sender,
                action=action,
                occurred_at=now,
                **self._why(change),
            )
        )
        event = opt_out_event(
            action=action,
            address=address,
            sender=sender,
            source=change.source,
            keyword=change.keyword,
            at=now,
        )
        await self._webhooks.record(OPT_OUT_CHANGE, [event], now)

    async def page(
        self,
        channel: str,
        page: PageRequest,
        *,
        address: str | None = None,
        sender: str | None = None,
    ) -> tuple[list[OptOut], int]:
        """Suppressions in force (exemptions are not listed), by address and sender.
        `address`: a part of the address to look for."""
        conditions = [opt_outs.c.channel == channel, ~opt_outs.c.exempt]
        if address:
            conditions.append(opt_outs.c.address.like(f"%{escape_like(address)}%", escape="/"))
        if sender:
            conditions.append(opt_outs.c.sender == sender)
        total = (
            await self._db.execute(select(func.count()).select_from(opt_outs).where(*conditions))
        ).scalar_one()
        rows = await self._db.execute(
            select(opt_outs)
            .where(*conditions)
            .order_by(opt_outs.c.address, opt_outs.c.sender)
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [_opt_out(r) for r in rows], int(total)

    async def after(self, channel: str, key: tuple[str, str] | None, limit: int) -> list[OptOut]:
        """Suppressions after `key` (address, sender) in key order: an export's next block."""
        conditions = [opt_outs.c.channel == channel, ~opt_outs.c.exempt]
        if key is not None:
            conditions.append(
                (opt_outs.c.address > key[0])
                | ((opt_outs.c.address == key[0]) & (opt_outs.c.sender > key[1]))
            )
        rows = await self._db.execute(
            select(opt_outs)
            .where(*conditions)
            .order_by(opt_outs.c.address, opt_outs.c.sender)
            .limit(limit)
        )
        return [_opt_out(r) for r in rows]

    async def of_address(self, channel: str, address: str) -> list[OptOut]:
        rows = await self._db.execute(
            select(opt_outs).where(self._of(channel, address)).order_by(opt_outs.c.sender)
        )
        return [_opt_out(r) for r in rows]

    async def history(
        self, channel: str, address: str | None = None, after_id: int = 0, limit: int = 1000
    ) -> list[OptOutEvent]:
        """Changes in the order they were made: one address's, or everyone's after an id."""
        conditions = [opt_out_events.c.channel == channel, opt_out_events.c.id > after_id]
        if address is not None:
            conditions.append(opt_out_events.c.address == address)
        rows = await self._db.execute(
            select(opt_out_events).where(*conditions).order_by(opt_out_events.c.id).limit(limit)
        )
        return [_event(r) for r in rows]


_SETTING_COLUMNS = (
    "opt_out_keywords",
    "opt_in_keywords",
    "help_keywords",
    "opt_out_text",
    "opt_in_text",
    "help_text",
)


def _settings(row: Any) -> KeywordSettings:
    values = {name: getattr(row, name) for name in _SETTING_COLUMNS}
    for name in _SETTING_COLUMNS[:3]:
        if values[name] is not None:
            values[name] = tuple(values[name])
    return KeywordSettings(**values)


class SqlKeywordSettingsRepository:
    """Settings by sender address; "*" holds the organisation's."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_many(self, senders: Sequence[str]) -> dict[str, tuple[KeywordSettings, datetime]]:
        rows = await self._db.execute(
            select(sms_keyword_settings).where(sms_keyword_settings.c.sender.in_(set(senders)))
        )
        return {row.sender: (_settings(row), row.date_modified) for row in rows}

    async def put(self, sender: str, settings: KeywordSettings, now: datetime) -> None:
        values: dict[str, Any] = {name: getattr(settings, name) for name in _SETTING_COLUMNS}
        for name in _SETTING_COLUMNS[:3]:
            if values[name] is not None:
                values[name] = list(values[name])
        await self._db.begin_write()
        changed = await self._db.execute(
            update(sms_keyword_settings)
            .where(sms_keyword_settings.c.sender == sender)
            .values(**values, date_modified=now)
        )
        if not changed.rowcount:
            await self._db.execute(
                insert(sms_keyword_settings).values(sender=sender, date_modified=now, **values)
            )

    async def delete(self, sender: str) -> bool:
        result = await self._db.execute(
            delete(sms_keyword_settings).where(sms_keyword_settings.c.sender == sender)
        )
        return bool(result.rowcount)


class SqlInboundPartRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_part(
        self,
        from_address: str,
        to_address: str,
        part: SmsPart,
        text: str,
        provider_message_id: str | None,
        received_at: datetime,
        *,
        since: datetime,
    ) -> tuple[str, str | None, datetime] | None:
        """Keeps one part; when it completes its message (with parts that arrived after
        `since`), the whole text (parts in order, a repeated part once), the first part's
        provider id and the first arrival time, and the parts are gone."""
        await self._db.serialize(lock_keys.INBOUND_PARTS)
        await self._db.execute(
            insert(inbound_sms_parts).values(
                from_address=from_address,
                to_address=to_address,
                reference=part.reference,
                total=part.total,
                sequence=part.sequence,
                text=text,
                payload=part.payload or None,
                alphabet=part.alphabet or None,
                provider_message_id=provider_message_id,
                received_at=received_at,
            )
        )
        same = (
            (inbound_sms_parts.c.from_address == from_address)
            & (inbound_sms_parts.c.to_address == to_address)
            & (inbound_sms_parts.c.reference == part.reference)
            & (inbound_sms_parts.c.total == part.total)
            # References are one byte: an old message's stray part must not join this one.
            & (inbound_sms_parts.c.received_at >= since)
        )
        rows = list(
            await self._db.execute(
                select(inbound_sms_parts).where(same).order_by(inbound_sms_parts.c.id)
            )
        )
        texts: dict[int, Any] = {}
        for row in rows:
            texts.setdefault(row.sequence, row)
        if set(texts) != set(range(1, part.total + 1)):
            return None
        await self._db.execute(
            delete(inbound_sms_parts).where(inbound_sms_parts.c.id.in_([r.id for r in rows]))
        )
        ordered = [texts[n] for n in range(1, part.total + 1)]
        return (
            _joined(ordered),
            ordered[0].provider_message_id,
            min(r.received_at for r in rows),
        )

    async def take_incomplete(self, before: datetime) -> tuple[InboundSms, int] | None:
        """The oldest message whose first part arrived before `before`, as the parts that
        came make it (in order, each once), with its part count; its parts are gone."""
        await self._db.serialize(lock_keys.INBOUND_PARTS)
        first = (
            await self._db.execute(
                select(inbound_sms_parts)
                .where(inbound_sms_parts.c.received_at < before)
                .order_by(inbound_sms_parts.c.received_at, inbound_sms_parts.c.id)
                .limit(1)
            )
        ).first()
        if first is None:
            return None
        rows = list(
            await self._db.execute(
                select(inbound_sms_parts)
                .where(
                    inbound_sms_parts.c.from_address == first.from_address,
                    inbound_sms_parts.c.to_address == first.to_address,
                    inbound_sms_parts.c.reference == first.reference,
                    inbound_sms_parts.c.total == first.total,
                    inbound_sms_parts.c.received_at < before,
                )
                .order_by(inbound_sms_parts.c.id)
            )
        )
        await self._db.execute(
            delete(inbound_sms_parts).where(inbound_sms_parts.c.id.in_([r.id for r in rows]))
        )
        texts: dict[int, Any] = {}
        for row in rows:
            texts.setdefault(row.sequence, row)
        ordered = [texts[n] for n in sorted(texts)]
        return (
            InboundSms(
                from_address=first.from_address,
                to_address=first.to_address,
                text=_joined(ordered),
                received_at=first.received_at,
                provider_message_id=ordered[0].provider_message_id,
            ),
            first.total,
        )


def _joined(ordered: list[Any]) -> str:
    return sms_content.joined(
        [(r.sequence, r.text, bytes(r.payload or b""), r.alphabet or "") for r in ordered]
    )
