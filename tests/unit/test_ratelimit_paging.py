from __future__ import annotations

import pytest

from tidings.domain.errors import InvalidInput, RateLimited
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest, page_count
from tidings.domain.ratelimit import RateLimiter


def test_a_burst_up_to_the_limit_then_429_with_a_retry_time() -> None:
    limiter = RateLimiter()
    for _ in range(60):
        limiter.take("a", 60, now=100.0)
    with pytest.raises(RateLimited) as raised:
        limiter.take("a", 60, now=100.0)
    assert raised.value.retry_after_seconds == 1
    limiter.take("b", 60, now=100.0)  # another caller is unaffected


def test_the_bucket_refills_with_time() -> None:
    limiter = RateLimiter()
    for _ in range(2):
        limiter.take("a", 2, now=0.0)
    with pytest.raises(RateLimited) as raised:
        limiter.take("a", 2, now=1.0)
    assert raised.value.retry_after_seconds == 29
    limiter.take("a", 2, now=31.0)


@pytest.mark.parametrize(("size", "number"), [(0, 1), (MAX_PAGE_SIZE + 1, 1), (25, 0), (25, -1)])
def test_bad_pages_are_refused(size: int, number: int) -> None:
    with pytest.raises(InvalidInput):
        PageRequest(page_size=size, page_number=number)


def test_offsets_and_counts() -> None:
    assert PageRequest(page_size=25, page_number=3).offset == 50
    assert page_count(0, 25) == 0
    assert page_count(26, 25) == 2
