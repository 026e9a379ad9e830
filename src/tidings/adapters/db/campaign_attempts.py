"""The campaign engine's rows: one attempt per (campaign, cycle, contact).

Seeding writes a cycle's attempts in the order they are to be sent (priority contacts, then
the campaign's contactSorts, then queue order) in one INSERT ... SELECT; the filters of the
campaign are evaluated there, by the database. Claims take pending attempts in that order
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers sharing a campaign never take the same
contact); an attempt becomes `queued` in the same transaction that puts its message in the
outbox, and `done` once that message settled: a crash at any point leaves a row that says
what happened, and nothing is sent twice or forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from tidings.adapters.db.contact_filter_sql import FilterCompiler, sorts
from tidings.adapters.db.contact_repository import contact_from_row
from tidings.adapters.db.database import Database
from tidings.adapters.db.in_list import in_list
from tidings.adapters.db.many_rows import ManyRows
from tidings.adapters.db.tables import (
    campaign_attempts as a,
)
from tidings.adapters.db.tables import (
    contacts,
    conversations,
    messages,
    messaging_campaigns,
)
from tidings.domain.campaigns import (
    DONE,
    PENDING,
    QUEUED,
    WAITING,
    AttemptOutcome,
    Campaign,
    Claimed,
    QueuedAttempt,
    SettledSend,
    WaitingAttempt,
)
from tidings.domain.contact_filters import Criteria
from tidings.domain.messages import PENDING as SEND_PENDING
from tidings.domain.messages import SENDING

# Up to this many cycles, "any cycle" is spelled as the list of cycles, so the index
# (campaign_id, cycle, state, ...) is probed once per cycle for the few queued attempts
# instead of being read along every attempt of the campaign (a scan of 100,000 entries a
# claim on a 100,000-contact campaign). Beyond it the plain condition is kept.
_CYCLES_LISTED = 64

# The contacts of the attempts a claim picked (b_seqs: up to a claim's batch, 2,000).
_CONTACTS_BY_SEQ = select(contacts).where(in_list(contacts.c.seq, "b_seqs"))


def _any_cycle(campaign: Campaign) -> ColumnElement[bool]:
    if campaign.cycle <= _CYCLES_LISTED:
        return a.c.cycle.in_(range(1, campaign.cycle + 1))
    return true()


class SqlCampaignAttempts:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    @property
    def _postgresql(self) -> bool:
        return self._db.connection.dialect.name == "postgresql"

    async def seed(self, campaign: Campaign, filters: Sequence[Criteria], now: datetime) -> int:
        """Adds the list's contacts that have no attempt in this cycle yet and that the
        filters take; returns how many."""
        await self._db.begin_write()
        compiler = FilterCompiler(self._db.connection.dialect.name, now)
        order = sorts(
            compiler, [(s.field_name, s.descending, s.numeric) for s in campaign.contact_sorts]
        )
        order.insert(-1, contacts.c.queued_at.asc())
        base = (
            await self._db.execute(
                select(func.coalesce(func.max(a.c.position), 0)).where(
                    a.c.campaign_id == campaign.id, a.c.cycle == campaign.cycle
                )
            )
        ).scalar_one()
        known = exists().where(
            a.c.campaign_id == campaign.id,
            a.c.cycle == campaign.cycle,
            a.c.contact_seq == contacts.c.seq,
        )
        rows = select(
            literal(campaign.id),
            literal(campaign.cycle),
            contacts.c.seq,
            contacts.c.id,
            literal(PENDING),
            case((contacts.c.priority, 0), else_=1),
            func.row_number().over(order_by=order) + int(base),
        ).where(
            contacts.c.contact_list_id == campaign.contact_list_id,
            ~known,
            *[compiler.condition(criteria) for criteria in filters],
        )
        insert_ = postgresql.insert if self._postgresql else sqlite.insert
        statement = (
            insert_(a)
            .from_select(
                ["campaign_id", "cycle", "contact_seq", "contact_id", "state", "rank", "position"],
                rows,
            )
            .on_conflict_do_nothing()
            # SQLAlchemy drops an INSERT's row count unless asked to keep it.
            .execution_options(preserve_rowcount=True)
        )
        result = await self._db.execute(statement)
        return max(int(result.rowcount or 0), 0)

    async def claim(self, campaign: Campaign, limit: int, now: datetime) -> list[Claimed]:
        """Up to `limit` pending attempts of the current cycle, first in order first, with
        their contacts (None: deleted since the cycle was seeded)."""
        await self._db.begin_write()
        query = (
            select(a.c.contact_seq.label("attempt_seq"), a.c.contact_id.label("attempt_id"))
            .where(
                a.c.campaign_id == campaign.id,
                a.c.cycle == campaign.cycle,
                a.c.state == PENDING,
            )
            .order_by(a.c.rank, a.c.position)
            .limit(limit)
        )
        if self._postgresql:
            query = query.with_for_update(skip_locked=True)
        picked = list(await self._db.execute(query))
        if not picked:
            return []
        rows = await self._db.execute(_CONTACTS_BY_SEQ, {"b_seqs": [p.attempt_seq for p in picked]})
        found = {row.seq: contact_from_row(row) for row in rows}
        return [Claimed(p.attempt_seq, p.attempt_id, found.get(p.attempt_seq)) for p in picked]

    async def wake_waiting(self, campaign: Campaign, now: datetime) -> int:
        """Attempts whose callable time has come go back to pending."""
        result = await self._db.execute(
            update(a)
            .where(
                a.c.campaign_id == campaign.id,
                a.c.cycle == campaign.cycle,
                a.c.state == WAITING,
                a.c.next_at <= now,
            )
            .values(state=PENDING, next_at=None)
        )
        return int(result.rowcount or 0)

    async def release_waiting(
        self, *, campaign_id: str | None = None, callable_time_set_id: str | None = None
    ) -> int:
        """Attempts of the current cycle waiting for their callable time, of the campaign
        or of every campaign with the time set, go back to pending: decided again against
        the campaign as it is now, not left asleep until a window that may no longer be
        the right one."""
        m = messaging_campaigns
        current = select(m.c.id).where(m.c.id == a.c.campaign_id, m.c.cycle == a.c.cycle)
        if campaign_id is not None:
            current = current.where(m.c.id == campaign_id)
        if callable_time_set_id is not None:
            current = current.where(m.c.callable_time_set_id == callable_time_set_id)
        query = (
            update(a)
            .where(a.c.state == WAITING, current.exists())
            .values(state=PENDING, next_at=None)
        )
        if campaign_id is not None:
            query = query.where(a.c.campaign_id == campaign_id)
        return int((await self._db.execute(query)).rowcount or 0)

    async def record(
        self,
        campaign: Campaign,
        queued: Sequence[QueuedAttempt],
        skipped: Sequence[AttemptOutcome],
        waiting: Sequence[WaitingAttempt],
        now: datetime,
    ) -> None:
        if queued:
            await self._mark(
                campaign,
                QUEUED,
                "message_id",
                [(q.seq, q.message_id, q.column, q.address) for q in queued],
            )
        if skipped:
            await self._finish(campaign.cycle, campaign.id, skipped, now)
        if waiting:
            await self._mark(
                campaign,
                WAITING,
                "next_at",
                [(w.seq, w.until, w.column, w.address) for w in waiting],
            )

    async def _mark(
        self,
        campaign: Campaign,
        state: str,
        field: str,
        rows: Sequence[tuple[int, object, str, str]],
    ) -> None:
        """Moves attempts of the current cycle to `state`, each with its `field` value (the
        message queued, or the time it waits for), column and address."""
        await self._db.execute_many(
            _QUEUE if state == QUEUED else _WAIT,
            [
                {"b_seq": seq, "b_value": value, "b_column": column, "b_address": address}
                for seq, value, column, address in rows
            ],
            {"b_campaign": campaign.id, "b_cycle": campaign.cycle},
        )

    async def _finish(
        self, cycle: int | None, campaign_id: str, outcomes: Sequence[AttemptOutcome], now: datetime
    ) -> None:
        await self._db.execute_many(
            _FINISH,
            [
                {
                    "b_cycle": o.cycle if cycle is None else cycle,
                    "b_seq": o.seq,
                    "b_wrapup": o.wrapup,
                    "b_reason": o.reason,
                    "b_column": o.column,
                    "b_address": o.address,
                }
                for o in outcomes
            ],
            {"b_campaign": campaign_id, "b_now": now},
        )

    async def settled_sends(self, campaign: Campaign, limit: int) -> list[SettledSend]:
        """Queued attempts (of any cycle) whose message the outbox has settled."""
        await self._db.begin_write()
        found: FromClause = messages
        source = a.join(messages, messages.c.id == a.c.message_id)
        if self._postgresql:
            # Each queued attempt looks its message up by primary key: a few thousand
            # lookups at most (the campaign's messages in flight). Joined, PostgreSQL hashed
            # every settled message of the table, read in full each pass: its costs take an
            # index lookup for four times a page read, so it kept the hash join to 100,000
            # messages and beyond, 24-66 ms a pass near 20,000 and growing with them. An
            # OFFSET (any) keeps the lookup from being turned into a join. (SQLite joins by
            # nested loops anyway.)
            found = (
                select(
                    messages.c.status,
                    messages.c.error_code,
                    messages.c.error_message,
                    messages.c.send_state,
                )
                .where(messages.c.id == a.c.message_id)
                .offset(0)
                .lateral("message")
            )
            source = a.join(found, true())
        query = (
            select(
                a.c.cycle,
                a.c.contact_seq,
                a.c.column_name,
                a.c.address,
                found.c.status,
                found.c.error_code,
                found.c.error_message,
            )
            .select_from(source)
            .where(
                a.c.campaign_id == campaign.id,
                _any_cycle(campaign),
                a.c.state == QUEUED,
                # Not `== done`: while the messages' statistics predate their rows (a new
                # database, the first seconds of its first campaign) PostgreSQL took `done`
                # for rare and walked the outbox's index for every queued attempt, 0.3-1.7 s
                # a pass at 2,000 messages.
                found.c.send_state.not_in((SEND_PENDING, SENDING)),
            )
            .limit(limit)
        )
        if self._postgresql:
            query = query.with_for_update(of=a, skip_locked=True)
        return [
            SettledSend(
                r.cycle,
                r.contact_seq,
                r.column_name,
                r.address,
                r.status,
                r.error_code,
                r.error_message,
            )
            for r in await self._db.execute(query)
        ]

    async def finish(
        self, campaign: Campaign, outcomes: Sequence[AttemptOutcome], now: datetime
    ) -> None:
        if outcomes:
            await self._finish(None, campaign.id, outcomes, now)

    async def note_contacts(
        self, channel: str, outcomes: Sequence[AttemptOutcome], now: datetime
    ) -> None:
        """Writes each contact's system data for `channel`: last attempt, result, count."""
        if not outcomes:
            return
        await self._db.execute_many(
            _NOTE_CONTACTS[channel],
            [{"b_seq": o.seq, "b_wrapup": o.wrapup, "b_column": o.column} for o in outcomes],
            {"b_now": now},
        )

    async def in_flight(self, campaign: Campaign, cap: int) -> int:
        """Queued attempts of the campaign, counted up to `cap`."""
        inner = (
            select(literal(1))
            .where(a.c.campaign_id == campaign.id, _any_cycle(campaign), a.c.state == QUEUED)
            .limit(cap)
            .subquery()
        )
        return int((await self._db.execute(select(func.count()).select_from(inner))).scalar_one())

    async def unfinished(self, campaign: Campaign) -> bool:
        """Has the current cycle an attempt without its outcome (or anything queued)?"""
        open_states = or_(
            and_(a.c.cycle == campaign.cycle, a.c.state.in_((PENDING, WAITING))),
            a.c.state == QUEUED,
        )
        row = (
            await self._db.execute(
                select(literal(1))
                .where(
                    a.c.campaign_id == campaign.id,
                    _any_cycle(campaign),
                    a.c.state.in_((PENDING, WAITING, QUEUED)),
                    open_states,
                )
                .limit(1)
            )
        ).first()
        return row is not None

    async def count_waiting(self, campaign: Campaign) -> int:
        count = await self._db.execute(
            select(func.count()).where(
                a.c.campaign_id == campaign.id, a.c.cycle == campaign.cycle, a.c.state == WAITING
            )
        )
        return int(count.scalar_one())

    async def withdraw_unsent(self, campaign: Campaign) -> int:
        """Takes back the campaign's messages the outbox has not claimed yet (their attempts
        are pending again, to be sent if the campaign is switched on again)."""
        await self._db.begin_write()
        query = (
            select(messages.c.id, messages.c.conversation_id)
            .join(a, a.c.message_id == messages.c.id)
            .where(
                a.c.campaign_id == campaign.id,
                _any_cycle(campaign),
                a.c.state == QUEUED,
                messages.c.send_state == SEND_PENDING,
            )
        )
        if self._postgresql:
            query = query.with_for_update(of=messages, skip_locked=True)
        rows = list(await self._db.execute(query))
        if not rows:
            return 0
        ids = [r.id for r in rows]
        await self._db.execute(
            update(a)
            .where(a.c.campaign_id == campaign.id, a.c.message_id.in_(ids))
            .values(state=PENDING, message_id=None)
        )
        await self._db.execute(delete(messages).where(messages.c.id.in_(ids)))
        await self._db.execute(
            delete(conversations).where(conversations.c.id.in_([r.conversation_id for r in rows]))
        )
        return len(ids)

    async def refresh_statistics(self) -> None:
        """PostgreSQL: the planner's statistics of the attempts, after a large seed. Until
        they are there (autovacuum analyses a table a minute or more later, or never when it
        is off), a table it believes tiny got per-row updates planned through the
        (campaign, cycle, state, ...) index, reading every attempt of the cycle for each
        row: 19 ms a row at 30,000 contacts, ~70 contacts/s. SQLite plans by its rules and
        chooses the primary key without statistics."""
        if self._postgresql:
            await self._db.connection.exec_driver_sql("ANALYZE campaign_attempts")

    async def resend_ambiguous(self, campaign: Campaign, wrapup: str) -> int:
        """Attempts of the cycle that ended `wrapup` become pending again (the user asked)."""
        result = await self._db.execute(
            update(a)
            .where(
                a.c.campaign_id == campaign.id,
                a.c.cycle == campaign.cycle,
                a.c.state == DONE,
                a.c.wrapup == wrapup,
            )
            .values(state=PENDING, wrapup=None, reason=None, message_id=None, settled_at=None)
        )
        return int(result.rowcount or 0)


