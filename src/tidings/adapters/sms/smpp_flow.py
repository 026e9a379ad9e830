"""Pacing of submits on one bind: our own TPS limit, lowered for a while whenever the SMSC
says it is throttling us (ESME_RTHROTTLED, ESME_RMSGQFUL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class RateGate:
    """A token bucket at `tps` submits a second (no limit when 0). `slow_down()` halves the
    rate we actually ran at and keeps it there until `slow_seconds` pass without another
    throttling answer; then the configured limit (or none) applies again."""

    def __init__(
        self, tps: float, slow_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._tps = tps
        self._slow_seconds = slow_seconds
        self._clock = clock
        self._slow_rate: float | None = None
        self._slow_until = 0.0
        self._slowed_at = 0.0
        self._tokens = 1.0
        self._stamp = clock()
        # Submits counted per whole second, to know the rate we ran at when throttled.
        self._second = int(self._stamp)
        self._this_second = 0
        self._last_second = 0

    def rate(self) -> float | None:
        """The submits a second allowed now; None when there is no limit."""
        if self._slow_rate is not None:
            if self._clock() < self._slow_until:
                return self._slow_rate
            self._slow_rate = None
        return self._tps or None

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            rate = self.rate()
            if rate is None:
                self._count(now)
                return
            burst = max(1.0, rate / 10)  # at most a tenth of a second's worth at once
            self._tokens = min(burst, self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                self._count(now)
                return
            await asyncio.sleep((1.0 - self._tokens) / rate)

    def slow_down(self) -> None:
        now = self._clock()
        # A window full of submits is refused at once: halve once a second, not per answer.
        if self._slow_rate is None or now - self._slowed_at >= 1.0:
            ran_at = float(max(self._last_second, self._this_second, 1))
            current = self.rate() or ran_at
            self._slow_rate = max(1.0, min(current, ran_at) / 2)
            self._slowed_at = now
        self._slow_until = now + self._slow_seconds
        self._tokens = min(self._tokens, 1.0)

    def _count(self, now: float) -> None:
        second = int(now)
        if second != self._second:
            self._last_second = self._this_second if second == self._second + 1 else 0
            self._this_second = 0
            self._second = second
        self._this_second += 1
