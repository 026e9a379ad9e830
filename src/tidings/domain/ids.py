from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

# Random bits are read from the OS a few kilobytes at a time: one getrandom call per id
# cost a system call per message row (2% of the send path's samples). Each thread reads
# its own, and a forked child starts afresh, so no two ids share their random bits.
_RANDOM_BYTES = 10
_pool = threading.local()
_VERSION_AND_VARIANT = 0x7 << 76 | 0x2 << 62
_RANDOM_MASK = ~(0xF << 76 | 0x3 << 62) & ((1 << 80) - 1)


def new_id() -> str:
    """A UUID of version 7 (RFC 9562): the millisecond it was made, then 74 random bits.

    Ids made later sort later, so a new row's key lands at the end of each index keyed by
    it instead of on a random page: inserting a conversation and its message costs 40-48%
    less on SQLite and on PostgreSQL once the tables hold 150,000 rows (bench/id_order.py).
    The random part keeps ids unguessable; nothing may rely on an id for secrecy anyway
    (tokens and download signatures have their own).
    """
    left: memoryview | None = getattr(_pool, "left", None)
    if left is None or len(left) < _RANDOM_BYTES:
        left = memoryview(os.urandom(4000))
    bits = int.from_bytes(left[:_RANDOM_BYTES])
    _pool.left = left[_RANDOM_BYTES:]
    value = time.time_ns() // 1_000_000 << 80 | bits & _RANDOM_MASK | _VERSION_AND_VARIANT
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _forget_random() -> None:
    global _pool
    _pool = threading.local()


os.register_at_fork(after_in_child=_forget_random)


def utcnow() -> datetime:
    return datetime.now(UTC)
