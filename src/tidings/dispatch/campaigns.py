"""The campaign engine: one pass over the running campaigns at a time, in every dispatcher.

For each campaign that is on: seed its cycle (once), wake contacts whose callable time came,
claim as many contacts as its `messagesPerMinute` allows (shared among the live
dispatchers) and as the outbox has room for, and queue their messages. For every running
campaign: settle the contacts whose messages the outbox finished, and move the status on
(`complete` when everything is done, `off` once a stopping campaign has nothing in flight).
The engine never sends: the outbox does, so a campaign's messages get the same retries,
throttling and crash rules as agentless ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tidings.dispatch.campaign_batch import CampaignInvalid, run_batch
from tidings.domain import campaigns as c
from tidings.domain.events import (
    CAMPAIGN_INVALIDATED,
    CAMPAIGN_STOPPED,
    ERROR,
    INFO,
    WARNING,
    EntityRef,
    EventLog,
)
from tidings.domain.ids import new_id, utcnow
from tidings.domain.messages import AMBIGUOUS_REASON, RECIPIENT_OPTED_OUT
from tidings.ports import UnitOfWorkFactory

log = logging.getLogger("tidings.campaigns")

BATCH = 500
# Queued-but-unsettled messages a campaign may have: bounds what a stop has to wait for.
IN_FLIGHT_CAP = 2000
TOP_UP_SECONDS = 5.0  # alwaysRunning campaigns look for new contacts this often
WAKE_SECONDS = 5.0  # contacts waiting for their callable time are looked at this often
SETTLE_BATCH = 2000
# A seed adding this many attempts refreshes the database's statistics of them at once.
ANALYZE_AFTER = 1000


@dataclass
class _Pace:
    """A token bucket for one campaign's messagesPerMinute in this process."""

    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)
    # Contacts the last claim skipped or put to wait: they spend no token, so the next
    # claim takes twice as many more than the allowance, and a list that opens with
    # thousands of contacts outside their window is not walked a token's worth a pass.
    passed: int = 0

    def allowance(self, per_minute: int, share: int) -> int:
        now = time.monotonic()
        rate = per_minute / 60.0 / max(share, 1)
        self.tokens = min(self.tokens + (now - self.at) * rate, max(rate, 1.0))
        self.at = now
        return int(self.tokens)

    def spend(self, sent: int) -> None:
        self.tokens -= sent


