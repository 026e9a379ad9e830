"""Sends per second per sender: the limit an aggregator sets on a number (a US long code
takes about one a second, a short code a hundred), or a relay on a whole account.

It holds across every campaign and agentless message of the dispatcher, because both go
through the same channel. Each send reserves the next free slot of its key and sleeps until
it comes: no lock is needed on one event loop, and the order of arrival is kept.
"""

from __future__ import annotations

import asyncio
import time


class SenderPace:
    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next: dict[str, float] = {}

    async def wait(self, key: str) -> None:
        if not self._interval:
            return
        now = time.monotonic()
        slot = max(now, self._next.get(key, now))
        self._next[key] = slot + self._interval
        if len(self._next) > 100_000:  # forget idle keys now and then
            self._next = {k: v for k, v in self._next.items() if v > now}
        if slot > now:
            await asyncio.sleep(slot - now)
