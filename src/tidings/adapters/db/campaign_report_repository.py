"""The read side of a campaign's attempts: its history a page at a time, and its totals.

Pages are keyset pages on the attempts' primary key (campaign_id, cycle, contact_seq): the
next page starts after the last row shown, so page 4,000 of a large campaign costs what the
first one does (OFFSET would read and drop every row before it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import campaign_attempts as a
from tidings.adapters.db.tables import messages as m
from tidings.domain.campaign_reports import (
    ACCEPTED_STATUSES,
    REJECTED_STATUSES,
    AttemptKey,
    AttemptRecord,
    AttemptTotals,
)
from tidings.domain.campaigns import DONE, QUEUED

ATTEMPTED = (QUEUED, DONE)


class SqlCampaignReports:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def attempts(
        self,
        campaign_id: str,
        channel: str,
        limit: int,
        *,
        after: AttemptKey | None = None,
        before: AttemptKey | None = None,
    ) -> list[AttemptRecord]:
        """Up to `limit` attempts in (cycle, contact_seq) order, after `after` or, going
        back, the last ones before `before`. `channel`: for attempts without a message."""
        query = (
            select(
                a.c.cycle,
                a.c.contact_seq,
                a.c.contact_id,
                a.c.address,
                a.c.wrapup,
                a.c.reason,
                a.c.settled_at,
                a.c.message_id,
                m.c.media_type,
                m.c.status,
                m.c.error_code,
                m.c.error_message,
            )
            .outerjoin(m, m.c.id == a.c.message_id)
            .where(a.c.campaign_id == campaign_id, a.c.state.in_(ATTEMPTED))
            .limit(limit)
        )
        if after is not None:
            query = query.where(_beyond(after, forward=True))
        if before is not None:
            query = query.where(_beyond(before, forward=False))
            query = query.order_by(a.c.cycle.desc(), a.c.contact_seq.desc())
        else:
            query = query.order_by(a.c.cycle, a.c.contact_seq)
        rows = [_record(campaign_id, channel, r) for r in await self._db.execute(query)]
        return rows[::-1] if before is not None else rows

    async def totals(self, campaign_id: str) -> AttemptTotals:
        accepted = func.coalesce(func.sum(case((m.c.status.in_(ACCEPTED_STATUSES), 1), else_=0)), 0)
        rejected = func.coalesce(func.sum(case((m.c.status.in_(REJECTED_STATUSES), 1), else_=0)), 0)
        query = (
            select(
                func.count().label("attempts"),
                accepted.label("accepted"),
                rejected.label("rejected"),
            )
            .select_from(a.outerjoin(m, m.c.id == a.c.message_id))
            .where(a.c.campaign_id == campaign_id, a.c.state.in_(ATTEMPTED))
        )
        row: Any = (await self._db.execute(query)).one()
        return AttemptTotals(int(row.attempts), int(row.accepted), int(row.rejected))


def _beyond(key: AttemptKey, *, forward: bool) -> Any:
    if forward:
        return or_(a.c.cycle > key.cycle, and_(a.c.cycle == key.cycle, a.c.contact_seq > key.seq))
    return or_(a.c.cycle < key.cycle, and_(a.c.cycle == key.cycle, a.c.contact_seq < key.seq))


def _record(campaign_id: str, channel: str, row: Any) -> AttemptRecord:
    return AttemptRecord(
        campaign_id=campaign_id,
        cycle=row.cycle,
        seq=row.contact_seq,
        contact_id=row.contact_id,
        channel=row.media_type.upper() if row.media_type else channel,
        address=row.address,
        wrapup=row.wrapup,
        reason=row.reason,
        settled_at=row.settled_at,
        message_id=row.message_id,
        message_status=row.status,
        error_code=row.error_code,
        error_message=row.error_message,
    )
