"""The outbox: queued messages of one channel, claimed, handed to the channel, settled.

A message is claimed (committed as `sending`, under a lease) before its bytes go out and
settled after the provider answered, so a crash in between leaves a row that says exactly
that: its outcome is unknown, and housekeeping fails it instead of sending it twice. Claims
and settlements are written in groups; sends run concurrently up to `in_flight`, and the
adapter keeps its own window and rate below that. A send's place is free again as soon as
the adapter answers, not once its settlement is committed: a settlement waits for others
(tens of milliseconds), and a window that waited with it sat idle most of the time. Sends
answered but not yet settled are bounded too (another `in_flight`), so a crash leaves at
most twice the window of unknown outcomes, and a stalled database stops the claims. The
outbox renews the leases of the sends it still has under way, so a lease ends only for a
send its dispatcher lost track of, never for one that waits behind a slow relay or a rate
limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from tidings.domain.channels import SendOutcome, SendResult
from tidings.domain.ids import utcnow
from tidings.domain.messages import (
    DONE,
    FAILED,
    RECIPIENT_OPTED_OUT,
    Message,
    Settlement,
    settle,
)
from tidings.group_commit import GroupCommit
from tidings.ports import UnitOfWorkFactory

log = logging.getLogger("tidings.outbox")

Send = Callable[[Message], Awaitable[SendResult]]
SETTLE_GATHER_SECONDS = 0.025
CLAIM_GATHER_SECONDS = 0.02
OPTED_OUT_REASON = "the recipient opted out of messages from this sender; nothing was sent"


class Outbox:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        media_type: str,
        send: Send,
        *,
        in_flight: int = 200,
        lease: timedelta = timedelta(minutes=10),
        poll_seconds: float = 0.1,
        receipts_by_provider_id: bool = True,
    ) -> None:
        self.media_type = media_type
        self._uow = uow
        self._send = send
        self._in_flight = in_flight
        self._lease = lease
        self._poll = poll_seconds
        # False for a sender whose outcomes never come back by provider id (SMTP: bounces
        # name the message by its VERP address): its settlements index no provider ids.
        self._receipts_by_provider_id = receipts_by_provider_id
        self._wake = asyncio.Event()
        # Each send until it is settled, and its message's id (for leases and the stop).
        self._running: dict[asyncio.Task[None], str] = {}
        # Of those, the ones the adapter has not answered yet.
        self._unanswered: set[asyncio.Task[None]] = set()
        # Claims wait until a quarter of the room is free: one claim for many messages.
        self._enough = max(in_flight // 4, 1)
        # A settlement may wait this long for others: one transaction for dozens of sends
        # rather than a few (a send's row stays claimed meanwhile, which costs nothing).
        self._settler: GroupCommit[Settlement] = GroupCommit(
            self._write_settlements, gather_seconds=SETTLE_GATHER_SECONDS
        )

    def wake(self) -> None:
        """Something was queued in this process: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, dispatcher_id: str, stop: asyncio.Event) -> None:
        running = self._running
        renewed = time.monotonic()
        last_claim = float("-inf")
        filled = False  # the last claim left the window without room for another

        def finished(task: asyncio.Task[None]) -> None:
            running.pop(task, None)
            self._unanswered.discard(task)  # a send cancelled before it began
            self._wake_if_room()

        try:
            while not stop.is_set():
                if not running:
                    renewed = time.monotonic()  # the next claim's leases are fresh
                if running and time.monotonic() - renewed >= self._lease.total_seconds() / 4:
                    renewed = time.monotonic()
                    await self._renew_leases(dispatcher_id, list(running.values()))
                # Cleared before the claim, so a wake during it is not lost; without room
                # for a claim a wake waits for the sends that make room.
                self._wake.clear()
                free = self._room()
                claimed: list[Message] = []
                if free >= self._enough or not running:
                    # A trickle of new messages is claimed at most this often, each claim
                    # (a write transaction) taking what was queued meanwhile; a window the
                    # last claim filled is refilled as soon as it has room.
                    pause = last_claim + CLAIM_GATHER_SECONDS - time.monotonic()
                    if pause > 0 and not filled:
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(pause):
                                await stop.wait()
                        if stop.is_set():
                            break
                        free = self._room()
                    last_claim = time.monotonic()
                    try:
                        claimed = await self._claim(dispatcher_id, free)
                    except Exception:
                        log.exception("claiming %s messages failed", self.media_type)
                for message in claimed:
                    task = asyncio.create_task(self._deliver(message))
                    self._unanswered.add(task)  # now, not when it starts: room() counts it
                    running[task] = message.id
                    task.add_done_callback(finished)
                filled = self._room() < self._enough
                # One wait per claim, not per finished send (asyncio.wait on the running
                # set would hook and unhook every task each time one finishes).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll):
                        await self._wake.wait()
        finally:
            # Sends under way finish and settle: stopping must not leave them ambiguous.
            # Their leases are renewed as before while they take their time.
            try:
                while running:
                    await asyncio.wait(list(running), timeout=self._lease.total_seconds() / 4)
                    if running:
                        await self._renew_leases(dispatcher_id, list(running.values()))
            except asyncio.CancelledError:
                # Given up on: they end unknown, failed by housekeeping, never resent.
                for task in list(running):
                    task.cancel()
                raise
            await self._settler.close()

    def _room(self) -> int:
        # At most a window on the wire, and a window more answered and not yet settled.
        sending = len(self._unanswered)
        return min(self._in_flight - sending, 2 * self._in_flight - len(self._running))

    def _wake_if_room(self) -> None:
        if self._room() >= self._enough:
            self._wake.set()

    async def _renew_leases(self, dispatcher_id: str, message_ids: list[str]) -> None:
        try:
            async with self._uow() as uow:
                await uow.messages.renew_leases(dispatcher_id, message_ids, utcnow() + self._lease)
                await uow.commit()
        except Exception:
            # Tried again a quarter of a lease later, well before these leases end.
            log.exception(
                "renewing the leases of %s %s sends failed", len(message_ids), self.media_type
            )

    async def _claim(self, dispatcher_id: str, limit: int) -> list[Message]:
        now = utcnow()
        async with self._uow() as uow:
            claimed = await uow.messages.claim(
                dispatcher_id, self.media_type, limit, now, self._lease
            )
            if not claimed:
                return []
            blocked = await uow.messages.opted_out_among(
                self.media_type, [(m.to_address, m.from_address) for m in claimed]
            )
            # A keyword's answer goes even to a number that just opted out: the opt-out
            # confirmation is the one message the rules require after STOP.
            refused = [
                m
                for m in claimed
                if (m.to_address, m.from_address) in blocked and not m.keyword_reply
            ]
            await uow.messages.settle(
                self.media_type,
                [
                    Settlement(
                        m.id,
                        FAILED,
                        DONE,
                        error_code=RECIPIENT_OPTED_OUT,
                        error_message=OPTED_OUT_REASON,
                    )
                    for m in refused
                ],
                now,
            )
            await uow.commit()
        refused_ids = {m.id for m in refused}
        return [m for m in claimed if m.id not in refused_ids]

    async def _deliver(self, message: Message) -> None:
        try:
            result = await self._send(message)
        except Exception as exc:
            # An adapter bug must not leave the row claimed until its lease ends.
            log.exception("sending message %s raised", message.id)
            result = SendResult(SendOutcome.UNKNOWN, reason=f"the channel failed: {exc!r}")
        finally:
            self._unanswered.discard(asyncio.current_task())
            self._wake_if_room()
        settlement = settle(
            message.id,
            message.attempts,
            result,
            utcnow(),
            receipts_by_provider_id=self._receipts_by_provider_id,
        )
        try:
            await self._settler.submit(settlement)
        except Exception:
            log.exception("settling message %s failed; its lease will end it", message.id)

    async def _write_settlements(self, batch: list[Settlement]) -> None:
        async with self._uow() as uow:
            await uow.messages.settle(self.media_type, batch, utcnow())
            await uow.commit()
