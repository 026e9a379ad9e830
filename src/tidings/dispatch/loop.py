"""The dispatcher loop run by `tidings serve` and by each `tidings worker`.

Each pass announces the process (a heartbeat row, so operators and later lease recovery can
see who is alive), does housekeeping, and looks for work. Campaign pipes plug in here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time

from tidings.domain.ids import new_id, utcnow
from tidings.ports import UnitOfWorkFactory

log = logging.getLogger("tidings.dispatch")

HOUSEKEEPING_SECONDS = 60.0


class Dispatcher:
    def __init__(self, uow: UnitOfWorkFactory, *, poll_seconds: float) -> None:
        self.id = new_id()
        self._uow = uow
        self._poll = poll_seconds
        self._last_housekeeping = float("-inf")

    async def run(self, stop: asyncio.Event) -> None:
        log.info("dispatcher started", extra={"dispatcher_id": self.id, "pid": os.getpid()})
        try:
            while not stop.is_set():
                try:
                    await self.run_once()
                except Exception:
                    # A database hiccup must not end the loop; the next pass retries.
                    log.exception("dispatcher pass failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._poll)
        finally:
            try:
                async with self._uow() as uow:
                    await uow.dispatchers.forget(self.id)
                    await uow.commit()
            except Exception:
                log.exception("could not remove the dispatcher's heartbeat row")
            log.info("dispatcher stopped", extra={"dispatcher_id": self.id})

    async def run_once(self) -> None:
        now = utcnow()
        async with self._uow() as uow:
            await uow.dispatchers.heartbeat(self.id, socket.gethostname(), os.getpid(), now)
            if time.monotonic() - self._last_housekeeping >= HOUSEKEEPING_SECONDS:
                purged = await uow.tokens.purge_expired(now)
                self._last_housekeeping = time.monotonic()
                if purged:
                    log.info("purged expired tokens", extra={"count": purged})
            await uow.commit()
