"""Messages, conversations and the outbox they form; receipts; opt-outs; idempotency keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update

from tidings.adapters.db import lock_keys
from tidings.adapters.db import send_path_queries as q
from tidings.adapters.db.database import Database
from tidings.adapters.db.message_rows import (
    ADVANCE_STATUS,
    INSERT_CONVERSATIONS,
    INSERT_MESSAGES,
    INSERT_PROVIDER_IDS,
    INSERT_RECEIPTS,
    SETTLE,
    conversation_of,
    conversation_values,
    joining_statement,
    message_values,
    read_messages,
    said_by,
)
from tidings.adapters.db.tables import (
    conversations,
    idempotency_keys,
    message_receipts,
    messages,
    opt_outs,
)
from tidings.adapters.db.webhook_repository import SqlWebhookRepository
from tidings.domain.messages import (
    AMBIGUOUS_REASON,
    DONE,
    FAILED,
    GENERAL_ERROR,
    QUEUED,
    SENDING,
    Conversation,
    Message,
    ReceiptRecord,
    Settlement,
)
from tidings.domain.opt_outs import blocked, opt_out_key
from tidings.domain.receipts import Receipt, moves_forward
from tidings.domain.senders import sender_key
from tidings.domain.webhooks import MESSAGE_INBOUND, MESSAGE_STATUS, message_event_of


class SqlMessageRepository:
    """Every status change and every inbound message is also written to the webhook outbox
    here, in the same transaction, so each committed change is reported exactly once."""

    def __init__(self, connection: Database, webhooks: SqlWebhookRepository | None = None) -> None:
        self._db = connection
        self._webhooks = webhooks or SqlWebhookRepository(connection)

    async def add(self, conversation: Conversation | None, message: Message) -> None:
        """Stores a message (and its new conversation); an outbound one joins the outbox."""
        await self.add_many([(conversation, message)])

    async def add_many(self, pairs: Sequence[tuple[Conversation | None, Message]]) -> None:
        if not pairs:
            return
        started = {c.id: c for c, _ in pairs if c is not None}
        firsts: dict[str, list[Message]] = {key: [] for key in started}
        joining = []
        for _, message in pairs:
            found = firsts.get(message.conversation_id)
            if found is None:
                joining.append(message)
            else:
                found.append(message)
        await self._db.execute_many(
            INSERT_CONVERSATIONS, [conversation_values(c, firsts[c.id]) for c in started.values()]
        )
        await self._db.execute_many(INSERT_MESSAGES, [message_values(m) for _, m in pairs])
        for message in joining:
            said = said_by(message, None, joining=True)
            await self._db.execute(
                joining_statement(tuple(sorted(said))),
                {"conversation_id": message.conversation_id} | said,
            )
        for topic, direction in ((MESSAGE_STATUS, "outbound"), (MESSAGE_INBOUND, "inbound")):
            chosen = [m for _, m in pairs if m.direction == direction]
            wanted = await self._webhooks.subscribed(topic) if chosen else []
            if wanted:
                await self._webhooks.record(
                    topic,
                    [message_event_of(m, m.status_changed_at or m.created_at) for m in chosen],
                    max(m.created_at for m in chosen),
                    wanted,
                )

    async def report_status(
        self, message_ids: Sequence[str], now: datetime, wanted: Sequence[str] | None = None
    ) -> None:
        """Writes a status event for each of these messages as it now stands."""
        if not message_ids:
            return
        if wanted is None:
            wanted = await self._webhooks.subscribed(MESSAGE_STATUS)
        if not wanted:
            return
        rows = await self._db.execute(q.MESSAGES, {"b_ids": list(message_ids)})
        changed = sorted(read_messages(rows), key=lambda m: m.created_at)
        if not changed:
            return
        # Dated by the status change itself, which never goes back (a receipt may have
        # arrived before the send it reports was settled), and queued no earlier: the
        # dispatcher hands events on oldest first.
        dated = [(m, max(now, m.status_changed_at or now)) for m in changed]
        await self._webhooks.record(
            MESSAGE_STATUS,
            [message_event_of(m, at) for m, at in dated],
            max(at for _, at in dated),
            wanted,
        )

    async def conversation(self, conversation_id: str) -> Conversation | None:
        row = (
            await self._db.execute(
                select(conversations).where(conversations.c.id == conversation_id)
            )
        ).first()
        if row is None:
            return None
        found = conversation_of(row)
        rows = await self._db.execute(
            select(messages)
            .where(messages.c.conversation_id == conversation_id)
            .order_by(messages.c.created_at, messages.c.id)
        )
        found.messages = read_messages(rows)
        return found

    async def inbound_seen(
        self, media_type: str, theirs: str, provider_message_id: str, since: datetime
    ) -> bool:
        """Whether a message from `theirs` with the provider's id came after `since` (read
        through the index of the senders' addresses: a phone's messages are few)."""
        found = await self._db.execute(
            select(messages.c.id)
            .where(
                messages.c.from_address == theirs,
                messages.c.provider_message_id == provider_message_id,
                messages.c.media_type == media_type,
                messages.c.direction == "inbound",
                messages.c.created_at >= since,
            )
            .limit(1)
        )
        return found.first() is not None

    async def latest_conversation(
        self, media_type: str, ours: str, theirs: str, since: datetime
    ) -> Conversation | None:
        """The newest open conversation between `ours` and `theirs` started after `since`."""
        row = (
            await self._db.execute(
                select(conversations)
                .where(
                    # Ours to theirs, or an inbound one theirs opened to ours.
                    or_(
                        and_(
                            conversations.c.to_address == theirs,
                            conversations.c.from_address == ours,
                        ),
                        and_(
                            conversations.c.to_address == ours,
                            conversations.c.from_address == theirs,
                        ),
                    ),
                    conversations.c.media_type == media_type,
                    conversations.c.started_at >= since,
                    # An ended conversation takes no more replies: they open a new one.
                    conversations.c.ended_at.is_(None),
                )
                .order_by(conversations.c.started_at.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else conversation_of(row)

    async def messages_of(self, conversation_id: str, message_ids: Sequence[str]) -> list[Message]:
        rows = await self._db.execute(
            select(messages).where(
                messages.c.conversation_id == conversation_id, messages.c.id.in_(message_ids)
            )
        )
        return read_messages(rows)

    async def receipts(self, message_ids: Sequence[str]) -> dict[str, list[ReceiptRecord]]:
        found: dict[str, list[ReceiptRecord]] = {}
        if not message_ids:
            return found
        rows = await self._db.execute(
            select(message_receipts)
            .where(message_receipts.c.message_id.in_(message_ids))
            .order_by(message_receipts.c.id)
        )
        for row in rows:
            found.setdefault(row.message_id, []).append(
                ReceiptRecord(
                    row.message_id,
                    row.status,
                    row.state,
                    row.error,
                    row.received_at,
                    row.final,
                    row.reason,
                )
            )
        return found

    # The outbox.

    async def claim(
        self, dispatcher_id: str, media_type: str, limit: int, now: datetime, lease: timedelta
    ) -> list[Message]:
        """Takes up to `limit` due messages for this dispatcher; on PostgreSQL rows another
        dispatcher is claiming are skipped, not waited for."""
        rows = await self._db.execute(
            q.CLAIM,
            {
                "b_dispatcher": dispatcher_id,
                "b_lease_until": now + lease,
                "b_now": now,
                "b_media_type": media_type,
                "b_limit": limit,
            },
        )
        claimed = read_messages(rows)
        claimed.sort(key=lambda m: m.created_at)
        return claimed

    async def settle(self, channel: str, settled: Sequence[Settlement], now: datetime) -> None:
        if not settled:
            return
        # A send that failed for now and waits to be retried is still queued: no event.
        reported = [s.message_id for s in settled if s.status != QUEUED]
        wanted = await self._webhooks.subscribed(MESSAGE_STATUS) if reported else []
        if wanted:
            # Only rows still being sent are settled (housekeeping may have failed them).
            reported = list(
                (await self._db.execute(q.STILL_SENDING, {"b_ids": reported})).scalars()
            )
        else:
            reported = []
        updated = await self._db.execute_many(
            SETTLE,
            [
                {
                    "b_id": s.message_id,
                    "b_status": s.status,
                    "b_send_state": s.send_state,
                    "b_provider_id": s.provider_message_id,
                    "b_error_code": s.error_code,
                    "b_error_message": s.error_message,
                    "b_provider_code": s.provider_code,
                    "b_retry_at": s.retry_at,
                    "b_sent_at": now if s.provider_message_id else None,
                }
                for s in settled
            ],
            {"b_now": now},
        )
        await self.report_status(reported, now, wanted)
        with_ids = [s for s in settled if s.provider_part_ids]
        if with_ids and updated < len(settled):
            with_ids = await self._took_their_settlement(with_ids, now)
        ids = [
            {"channel": channel, "provider_message_id": part, "message_id": s.message_id}
            for s in with_ids
            for part in s.provider_part_ids
        ]
        if ids:
            await self._db.serialize(lock_keys.RECEIPTS)
            await self._db.execute_many(INSERT_PROVIDER_IDS, ids)
            # The messages just settled are the newest holders of their ids.
            await self._match_waiting_receipts(
                channel, {i["provider_message_id"]: i["message_id"] for i in ids}
            )

    async def _took_their_settlement(
        self, settled: Sequence[Settlement], now: datetime
    ) -> list[Settlement]:
        """Those of these sends whose rows this settlement changed. A row housekeeping had
        already failed as unknown keeps that outcome (its campaign contact is settled as
        ambiguous on it), so the provider's ids must not tie later receipts to it."""
        rows = await self._db.execute(q.SETTLED_AS, {"b_ids": [s.message_id for s in settled]})
        # What this settlement wrote; housekeeping's failure, earlier, has its own time.
        written = {row.id: (row.provider_message_id, row.status_changed_at) for row in rows}
        return [s for s in settled if written.get(s.message_id) == (s.provider_message_id, now)]

    async def renew_leases(
        self, dispatcher_id: str, message_ids: Sequence[str], until: datetime
    ) -> None:
        """Extends the leases of sends this dispatcher still has under way; rows settled or
        failed meanwhile are left alone."""
        if message_ids:
            await self._db.execute(
                q.RENEW_LEASES,
                {"b_ids": list(message_ids), "b_dispatcher": dispatcher_id, "b_until": until},
            )

    async def abandon(self, live_dispatchers: Sequence[str], now: datetime) -> int:
        """Settles sends whose dispatcher died or whose lease ran out: their outcome is
        unknown, so they fail rather than risk a second copy."""
        result = await self._db.execute(
            update(messages)
            .where(
                messages.c.send_state == SENDING,
                or_(messages.c.lease_until < now, messages.c.claimed_by.not_in(live_dispatchers)),
            )
            .values(
                status=FAILED,
                send_state=DONE,
                error_code=GENERAL_ERROR,
                error_message=AMBIGUOUS_REASON,
                status_changed_at=now,
                lease_until=None,
                claimed_by=None,
            )
            .returning(messages.c.id)
        )
        failed = list(result.scalars())
        await self.report_status(failed, now)
        return len(failed)

    # Receipts.

    async def record_receipts(
        self, channel: str, receipts: Sequence[tuple[Receipt, datetime]]
    ) -> int:
        """Stores receipts and moves their messages forward; returns how many matched."""
        if not receipts:
            return 0
        # Read before the lock, which every receipt and settlement waits for (the webhook
        # repository keeps them for this transaction): one round trip less held under it.
        await self._webhooks.subscribed(MESSAGE_STATUS)
        await self._db.serialize(lock_keys.RECEIPTS)
        owners, status = await self._owners(channel, [r.message_id for r, _ in receipts])
        await self._db.execute_many(
            INSERT_RECEIPTS,
            [
                {
                    "channel": channel,
                    "provider_message_id": receipt.message_id,
                    "message_id": owners.get(receipt.message_id),
                    "state": receipt.state,
                    "status": receipt.outcome or "sent",
                    "error": receipt.error,
                    "final": receipt.final,
                    "received_at": at,
                }
                for receipt, at in receipts
            ],
        )
        await self._advance(
            [(owners[r.message_id], r) for r, _ in receipts if r.message_id in owners],
            max(at for _, at in receipts),
            status,
        )
        return sum(1 for r, _ in receipts if r.message_id in owners)

    async def _owners(
        self, channel: str, provider_ids: Sequence[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The message each provider id names, and those messages' statuses."""
        rows = await self._db.execute(
            q.OWNERS, {"b_channel": channel, "b_ids": list(set(provider_ids))}
        )
        owners: dict[str, str] = {}
        status: dict[str, str] = {}
        # Ordered oldest first, so a reused id ends up naming its newest message.
        for row in rows:
            owners[row.provider_message_id] = row.message_id
            status[row.message_id] = row.status
        return owners, status

    async def _match_waiting_receipts(self, channel: str, owners: dict[str, str]) -> None:
        waiting = list(
            await self._db.execute(
                q.WAITING_RECEIPTS, {"b_channel": channel, "b_ids": list(owners)}
            )
        )
        if not waiting:
            return
        await self._db.execute(
            update(message_receipts)
            .where(message_receipts.c.id == bindparam("b_id"))
            .values(message_id=bindparam("b_message_id")),
            [{"b_id": r.id, "b_message_id": owners[r.provider_message_id]} for r in waiting],
        )
        await self._advance(
            [
                (owners[r.provider_message_id], Receipt(r.provider_message_id, r.state, r.error))
                for r in waiting
            ],
            max(r.received_at for r in waiting),
        )

    async def _advance(
        self,
        matched: Sequence[tuple[str, Receipt]],
        now: datetime,
        status: dict[str, str] | None = None,
    ) -> None:
        """Applies receipts in arrival order; a status only ever moves forward. `status`,
        the messages' statuses as this transaction read them, saves reading them again."""
        if not matched:
            return
        if status is None:
            rows = await self._db.execute(q.STATUSES, {"b_ids": list({m for m, _ in matched})})
            status = {row.id: row.status for row in rows}
        changed: dict[str, Receipt] = {}
        for message_id, receipt in matched:
            proposed = receipt.outcome
            if proposed and moves_forward(status[message_id], proposed):
                status[message_id] = proposed
                changed[message_id] = receipt
        if changed:
            await self._db.execute_many(
                ADVANCE_STATUS,
                [
                    {
                        "b_id": message_id,
                        "b_status": status[message_id],
                        "b_error": None
                        if receipt.outcome != "delivery-failed"
                        else f"the network reported {receipt.state}"
                        + (f" (error {receipt.error})" if receipt.error else ""),
                    }
                    for message_id, receipt in changed.items()
                ],
                {"b_now": now},
            )
            await self.report_status(list(changed), now)

    # Opt-outs and idempotency keys.

    async def opted_out(self, channel: str, address: str, sender: str) -> bool:
        return bool(await self.opted_out_among(channel, [(address, sender)]))

    async def opted_out_among(
        self, channel: str, pairs: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        """Which (address, sender) pairs may not be messaged: one query for a batch. An
        all-senders opt-out ("*") blocks every sender but those exempted from it."""
        if not pairs:
            return set()
        # Senders compared whatever their capitals: an alphanumeric sender may be spelled
        # otherwise in rows kept before senders were stored as provisioned.
        keyed: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for address, sender in pairs:
            key = (opt_out_key(channel, address), sender_key(sender))
            keyed.setdefault(key, []).append((address, sender))
        rows = await self._db.execute(
            q.OPT_OUTS,
            {"b_channel": channel, "b_addresses": list({address for address, _ in keyed})},
        )
        suppressions: set[tuple[str, str]] = set()
        exemptions: set[tuple[str, str]] = set()
        for row in rows:
            (exemptions if row.exempt else suppressions).add((row.address, sender_key(row.sender)))
        stopped = blocked(suppressions, exemptions, set(keyed))
        return {pair for key in stopped for pair in keyed[key]}

    async def add_opt_out(
        self, channel: str, address: str, sender: str, reason: str, now: datetime
    ) -> None:
        if not await self.opted_out(channel, address, sender):
            await self._db.execute(
                delete(opt_outs).where(
                    opt_outs.c.channel == channel,
                    opt_outs.c.address == address,
                    opt_outs.c.sender == sender,
                )
            )
            await self._db.execute(
                insert(opt_outs).values(
                    channel=channel, address=address, sender=sender, reason=reason, created_at=now
                )
            )

    async def end_idle_conversations(self, idle_since: datetime, now: datetime, limit: int) -> int:
        """Ends up to `limit` open conversations with no message since `idle_since` and
        none still to be sent; returns how many."""
        recent = (
            select(messages.c.id)
            .where(
                messages.c.conversation_id == conversations.c.id,
                or_(messages.c.created_at >= idle_since, messages.c.send_state != DONE),
            )
            .exists()
        )
        idle = list(
            (
                await self._db.execute(
                    select(conversations.c.id)
                    .where(
                        conversations.c.ended_at.is_(None),
                        conversations.c.started_at < idle_since,
                        ~recent,
                    )
                    .limit(limit)
                )
            ).scalars()
        )
        if not idle:
            return 0
        await self._db.execute(
            update(conversations)
            .where(conversations.c.id.in_(idle), conversations.c.ended_at.is_(None))
            .values(ended_at=now)
        )
        return len(idle)

    async def remembered(self, client_id: str, key: str) -> tuple[str, Any] | None:
        # Inside the write transaction: on SQLite no other call with this key can commit
        # between this read and our insert (PostgreSQL reports the race as a conflict).
        await self._db.begin_write()
        row = (
            await self._db.execute(
                select(idempotency_keys.c.request_hash, idempotency_keys.c.answer).where(
                    and_(idempotency_keys.c.client_id == client_id, idempotency_keys.c.key == key)
                )
            )
        ).first()
        return None if row is None else (row.request_hash, row.answer)

    async def remember(
        self, client_id: str, key: str, request_hash: str, answer: Any, now: datetime
    ) -> None:
        await self._db.execute(
            insert(idempotency_keys).values(
                client_id=client_id,
                key=key,
                request_hash=request_hash,
                answer=answer,
                created_at=now,
            )
        )

    async def forget_keys(self, before: datetime) -> int:
        result = await self._db.execute(
            delete(idempotency_keys).where(idempotency_keys.c.created_at < before)
        )
        return result.rowcount or 0
