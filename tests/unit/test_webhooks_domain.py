"""The webhook signature and retry schedule, as a receiver and an operator rely on them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from tidings.domain.webhooks import backoff, sign


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = '{"topicName":"v2.routing.sms.optouts"}'
    expected = hmac.new(b"whsec_k", f"1700000000.{body}".encode(), hashlib.sha256).hexdigest()
    assert sign("whsec_k", 1700000000, body) == f"t=1700000000,v1={expected}"


def test_retries_wait_twice_as_long_each_time_up_to_the_longest() -> None:
    first, most = timedelta(seconds=10), timedelta(minutes=1)
    waits = [backoff(n, first, most).total_seconds() for n in range(1, 6)]
    assert waits == [10, 20, 40, 60, 60]
    assert backoff(1000, first, most) == most
