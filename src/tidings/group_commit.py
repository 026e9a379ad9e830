"""Group commit: items from many tasks written in one transaction (used by services and the
dispatcher alike, so it lives below both).

Each caller waits until its own item is durable. While one batch is being written, the next
gathers, so under load a transaction carries hundreds of items and when idle it carries
one with no added delay (no timer).

A write that does not wait for anything (SQLite run on the loop's own thread) gives the next
batch no time to gather: a transaction carried the few items of one turn of the loop. With
`gather_seconds`, writes start at most that often, so under load each carries what came in
the meantime; an item that finds the last write longer ago than that is written at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from tidings.domain.errors import DomainError

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[None]],
        max_items: int = 1000,
        gather_seconds: float = 0.0,
    ) -> None:
        self._write = write
        self._max = max_items
        self._gather = gather_seconds
        self._last_write = float("-inf")
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        await asyncio.shield(future)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            wait = self._last_write + self._gather - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_write = loop.time()
            batch, self._pending = self._pending[: self._max], self._pending[self._max :]
            try:
                await self._write([item for item, _ in batch])
            except Exception as exc:
                if len(batch) == 1 or not isinstance(exc, DomainError):
                    # The database is down or slow: every item fails as it would alone.
                    for _, future in batch:
                        _settle(future, exc)
                    continue
                # One bad item (a value the database refuses, a key taken) must not fail
                # the items that happened to share its transaction: each is written again
                # on its own, so only its own waiter sees its failure. The failed
                # transaction was rolled back, so nothing is written twice.
                for item, future in batch:
                    try:
                        await self._write([item])
                    except Exception as alone:
                        _settle(future, alone)
                    else:
                        _settle(future, None)
            else:
                for _, future in batch:
                    _settle(future, None)

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)


def _settle(future: asyncio.Future[None], failure: Exception | None) -> None:
    if future.done():  # its caller was cancelled
        return
    if failure is None:
        future.set_result(None)
    else:
        future.set_exception(failure)
