"""The dispatcher loop run by `tidings serve` and by each `tidings worker`.

Each pass announces the process (a heartbeat row, so operators and lease recovery can see
who is alive), fails sends abandoned by a dead dispatcher (their outcome is unknown), ends
conversations idle for the inactivity time, and does housekeeping. The outboxes run beside
it, one per channel, and the campaign engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from tidings.dispatch.campaigns import CampaignEngine
from tidings.dispatch.outbox import Outbox
from tidings.dispatch.webhooks import WebhookDispatcher
from tidings.domain.ids import new_id, utcnow
from tidings.ports import ChannelEvents, UnitOfWorkFactory

log = logging.getLogger("tidings.dispatch")

HOUSEKEEPING_SECONDS = 60.0
# How often a dispatcher looks for tables that outgrew their planner statistics.
STATISTICS_SECONDS = 5.0
# Idempotency keys are kept this long: the SDK's retries come within seconds.
IDEMPOTENCY_KEPT = timedelta(days=1)
# Conversations ended by one pass at most: a backlog is worked off over a few passes
# rather than in one long transaction.
IDLE_ENDED_PER_PASS = 1000
# How long a stopping dispatcher waits for its sends under way, as long as an outbox's lease:
# past it, the rest are given up, to be failed as unknown by housekeeping, never resent.
STOP_GRACE = timedelta(minutes=10)


class Connection(Protocol):
    async def start(self, events: ChannelEvents) -> None: ...

    async def close(self) -> None: ...


@dataclass
class Channels:
    """The provider connections this dispatcher owns and the outboxes that feed them."""

    events: ChannelEvents
    connections: Sequence[Connection] = ()
    outboxes: Sequence[Outbox] = ()
    # Periodic work of the channels' own, given the time (long inbound messages whose
    # missing parts never came are stored with the parts that did).
    housekeeping: Sequence[Callable[[datetime], Awaitable[object]]] = ()


class Dispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        poll_seconds: float,
        channels: Channels | None = None,
        campaigns: CampaignEngine | None = None,
        inactivity: timedelta | None = None,
        webhooks: WebhookDispatcher | None = None,
        stop_grace: timedelta = STOP_GRACE,
    ) -> None:
        self.id = new_id()
        self._stop_grace = stop_grace
        self._inactivity = inactivity
        self._uow = uow
        self._poll = poll_seconds
        self._channels = channels
        self._campaigns = campaigns
        self._webhooks = webhooks
        self._last_housekeeping = float("-inf")

    async def run(self, stop: asyncio.Event) -> None:
        log.info("dispatcher started", extra={"dispatcher_id": self.id, "pid": os.getpid()})
        outboxes: list[asyncio.Task[None]] = []
        statistics: asyncio.Task[None] | None = None
        try:
            await self.run_once()  # heartbeat first: our claims must belong to a live process
            if self._channels is not None:
                for connection in self._channels.connections:
                    await connection.start(self._channels.events)
                outboxes = [
                    asyncio.create_task(box.run(self.id, stop), name=f"outbox-{box.media_type}")
                    for box in self._channels.outboxes
                ]
            if self._campaigns is not None:
                outboxes.append(asyncio.create_task(self._campaigns.run(stop), name="campaigns"))
            if self._webhooks is not None:
                outboxes.append(asyncio.create_task(self._webhooks.run(stop), name="webhooks"))
            last_statistics = float("-inf")
            while not stop.is_set():
                # Beside the pass rather than in it (an analysis may wait for a table's lock,
                # the heartbeat must not), every few seconds: a new campaign's tables grow by
                # thousands of rows a second, and the send path's plans go wrong within its
                # first minute.
                due = time.monotonic() - last_statistics >= STATISTICS_SECONDS
                if due and (statistics is None or statistics.done()):
                    last_statistics = time.monotonic()
                    statistics = asyncio.create_task(self._keep_statistics(), name="statistics")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._poll)
                try:
                    await self.run_once()
                except Exception:
                    # A database hiccup must not end the loop; the next pass retries.
                    log.exception("dispatcher pass failed")
        finally:
            stop.set()
            if statistics is not None:
                # Optional work: a stopping process does not wait for it.
                statistics.cancel()
                await asyncio.gather(statistics, return_exceptions=True)
            await self._finish(outboxes)
            if self._channels is not None:
                for connection in self._channels.connections:
                    with contextlib.suppress(Exception):
                        await connection.close()
            try:
                async with self._uow() as uow:
                    await uow.dispatchers.forget(self.id)
                    await uow.commit()
            except Exception:
                log.exception("could not remove the dispatcher's heartbeat row")
            log.info("dispatcher stopped", extra={"dispatcher_id": self.id})

    async def _finish(self, tasks: list[asyncio.Task[None]]) -> None:
        """Waits for the outboxes to finish the sends they have under way, heartbeating
        meanwhile: while a send may still go out, other dispatchers must not take this one
        for dead and fail its claims as abandoned. Cancelled, or past the grace, it gives
        the sends up instead (they end unknown: failed, never resent)."""
        finishing = asyncio.gather(*tasks, return_exceptions=True)
        deadline = time.monotonic() + self._stop_grace.total_seconds()
        try:
            while not (await asyncio.wait([finishing], timeout=self._poll))[0]:
                if time.monotonic() > deadline:
                    log.warning("gave up waiting for sends under way; they end unknown")
                    finishing.cancel()
                    await asyncio.wait([finishing])
                    return
                try:
                    async with self._uow() as uow:
                        await uow.dispatchers.heartbeat(
                            self.id, socket.gethostname(), os.getpid(), utcnow()
                        )
                        await uow.commit()
                except Exception:
                    log.exception("heartbeat while finishing sends failed")
        except asyncio.CancelledError:
            finishing.cancel()
            raise

    def wake(self, media_type: str) -> None:
        for box in self._channels.outboxes if self._channels else ():
            if box.media_type == media_type:
                box.wake()

    async def run_once(self) -> None:
        now = utcnow()
        async with self._uow() as uow:
            await uow.dispatchers.heartbeat(self.id, socket.gethostname(), os.getpid(), now)
            # A dispatcher is dead once it missed a few heartbeats.
            live = await uow.dispatchers.live(now - timedelta(seconds=max(3 * self._poll, 10)))
            if self._campaigns is not None:
                self._campaigns.share = len(set(live) | {self.id})
            abandoned = await uow.messages.abandon([*live, self.id], now)
            if abandoned:
                log.warning(
                    "failed sends abandoned by a stopped dispatcher", extra={"count": abandoned}
                )
            if self._inactivity is not None:
                ended = await uow.messages.end_idle_conversations(
                    now - self._inactivity, now, IDLE_ENDED_PER_PASS
                )
                if ended:
                    log.info("ended idle conversations", extra={"count": ended})
            housekeeping = time.monotonic() - self._last_housekeeping >= HOUSEKEEPING_SECONDS
            if housekeeping:
                purged = await uow.tokens.purge_expired(now)
                await uow.messages.forget_keys(now - IDEMPOTENCY_KEPT)
                self._last_housekeeping = time.monotonic()
                if purged:
                    log.info("purged expired tokens", extra={"count": purged})
            await uow.commit()
        if housekeeping and self._channels is not None:
            for chore in self._channels.housekeeping:
                try:
                    await chore(now)
                except Exception:
                    log.exception("channel housekeeping failed")

    async def refresh_statistics(self) -> list[str]:
        """Analyses the tables that outgrew their planner statistics, one a transaction;
        returns those it analysed. A table it cannot analyse now waits for a later pass."""
        async with self._uow() as uow:
            stale = await uow.statistics.stale()
        analysed = []
        for table in stale:
            try:
                async with self._uow() as uow:
                    if await uow.statistics.analyse(table):
                        await uow.commit()
                        analysed.append(table)
            except Exception as exc:
                # Its lock was taken (a long VACUUM, an index being built): a later pass.
                log.info("could not analyse %s now: %r", table, str(exc).partition("\n")[0])
        if analysed:
            log.info("analysed tables grown since their statistics", extra={"tables": analysed})
        return analysed

    async def _keep_statistics(self) -> None:
        try:
            await self.refresh_statistics()
        except Exception:
            log.exception("looking for tables to analyse failed")
