"""The webhook dispatcher: takes due deliveries from the webhook outbox, POSTs each signed
body to its subscription's URL, logs the attempt, and retries failures with exponential
backoff until the attempt limit, after which the delivery is failed.

A delivery is claimed (its next attempt pushed past the request timeout) before the request
goes out, so a dispatcher that dies mid-request leaves it to be sent again later: receivers
get an event at least once and recognise repeats by `metadata.CorrelationId`.

Deliveries are kept `kept` long after they were queued for the subscription's delivery log
(a week by default, far beyond the longest retry schedule), then removed with their
attempts once finished, a bounded batch at a time, so the outbox does not grow with every
status change ever reported."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx

from tidings.domain.ids import utcnow
from tidings.domain.webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    SIGNATURE_HEADER,
    Attempt,
    Due,
    backoff,
    sign,
)
from tidings.ports import UnitOfWorkFactory

log = logging.getLogger("tidings.webhooks")


@dataclass(frozen=True)
class WebhookPolicy:
    max_attempts: int = 10
    first_retry: timedelta = timedelta(seconds=10)
    longest_retry: timedelta = timedelta(hours=1)
    timeout_seconds: float = 10.0
    in_flight: int = 20
    poll_seconds: float = 0.5
    kept: timedelta = timedelta(days=7)
    prune_every: timedelta = timedelta(minutes=1)


# Finished deliveries removed in one transaction: a short write, however much piled up.
PRUNE_BATCH = 5000


class WebhookDispatcher:
    def __init__(self, uow: UnitOfWorkFactory, policy: WebhookPolicy) -> None:
        self._uow = uow
        self._policy = policy
        self._last_prune = float("-inf")

    async def run(self, stop: asyncio.Event) -> None:
        policy = self._policy
        async with httpx.AsyncClient(
            timeout=policy.timeout_seconds, follow_redirects=False
        ) as client:
            while not stop.is_set():
                try:
                    await self._prune_now_and_then()
                    due = await self._claim()
                    if due:
                        await asyncio.gather(*(self._deliver(client, d) for d in due))
                except Exception:
                    log.exception("delivering webhooks failed")
                    due = []
                if not due:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=policy.poll_seconds)

    async def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < self._policy.prune_every.total_seconds():
            return
        self._last_prune = now
        await self.prune()

    async def prune(self) -> int:
        """Removes finished deliveries queued more than `kept` ago; returns how many."""
        before = utcnow() - self._policy.kept
        removed = 0
        while True:
            async with self._uow() as uow:
                batch = await uow.webhooks.prune(before, PRUNE_BATCH)
                await uow.commit()
            removed += batch
            if batch < PRUNE_BATCH:
                break
        if removed:
            log.info("removed finished webhook deliveries", extra={"count": removed})
        return removed

    async def _claim(self) -> list[Due]:
        # The lease outlasts the request, so nobody else takes the delivery meanwhile.
        lease = timedelta(seconds=self._policy.timeout_seconds + 30)
        async with self._uow() as uow:
            due = await uow.webhooks.claim(self._policy.in_flight, utcnow(), lease)
            await uow.commit()
        return due

    async def _deliver(self, client: httpx.AsyncClient, due: Due) -> None:
        now = utcnow()
        status: int | None = None
        error: str | None = None
        try:
            response = await client.post(
                due.url,
                content=due.body.encode(),
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(due.secret, int(now.timestamp()), due.body),
                    "User-Agent": "Tidings-Webhooks",
                },
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"the receiver answered {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        policy = self._policy
        if error is None:
            state, retry_at = DELIVERED, None
        elif due.attempts >= policy.max_attempts:
            state, retry_at = FAILED, None
        else:
            state = PENDING
            retry_at = utcnow() + backoff(due.attempts, policy.first_retry, policy.longest_retry)
        async with self._uow() as uow:
            await uow.webhooks.attempted(due.id, Attempt(now, status, error), state, retry_at)
            await uow.commit()
        if state == FAILED:
            log.warning(
                "webhook delivery failed for good",
                extra={"delivery_id": due.id, "attempts": due.attempts},
            )
