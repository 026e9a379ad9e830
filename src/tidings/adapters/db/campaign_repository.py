"""Messaging campaigns as stored, and their progress counters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, false, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tidings.adapters.db.database import Database
from tidings.adapters.db.division_repository import name_key
from tidings.adapters.db.divisioned import find_by_name, page_of, update_versioned
from tidings.adapters.db.tables import (
    campaign_attempts,
    campaign_counters,
    contacts,
    messaging_campaigns,
)
from tidings.domain.campaigns import (
    Campaign,
    CampaignError,
    ContactSort,
    EmailConfig,
    Progress,
    SmsConfig,
)
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope

TOTAL = "total"
MESSAGED = "messaged"


def _sms(raw: Mapping[str, Any] | None) -> SmsConfig | None:
    return None if raw is None else SmsConfig(**raw)


def _email(raw: Mapping[str, Any] | None) -> EmailConfig | None:
    if raw is None:
        return None
    return EmailConfig(**{**raw, "email_columns": tuple(raw["email_columns"])})


def _entity(row: Any) -> Campaign:
    return Campaign(
        id=row.id,
        name=row.name,
        division_id=row.division_id,
        contact_list_id=row.contact_list_id,
        messages_per_minute=row.messages_per_minute,
        status=row.status,
        sms_config=_sms(row.sms_config),
        email_config=_email(row.email_config),
        callable_time_set_id=row.callable_time_set_id,
        dnc_list_ids=tuple(row.dnc_list_ids),
        contact_list_filter_ids=tuple(row.contact_list_filter_ids),
        contact_sorts=tuple(ContactSort(**s) for s in row.contact_sorts),
        always_running=row.always_running,
        errors=tuple(CampaignError(**e) for e in row.errors),
        cycle=row.cycle,
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


def _values(campaign: Campaign) -> dict[str, Any]:
    sms, email = campaign.sms_config, campaign.email_config
    return {
        "name": campaign.name,
        "name_key": name_key(campaign.name),
        "division_id": campaign.division_id,
        "status": campaign.status,
        "contact_list_id": campaign.contact_list_id,
        "callable_time_set_id": campaign.callable_time_set_id,
        "dnc_list_ids": list(campaign.dnc_list_ids),
        "contact_list_filter_ids": list(campaign.contact_list_filter_ids),
        "contact_sorts": [vars(s) for s in campaign.contact_sorts],
        "messages_per_minute": campaign.messages_per_minute,
        "always_running": campaign.always_running,
        "sms_config": None if sms is None else vars(sms),
        "email_config": None
        if email is None
        else {**vars(email), "email_columns": list(email.email_columns)},
        "errors": [vars(e) for e in campaign.errors],
        "cycle": campaign.cycle,
        "date_modified": campaign.date_modified,
    }


class SqlCampaignRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, campaign_id: str) -> Campaign | None:
        row = (
            await self._db.execute(
                select(messaging_campaigns).where(messaging_campaigns.c.id == campaign_id)
            )
        ).first()
        return None if row is None else _entity(row)

    async def find_by_name(self, name: str) -> Campaign | None:
        row = await find_by_name(self._db, messaging_campaigns, name)
        return None if row is None else _entity(row)

    async def page(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        ids: Sequence[str] = (),
        division_ids: Sequence[str] = (),
        contact_list_id: str | None = None,
        status: str | None = None,
        media_type: str | None = None,
        sender: str | None = None,
        template_id: str | None = None,
    ) -> tuple[list[Campaign], int]:
        t = messaging_campaigns
        # A campaign without a channel's config holds JSON null there (not SQL NULL), so
        # each config is told by a member it always has.
        sms_sender = t.c.sms_config["sender_number"].as_string()
        email_domain = t.c.email_config["from_domain"].as_string()
        where = []
        if contact_list_id:
            where.append(t.c.contact_list_id == contact_list_id)
        if status:
            where.append(t.c.status == status)
        if media_type == "sms":
            where.append(sms_sender.is_not(None))
        elif media_type == "email":
            where.append(email_domain.is_not(None))
        elif media_type is not None:
            where.append(false())  # a channel we do not serve has no campaigns
        if sender:
            where.append(sms_sender == sender)
        if template_id:
            where.append(
                or_(
                    t.c.sms_config["content_template_id"].as_string() == template_id,
                    t.c.email_config["content_template_id"].as_string() == template_id,
                )
            )
        rows, total = await page_of(
            self._db,
            t,
            scope,
            page,
            name=name,
            name_match="Contains",
            ids=ids,
            division_ids=division_ids,
            where=where,
        )
        return [_entity(r) for r in rows], total

    async def running(self) -> list[Campaign]:
        """Campaigns switched on or stopping, and any other with messages still in flight
        (switched off or made invalid meanwhile): those must still settle."""
        t, a = messaging_campaigns, campaign_attempts
        in_flight = (
            select(a.c.campaign_id).where(a.c.campaign_id == t.c.id, a.c.state == "queued").exists()
        )
        rows = await self._db.execute(
            select(t).where(or_(t.c.status.in_(("on", "stopping", "forced_stopping")), in_flight))
        )
        return [_entity(r) for r in rows]

    async def add(self, campaign: Campaign) -> None:
        await self._db.execute(
            insert(messaging_campaigns).values(
                id=campaign.id,
                version=campaign.version,
                date_created=campaign.date_created,
                **_values(campaign),
            )
        )

    async def update(self, campaign: Campaign, expected_version: int) -> bool:
        return await update_versioned(
            self._db, messaging_campaigns, campaign, expected_version, _values(campaign)
        )

    async def set_status(
        self,
        campaign_id: str,
        status: str,
        *,
        only_from: Sequence[str] = (),
        errors: Sequence[CampaignError] | None = None,
    ) -> bool:
        """A system change of status (not a user's edit: the version stays)."""
        t = messaging_campaigns
        statement = update(t).where(t.c.id == campaign_id).values(status=status)
        if only_from:
            statement = statement.where(t.c.status.in_(list(only_from)))
        if errors is not None:
            statement = statement.values(errors=[vars(e) for e in errors])
        return (await self._db.execute(statement)).rowcount == 1

    async def recycle(self, campaign_id: str) -> None:
        t = messaging_campaigns
        await self._db.execute(update(t).where(t.c.id == campaign_id).values(cycle=t.c.cycle + 1))

    async def delete(self, campaign_id: str) -> bool:
        await self._db.execute(
            delete(campaign_attempts).where(campaign_attempts.c.campaign_id == campaign_id)
        )
        await self._db.execute(
            delete(campaign_counters).where(campaign_counters.c.campaign_id == campaign_id)
        )
        result = await self._db.execute(
            delete(messaging_campaigns).where(messaging_campaigns.c.id == campaign_id)
        )
        return result.rowcount == 1

    async def add_counts(self, campaign_id: str, cycle: int, deltas: Mapping[str, int]) -> None:
        """Adds to the cycle's counters (created at their first use)."""
        rows = [
            {"campaign_id": campaign_id, "cycle": cycle, "key": key, "n": n}
            for key, n in sorted(deltas.items())
            if n
        ]
        if not rows:
            return
        dialect = self._db.connection.dialect.name
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert_(campaign_counters)
        statement = statement.on_conflict_do_update(
            index_elements=[
                campaign_counters.c.campaign_id,
                campaign_counters.c.cycle,
                campaign_counters.c.key,
            ],
            set_={"n": campaign_counters.c.n + statement.excluded.n},
        )
        await self._db.execute(statement, rows)

    async def progress(self, campaigns: Sequence[Campaign]) -> list[Progress]:
        if not campaigns:
            return []
        t = campaign_counters
        rows = await self._db.execute(
            select(t.c.campaign_id, t.c.cycle, t.c.key, t.c.n).where(
                t.c.campaign_id.in_([c.id for c in campaigns])
            )
        )
        found = {c.id: Progress(c.id, c.contact_list_id) for c in campaigns}
        cycles = {c.id: c.cycle for c in campaigns}
        for row in rows:
            if row.cycle != cycles[row.campaign_id]:
                continue
            progress = found[row.campaign_id]
            if row.key == TOTAL:
                progress.total = int(row.n)
            elif row.key == MESSAGED:
                progress.messaged = int(row.n)
            elif int(row.n):
                progress.skipped[row.key] = int(row.n)
        return [found[c.id] for c in campaigns]

    async def list_size(self, contact_list_id: str) -> int:
        count = await self._db.execute(
            select(func.count()).where(contacts.c.contact_list_id == contact_list_id)
        )
        return int(count.scalar() or 0)
