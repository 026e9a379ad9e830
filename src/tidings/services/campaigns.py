"""Messaging campaigns: create, change, switch on and off, recycle, and read progress.

Switching a campaign on or off only changes its status in the database; the engine in
every dispatcher finds the work there. Every reference a campaign makes is checked when it
is saved and again when it is switched on, each failure a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from tidings.domain import campaigns as c
from tidings.domain.campaign_reports import AttemptKey, AttemptRecord, AttemptTotals
from tidings.domain.errors import FieldProblem, InvalidInput, MissingPermission, NotFound
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.domain.permissions import Scope
from tidings.ports import UnitOfWork, UnitOfWorkFactory
from tidings.services import divisioned
from tidings.services.caller import Caller
from tidings.services.campaign_checks import reference_problems

KIND = "messaging campaign"


def _permissions(action: str) -> tuple[str, str]:
    return (f"outbound:messagingCampaign:{action}", f"outbound:emailCampaign:{action}")


def _held(caller: Caller, action: str) -> str:
    """The first of the two equivalent permissions the caller holds anywhere."""
    for permission in _permissions(action):
        if caller.access.scope(permission):
            return permission
    raise MissingPermission(list(_permissions(action)))


async def _visible(uow: UnitOfWork, caller: Caller, action: str, campaign_id: str) -> c.Campaign:
    scope = caller.access.require(*_permissions(action))
    found = await uow.campaigns.get(campaign_id)
    if found is None or not scope.includes(found.division_id):
        raise NotFound(KIND, campaign_id)
    return found


class CampaignService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        max_messages_per_minute: int,
        require_verified_domains: bool = False,
    ) -> None:
        self._uow = uow
        self.max_messages_per_minute = max_messages_per_minute
        self._require_verified = require_verified_domains

    async def find(
        self,
        caller: Caller,
        page: PageRequest,
        *,
        action: str = "view",
        **filters: str | Sequence[str] | None,
    ) -> tuple[list[c.Campaign], int]:
        """`action`: `search` for division views."""
        scope = caller.access.require(*_permissions(action))
        async with self._uow() as uow:
            return await uow.campaigns.page(scope, page, **filters)  # type: ignore[arg-type]

    async def get(self, caller: Caller, campaign_id: str, action: str = "view") -> c.Campaign:
        async with self._uow() as uow:
            return await _visible(uow, caller, action, campaign_id)

    async def _checked(self, uow: UnitOfWork, draft: c.Campaign) -> c.Campaign:
        problems = draft.problems(self.max_messages_per_minute)
        if problems:
            raise InvalidInput(f"The {KIND} is not valid", details=problems)
        problems, warnings = await reference_problems(uow, draft, self._require_verified)
        if problems:
            raise InvalidInput(
                f"The {KIND} refers to something that does not fit", details=problems
            )
        if draft.sms_config is not None:
            # The sender as provisioned (an alphanumeric one may be named in any capitals):
            # opt-outs and messages are kept under that spelling.
            number = await uow.sms_numbers.find_by_address(draft.sms_config.sender_number)
            assert number is not None  # checked above
            config = replace(draft.sms_config, sender_number=number.phone_number)
            draft = replace(draft, sms_config=config)
        return replace(draft, errors=tuple(warnings))

    async def create(self, caller: Caller, draft: c.Campaign) -> c.Campaign:
        permission = _held(caller, "add")
        async with self._uow() as uow:
            checked = await self._checked(uow, replace(draft, status=_wanted(draft.status)))
            created = await divisioned.create(uow, caller, permission, KIND, _Named(uow), checked)
            await uow.commit()
        return created

    async def update(
        self, caller: Caller, campaign_id: str, draft: c.Campaign, version: int | None
    ) -> c.Campaign:
        permission = _held(caller, "edit")
        async with self._uow() as uow:
            current = await _visible(uow, caller, "edit", campaign_id)
            if draft.status == current.status and draft.status not in c.USER_STATUSES:
                # Read, changed and written back (complete, invalid, ...): the status the
                # system set stays; only on and off may be asked for.
                status = current.status
            else:
                wanted = _wanted(draft.status)
                in_flight = await uow.campaign_attempts.in_flight(current, 1) > 0
                status = c.status_after_switch(current.status, wanted, in_flight)
            # Another list or channel is another campaign's worth of contacts: a new cycle.
            same_contacts = (draft.contact_list_id, draft.media_type) == (
                current.contact_list_id,
                current.media_type,
            )
            cycle = current.cycle if same_contacts else current.cycle + 1
            checked = await self._checked(uow, replace(draft, status=status, cycle=cycle))
            if status == c.INVALID:  # still invalid: what made it so stays said
                errors = dict.fromkeys((*current.errors, *checked.errors))
                checked = replace(checked, errors=tuple(errors))
            updated = await divisioned.update(
                uow, caller, permission, KIND, _Named(uow), campaign_id, checked, version
            )
            if checked.callable_time_set_id != current.callable_time_set_id or (
                status == c.ON and current.status != c.ON
            ):
                # Other callable times, or switched on: the contacts waiting are decided again.
                await uow.campaign_attempts.release_waiting(campaign_id=campaign_id)
            await uow.commit()
        return updated

    async def delete(self, caller: Caller, campaign_id: str) -> c.Campaign:
        async with self._uow() as uow:
            found = await _visible(uow, caller, "delete", campaign_id)
            if found.running or await uow.campaign_attempts.in_flight(found, 1):
                raise InvalidInput(
                    "A running campaign cannot be deleted; switch it off and let it stop first",
                    details=[FieldProblem("campaignStatus", "campaign.running", found.status)],
                )
            await uow.campaigns.delete(campaign_id)
            await uow.commit()
        return found

    async def switch(self, caller: Caller, campaign_id: str, wanted: str) -> c.Campaign:
        """POST .../start and .../stop: the same as a PUT that changes only the status."""
        action = "start" if wanted == c.ON else "stop"
        scope = caller.access.require(*_permissions(action), *_permissions("edit"))
        async with self._uow() as uow:
            current = await _visible(uow, caller, "view", campaign_id)
            if not scope.includes(current.division_id):
                raise NotFound(KIND, campaign_id)
            errors = None  # a stop leaves the errors as they are
            if wanted == c.ON:
                # Switched on, it says what is wrong now: an error mended since goes.
                errors = (await self._checked(uow, current)).errors
                if current.status != c.ON:
                    await uow.campaign_attempts.release_waiting(campaign_id=campaign_id)
            in_flight = await uow.campaign_attempts.in_flight(current, 1) > 0
            status = c.status_after_switch(current.status, wanted, in_flight)
            await uow.campaigns.set_status(campaign_id, status, errors=errors)
            await uow.commit()
        return replace(current, status=status, errors=current.errors if errors is None else errors)

    async def progress(self, caller: Caller, campaign_ids: Sequence[str]) -> list[c.Progress]:
        async with self._uow() as uow:
            found = [await _visible(uow, caller, "view", i) for i in campaign_ids]
            return await uow.campaigns.progress(found)

    async def recycle(self, caller: Caller, campaign_id: str) -> None:
        """DELETE .../progress: the next cycle attempts every contact again."""
        scope = caller.access.require(*_permissions("edit"), *_permissions("recycle"))
        async with self._uow() as uow:
            found = await _visible(uow, caller, "view", campaign_id)
            if not scope.includes(found.division_id):
                raise NotFound(KIND, campaign_id)
            if found.status in (c.STOPPING, c.FORCED_STOPPING):
                raise InvalidInput(
                    "The campaign is stopping; recycle it once it is off",
                    details=[FieldProblem("campaignStatus", "campaign.stopping", found.status)],
                )
            await uow.campaigns.recycle(campaign_id)
            if found.status == c.COMPLETE:
                await uow.campaigns.set_status(campaign_id, c.OFF)
            await uow.commit()

    async def diagnostics(self, caller: Caller, campaign_id: str) -> c.Diagnostics:
        async with self._uow() as uow:
            found = await _visible(uow, caller, "view", campaign_id)
            waiting = await uow.campaign_attempts.count_waiting(found)
            [progress] = await uow.campaigns.progress([found])
            size = await uow.campaigns.list_size(found.contact_list_id)
        return c.Diagnostics(waiting, max(size - progress.total, 0) if progress.total else 0)

    async def resend_ambiguous(self, caller: Caller, campaign_id: str) -> int:
        """Tidings extension: contacts whose send ended ambiguous are attempted again."""
        scope = caller.access.require(*_permissions("edit"))
        async with self._uow() as uow:
            found = await _visible(uow, caller, "view", campaign_id)
            if not scope.includes(found.division_id):
                raise NotFound(KIND, campaign_id)
            count = await uow.campaign_attempts.resend_ambiguous(found, c.AMBIGUOUS)
            if count:
                await uow.campaigns.add_counts(found.id, found.cycle, {c.AMBIGUOUS: -count})
                if found.status == c.COMPLETE:
                    await uow.campaigns.set_status(campaign_id, c.OFF)
            await uow.commit()
        return count

    async def snapshot(
        self, caller: Caller, campaign_ids: Sequence[str]
    ) -> list[tuple[c.Campaign, c.Progress]]:
        """The visible ones of `campaign_ids` with their progress, in two queries (the
        console's dashboard asks every second)."""
        scope = caller.access.require(*_permissions("view"))
        campaign_ids = list(dict.fromkeys(campaign_ids))[:MAX_PAGE_SIZE]
        if not campaign_ids:
            return []
        async with self._uow() as uow:
            page = PageRequest(page_size=len(campaign_ids))
            found, _ = await uow.campaigns.page(scope, page, ids=campaign_ids)
            progress = await uow.campaigns.progress(found)
        return list(zip(found, progress, strict=True))

    async def shared_snapshot(
        self, campaign_ids: Sequence[str]
    ) -> dict[str, tuple[c.Campaign, c.Progress]]:
        """`campaign_ids` with their progress, read once for many readers (the console's live
        dashboards): no caller is checked here, so a reader gets only `readable` rows."""
        wanted = list(dict.fromkeys(campaign_ids))
        found: dict[str, tuple[c.Campaign, c.Progress]] = {}
        everywhere = Scope(everywhere=True, division_ids=frozenset())
        async with self._uow() as uow:
            for start in range(0, len(wanted), MAX_PAGE_SIZE):
                ids = wanted[start : start + MAX_PAGE_SIZE]
                page = PageRequest(page_size=len(ids))
                campaigns, _ = await uow.campaigns.page(everywhere, page, ids=ids)
                progress = await uow.campaigns.progress(campaigns)
                found.update((one.id, (one, p)) for one, p in zip(campaigns, progress, strict=True))
        return found

    @staticmethod
    def readable(
        caller: Caller, rows: Sequence[tuple[c.Campaign, c.Progress]]
    ) -> list[tuple[c.Campaign, c.Progress]]:
        """Those of a shared snapshot's rows the caller may view (as `snapshot` would give);
        MissingPermission without the view permission anywhere."""
        scope = caller.access.require(*_permissions("view"))
        return [row for row in rows if scope.includes(row[0].division_id)]

    async def attempts(
        self,
        caller: Caller,
        campaign_id: str,
        limit: int,
        *,
        after: AttemptKey | None = None,
        before: AttemptKey | None = None,
    ) -> tuple[c.Campaign, list[AttemptRecord], AttemptTotals]:
        """A page of the campaign's attempt history, for whoever may view the campaign."""
        async with self._uow() as uow:
            found = await _visible(uow, caller, "view", campaign_id)
            rows = await uow.campaign_reports.attempts(
                campaign_id, found.type, limit, after=after, before=before
            )
            totals = await uow.campaign_reports.totals(campaign_id)
        return found, rows, totals

    async def all_attempts(
        self, caller: Caller, campaign: c.Campaign, batch: int = 2000
    ) -> AsyncIterator[list[AttemptRecord]]:
        """The whole history a batch at a time, each batch its own short read (an export
        holds no transaction open while the browser downloads)."""
        after: AttemptKey | None = None
        while True:
            async with self._uow() as uow:
                await _visible(uow, caller, "view", campaign.id)
                rows = await uow.campaign_reports.attempts(
                    campaign.id, campaign.type, batch, after=after
                )
            if rows:
                yield rows
            if len(rows) < batch:
                return
            after = rows[-1].key


def _wanted(status: str) -> str:
    if status not in c.USER_STATUSES:
        raise InvalidInput(
            "campaignStatus must be on or off",
            details=[FieldProblem("campaignStatus", "invalid.value", "on or off")],
        )
    return status


class _Named:
    """The campaign repository as the shared create/update flow needs it."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def get(self, object_id: str) -> c.Campaign | None:
        return await self._uow.campaigns.get(object_id)

    async def find_by_name(self, name: str) -> c.Campaign | None:
        return await self._uow.campaigns.find_by_name(name)

    async def add(self, item: c.Campaign) -> None:
        await self._uow.campaigns.add(item)

    async def update(self, item: c.Campaign, expected_version: int) -> bool:
        return await self._uow.campaigns.update(item, expected_version)
