"""DKIM-signed messages composed on threads beside the event loop, in batches.

The RSA step runs in OpenSSL without the GIL, so on a thread it overlaps the loop's network
and database work instead of stalling it. Handing one message at a time to a thread pool
cost the loop nearly as much as an unsigned message costs to compose (a future, a lock, a
wake-up of the loop for each): the messages that arrive while the threads are busy now go
over together, one hand-off and one wake-up a batch. When idle a message goes at once.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from tidings.adapters.email.compose import ComposedEmail, compose
from tidings.domain.channels import OutboundEmail

# Enough to share a hand-off widely, few enough that the first message of a batch does not
# wait long for the last one's signature (64 x 0.4 ms).
_MAX_BATCH = 64


class Signing:
    def __init__(self) -> None:
        # One core is the event loop's; one signing thread does ~2,500 RSA-2048 signatures a
        # second, and more threads than spare cores only fight over the GIL.
        self._threads = max(1, min(4, (os.cpu_count() or 2) - 1))
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="tidings-dkim")
        self._waiting: list[tuple[OutboundEmail, asyncio.Future[ComposedEmail]]] = []
        # Counted by the hand-overs themselves as they stop, with no wait between their last
        # look at `_waiting` and the count: a message queued just then starts a new one.
        self._handing_over = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def compose(self, email: OutboundEmail) -> ComposedEmail:
        """The message composed and signed; raises what `compose` raises."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ComposedEmail] = loop.create_future()
        self._waiting.append((email, future))
        if self._handing_over < self._threads:
            self._handing_over += 1
            task = loop.create_task(self._hand_over())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    async def _hand_over(self) -> None:
        try:
            await self._hand_over_all()
        finally:
            self._handing_over -= 1

    async def _hand_over_all(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch = self._waiting[:_MAX_BATCH]
            del self._waiting[:_MAX_BATCH]
            emails = [email for email, _ in batch]
            try:
                results = await loop.run_in_executor(self._pool, _compose_each, emails)
            except BaseException as exc:  # the pool shut down, or the loop is closing
                # Those still waiting fail too: no later call may come to hand them over.
                batch += self._waiting
                self._waiting.clear()
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                raise
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # its sender gave up waiting
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)


def _compose_each(emails: list[OutboundEmail]) -> list[ComposedEmail | Exception]:
    results: list[ComposedEmail | Exception] = []
    for email in emails:
        try:
            results.append(compose(email))
        except Exception as exc:  # one message's fault is its own, not its batch's
            results.append(exc)
    return results