def _marking(state: str, field: str) -> ManyRows:
    return ManyRows(
        update(a)
        .where(
            a.c.campaign_id == bindparam("b_campaign"),
            a.c.cycle == bindparam("b_cycle"),
            a.c.contact_seq == bindparam("b_seq"),
        )
        .values(
            {
                "state": state,
                field: bindparam("b_value"),
                "column_name": bindparam("b_column"),
                "address": bindparam("b_address"),
            }
        )
    )


_QUEUE = _marking(QUEUED, "message_id")
_WAIT = _marking(WAITING, "next_at")
_FINISH = ManyRows(
    update(a)
    .where(
        a.c.campaign_id == bindparam("b_campaign"),
        a.c.cycle == bindparam("b_cycle"),
        a.c.contact_seq == bindparam("b_seq"),
    )
    .values(
        state=DONE,
        wrapup=bindparam("b_wrapup"),
        reason=bindparam("b_reason"),
        column_name=func.coalesce(bindparam("b_column"), a.c.column_name),
        address=func.coalesce(bindparam("b_address"), a.c.address),
        settled_at=bindparam("b_now"),
    )
)


def _noting(channel: str) -> ManyRows:
    """A contact's system data for the channel: last attempt, result, column, count."""
    return ManyRows(
        update(contacts)
        .where(contacts.c.seq == bindparam("b_seq"))
        .values(
            {
                f"{channel}_last_attempt": bindparam("b_now"),
                f"{channel}_last_result": bindparam("b_wrapup"),
                f"{channel}_last_column": bindparam("b_column"),
                f"{channel}_attempts": contacts.c[f"{channel}_attempts"] + 1,
            }
        )
    )


_NOTE_CONTACTS = {channel: _noting(channel) for channel in ("sms", "email")}
