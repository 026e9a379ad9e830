"""Sends per sender are spaced by the configured rate, whoever queues them."""

from __future__ import annotations

import asyncio
import time

from tidings.dispatch.pace import SenderPace


def test_sends_of_one_sender_are_spaced_and_keep_their_order() -> None:
    async def run() -> list[tuple[int, float]]:
        pace = SenderPace(per_second=50)
        released: list[tuple[int, float]] = [(-1, time.monotonic())]

        async def send(n: int) -> None:
            await pace.wait("+13175550100")
            released.append((n, time.monotonic()))

        await asyncio.gather(*(send(n) for n in range(6)))
        return released

    (_, start), *released = asyncio.run(run())
    assert [n for n, _ in released] == list(range(6))
    # The n-th send goes no earlier than n intervals after the first could.
    assert all(at - start >= n * 0.02 - 0.001 for n, at in released), released


def test_no_limit_and_other_senders_do_not_wait_for_each_other() -> None:
    async def run() -> int:
        unlimited = SenderPace(per_second=0)
        paced = SenderPace(per_second=1)
        for _ in range(100):
            await unlimited.wait("a")
        # One slot each: the first send of every sender goes at once.
        await asyncio.wait_for(
            asyncio.gather(*(paced.wait(f"+1317555{n:04d}") for n in range(50))), timeout=5
        )
        return 0

    assert asyncio.run(run()) == 0
