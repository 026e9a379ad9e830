"""A token bucket per caller: `limit` requests a minute, with bursts up to `limit`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tidings.domain.errors import RateLimited


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._max_keys = max_keys

    def take(self, key: str, limit_per_minute: int, now: float) -> None:
        """Spends one request of `key`'s budget or raises RateLimited."""
        rate = limit_per_minute / 60.0
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._buckets.clear()  # idle callers refill to full anyway
            bucket = self._buckets[key] = _Bucket(float(limit_per_minute), now)
        else:
            bucket.tokens = min(
                float(limit_per_minute), bucket.tokens + (now - bucket.stamp) * rate
            )
            bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return
        raise RateLimited(limit_per_minute, max(1, math.ceil((1.0 - bucket.tokens) / rate)))