class CampaignEngine:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        queued: Callable[[str], None] = lambda media_type: None,
        poll_seconds: float = 0.1,
    ) -> None:
        self._uow = uow
        self._queued = queued
        self._poll = poll_seconds
        self._paces: dict[str, _Pace] = {}
        self._seeded: set[tuple[str, int]] = set()
        self._last_top_up: dict[str, float] = {}
        self._last_wake: dict[str, float] = {}
        # Live dispatchers sharing each campaign's rate; the dispatcher loop keeps it.
        self.share = 1

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            busy = False
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("campaign pass failed")
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._poll)

    async def run_once(self) -> bool:
        """One pass; True if a campaign may have more to do at once."""
        async with self._uow() as uow:
            running = await uow.campaigns.running()
        busy = False
        for campaign in running:
            try:
                busy |= await self._step(campaign)
            except CampaignInvalid as problem:
                await self._invalidate(campaign, problem)
            except Exception:
                log.exception("campaign %s: pass failed", campaign.id)
        on = {campaign.id for campaign in running if campaign.status == c.ON}
        for gone in set(self._paces) - on:
            del self._paces[gone]
        self._seeded = {key for key in self._seeded if key[0] in on}
        return busy

    async def _step(self, campaign: c.Campaign) -> bool:
        # Settled sends first: the room they free goes into this pass's claim.
        await self._settle(campaign)
        if campaign.status == c.ON:
            await self._seed(campaign)
            if await self._claim(campaign):
                # A whole batch was claimed, so the campaign is not complete: the check
                # would cost a transaction for nothing.
                return True
        await self._move_on(campaign)
        return False

    async def _seed(self, campaign: c.Campaign) -> None:
        key = (campaign.id, campaign.cycle)
        now_m = time.monotonic()
        top_up = campaign.always_running and (
            now_m - self._last_top_up.get(campaign.id, 0.0) >= TOP_UP_SECONDS
        )
        wake = now_m - self._last_wake.get(campaign.id, 0.0) >= WAKE_SECONDS
        if key in self._seeded and not top_up and not wake:
            return
        async with self._uow() as uow:
            # Seeding is idempotent (contacts attempted in the cycle are left out), so each
            # process seeds once when it first sees the campaign on: a campaign switched on
            # again picks up contacts added while it was off.
            first = key not in self._seeded
            added = 0
            if first or top_up:
                filters = []
                for filter_id in campaign.contact_list_filter_ids:
                    found = await uow.contact_filters.get(filter_id)
                    if found is None:  # seeding without it would take the contacts it left out
                        raise CampaignInvalid(
                            "contactListFilters.not.found",
                            f"the contact list filter {filter_id} was deleted",
                        )
                    filters.append(found.criteria)
                added = await uow.campaign_attempts.seed(campaign, filters, utcnow())
                if added:
                    await uow.campaigns.add_counts(campaign.id, campaign.cycle, {"total": added})
            if wake:
                await uow.campaign_attempts.wake_waiting(campaign, utcnow())
            await uow.commit()
        if added:
            log.info("campaign %s: %d contacts to attempt", campaign.id, added)
        if added >= ANALYZE_AFTER:
            async with self._uow() as uow:
                await uow.campaign_attempts.refresh_statistics()
                await uow.commit()
        self._seeded.add(key)
        if top_up:
            self._last_top_up[campaign.id] = now_m
        if wake:
            self._last_wake[campaign.id] = now_m

    async def _claim(self, campaign: c.Campaign) -> bool:
        pace = self._paces.setdefault(campaign.id, _Pace())
        allowance = pace.allowance(campaign.messages_per_minute, self.share)
        if allowance < 1:
            return False
        async with self._uow() as uow:
            room = IN_FLIGHT_CAP - await uow.campaign_attempts.in_flight(campaign, IN_FLIGHT_CAP)
            # The queue is topped up by half batches at least: a pass has fixed costs (the
            # in-flight count, the settled sends, the completion check), and topping up
            # each few messages the outbox took made passes back to back for nothing.
            if room < BATCH // 2:
                return False
            sends = min(allowance, room)
            limit = min(sends + 2 * pace.passed, BATCH)
            result = await run_batch(uow, campaign, utcnow(), limit, sends)
            await uow.commit()
        pace.spend(result.queued)
        pace.passed = result.decided - result.queued
        if result.queued:
            self._queued(campaign.media_type)
        # More at once after a whole batch, or a full claim that left the allowance
        # unspent (contacts skipped or waiting); otherwise the rate or the room held it.
        return result.decided == BATCH or (result.decided == limit and result.queued < sends)

    async def _settle(self, campaign: c.Campaign) -> None:
        async with self._uow() as uow:
            sends = await uow.campaign_attempts.settled_sends(campaign, SETTLE_BATCH)
            if not sends:
                return
            now = utcnow()
            outcomes = [
                c.AttemptOutcome(
                    s.seq,
                    c.outcome_of_send(s, AMBIGUOUS_REASON, RECIPIENT_OPTED_OUT),
                    s.error_message,
                    s.column,
                    s.address,
                    s.cycle,
                )
                for s in sends
            ]
            await uow.campaign_attempts.finish(campaign, outcomes, now)
            await uow.campaign_attempts.note_contacts(campaign.media_type, outcomes, now)
            by_cycle: dict[int, Counter[str]] = {}
            for outcome in outcomes:
                key = "messaged" if outcome.wrapup == c.SENT else outcome.wrapup
                by_cycle.setdefault(outcome.cycle, Counter())[key] += 1
            for cycle, deltas in by_cycle.items():
                await uow.campaigns.add_counts(campaign.id, cycle, deltas)
            for wrapup, level, text in (
                (c.FAILED, WARNING, "were refused or failed after every retry"),
                (
                    c.AMBIGUOUS,
                    WARNING,
                    "ended ambiguous: the process or the connection died after their message "
                    "was handed over, so it may have arrived; they are not sent again unless "
                    "you ask (POST .../ambiguous/resend)",
                ),
            ):
                ended = [o for o in outcomes if o.wrapup == wrapup]
                if ended:
                    first = ended[0].reason or "no reason given"
                    await uow.events.record(
                        _event(
                            campaign,
                            level,
                            f"MESSAGING_CAMPAIGN_{wrapup}",
                            f"{len(ended)} contacts of campaign {campaign.name!r} {text} "
                            f"(the first: {first})",
                            count=len(ended),
                        )
                    )
            await uow.commit()

    async def _move_on(self, campaign: c.Campaign) -> None:
        async with self._uow() as uow:
            if campaign.status == c.ON:
                if campaign.always_running or (campaign.id, campaign.cycle) not in self._seeded:
                    return
                if await uow.campaign_attempts.unfinished(campaign):
                    return
                if await uow.campaigns.set_status(campaign.id, c.COMPLETE, only_from=(c.ON,)):
                    log.info("campaign %s complete", campaign.id)
                    [progress] = await uow.campaigns.progress([campaign])
                    await uow.events.record(
                        _event(
                            campaign,
                            INFO,
                            "MESSAGING_CAMPAIGN_COMPLETE",
                            f"Campaign {campaign.name!r} is complete: {progress.messaged} of "
                            f"{progress.total} contacts messaged, the others skipped or failed "
                            "(see its progress)",
                            messaged=progress.messaged,
                            total=progress.total,
                        )
                    )
            else:
                # Stopping, or off / invalid with sends still in the outbox: what the outbox
                # has not taken yet is taken back; the rest settles.
                await uow.campaign_attempts.withdraw_unsent(campaign)
                stopping = {c.STOPPING: c.OFF, c.FORCED_STOPPING: c.FORCED_OFF}
                final = stopping.get(campaign.status)
                if (
                    final
                    and not await uow.campaign_attempts.in_flight(campaign, 1)
                    and await uow.campaigns.set_status(
                        campaign.id, final, only_from=(campaign.status,)
                    )
                ):
                    await uow.events.record(
                        _event(
                            campaign,
                            INFO,
                            "MESSAGING_CAMPAIGN_STOPPED",
                            f"Campaign {campaign.name!r} stopped: every send under way settled",
                        )
                    )
            await uow.commit()

    async def _invalidate(self, campaign: c.Campaign, problem: CampaignInvalid) -> None:
        log.warning("campaign %s is invalid: %s", campaign.id, problem.details)
        async with self._uow() as uow:
            if await uow.campaigns.set_status(
                campaign.id,
                c.INVALID,
                only_from=(c.ON,),
                errors=[c.CampaignError(problem.error, problem.details)],
            ):
                await uow.events.record(
                    _event(
                        campaign,
                        ERROR,
                        "MESSAGING_CAMPAIGN_INVALID",
                        f"Campaign {campaign.name!r} stopped sending: {problem.details}",
                        error=problem.error,
                    )
                )
            await uow.commit()


# Events with a counterpart among the SDK's codes carry it, the others none.
_SDK_CODES = {
    "MESSAGING_CAMPAIGN_STOPPED": CAMPAIGN_STOPPED,
    "MESSAGING_CAMPAIGN_INVALID": CAMPAIGN_INVALIDATED,
}


def _event(campaign: c.Campaign, level: str, name: str, message: str, **params: object) -> EventLog:
    ref = EntityRef(
        campaign.id, campaign.name, f"/api/v2/outbound/messagingcampaigns/{campaign.id}"
    )
    return EventLog(
        id=new_id(),
        level=level,
        category="MESSAGING_CAMPAIGN",
        name=name,
        message=message,
        timestamp=utcnow(),
        code=_SDK_CODES.get(name),
        params={"campaignId": campaign.id, **params},
        error_entity=ref if level != INFO else None,
        related_entity=ref,
        correlation_id=campaign.id,
        division_id=campaign.division_id,
    )
