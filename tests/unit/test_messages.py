"""What becomes of a message after each answer of its provider."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tidings.domain.channels import SendOutcome, SendResult
from tidings.domain.errors import InvalidInput
from tidings.domain.messages import (
    DONE,
    FAILED,
    GENERAL_ERROR,
    MAX_SEND_ATTEMPTS,
    PENDING,
    QUEUED,
    RATE_LIMITED,
    SENT,
    retry_delay,
    settle,
)
from tidings.group_commit import GroupCommit

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_an_accepted_message_is_sent_with_every_part_id() -> None:
    result = SendResult(SendOutcome.ACCEPTED, "a1", provider_part_ids=("a1", "a2"))
    settled = settle("m", 1, result, NOW)
    assert (settled.status, settled.send_state) == (SENT, DONE)
    assert settled.provider_part_ids == ("a1", "a2")


def test_a_single_part_message_is_known_by_its_one_id() -> None:
    assert settle("m", 1, SendResult.accepted("x"), NOW).provider_part_ids == ("x",)


def test_a_sender_whose_receipts_do_not_name_its_ids_keeps_the_id_on_the_message_only() -> None:
    settled = settle("m", 1, SendResult.accepted("<id@shop>"), NOW, receipts_by_provider_id=False)
    assert (settled.provider_message_id, settled.provider_part_ids) == ("<id@shop>", ())


def test_a_permanent_refusal_fails_at_once_with_the_providers_code() -> None:
    result = SendResult(SendOutcome.REJECTED, code="0x0000000B", reason="invalid destination")
    settled = settle("m", 1, result, NOW)
    assert (settled.status, settled.error_code, settled.provider_code) == (
        FAILED,
        GENERAL_ERROR,
        "0x0000000B",
    )
    assert settled.error_message == "invalid destination"


@pytest.mark.parametrize("outcome", [SendOutcome.REJECTED, SendOutcome.UNKNOWN])
def test_a_long_message_failed_after_some_parts_keeps_their_ids(outcome: SendOutcome) -> None:
    result = SendResult(
        outcome, "p1", reason="part 3 of 3 not sent", provider_part_ids=("p1", "p2")
    )
    settled = settle("m", 1, result, NOW)
    assert (settled.status, settled.provider_message_id) == (FAILED, None)
    assert settled.provider_part_ids == ("p1", "p2")


@pytest.mark.parametrize("attempts", [1, 2, MAX_SEND_ATTEMPTS - 1])
def test_a_transient_refusal_is_queued_again_later(attempts: int) -> None:
    settled = settle("m", attempts, SendResult(SendOutcome.RETRY, code="421"), NOW)
    assert (settled.status, settled.send_state) == (QUEUED, PENDING)
    assert settled.retry_at == NOW + retry_delay(attempts)


def test_throttling_that_never_ends_fails_as_rate_limited() -> None:
    result = SendResult(SendOutcome.RETRY, code="0x00000058", reason="throttled")
    settled = settle("m", MAX_SEND_ATTEMPTS, result, NOW)
    assert (settled.status, settled.error_code) == (FAILED, RATE_LIMITED)


def test_an_unknown_outcome_fails_and_says_it_is_not_resent() -> None:
    settled = settle("m", 1, SendResult(SendOutcome.UNKNOWN), NOW)
    assert settled.status == FAILED
    assert "not sent again" in (settled.error_message or "")


def test_retry_pauses_double_up_to_five_minutes_or_the_providers_hint() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert retry_delay(30) == timedelta(minutes=5)
    assert retry_delay(1, hint_seconds=60) == timedelta(seconds=60)


async def test_group_commit_writes_what_gathered_while_the_last_write_ran() -> None:
    batches: list[list[int]] = []
    gate = asyncio.Event()

    async def write(items: list[int]) -> None:
        batches.append(items)
        await gate.wait()

    commit = GroupCommit(write)
    first = asyncio.create_task(commit.submit(0))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(commit.submit(i)) for i in range(1, 6)]
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, *rest)
    assert batches == [[0], [1, 2, 3, 4, 5]]


async def test_group_commit_fails_each_waiter_of_a_failed_write() -> None:
    async def write(items: list[int]) -> None:
        raise RuntimeError("disk full")

    commit = GroupCommit(write)
    with pytest.raises(RuntimeError, match="disk full"):
        await commit.submit(1)


async def test_group_commit_fails_only_the_item_the_database_refused() -> None:
    """One refused value fails its own caller, not the others that shared its batch."""
    committed: list[int] = []
    gate = asyncio.Event()

    async def write(items: list[int]) -> None:
        await gate.wait()
        if 13 in items:
            raise InvalidInput("the database refused a value: 13")
        committed.extend(items)

    commit = GroupCommit(write)
    first = asyncio.create_task(commit.submit(0))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(commit.submit(i)) for i in (11, 12, 13, 14)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(first, *rest, return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["NoneType"] * 3 + ["InvalidInput", "NoneType"]
    assert sorted(committed) == [0, 11, 12, 14]


async def test_group_commit_fails_a_batch_at_once_when_the_database_is_down() -> None:
    writes: list[list[int]] = []
    gate = asyncio.Event()

    async def write(items: list[int]) -> None:
        writes.append(items)
        await gate.wait()
        raise ConnectionError("the database is down")

    commit = GroupCommit(write)
    first = asyncio.create_task(commit.submit(0))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(commit.submit(i)) for i in (1, 2, 3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(first, *rest, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert writes == [[0], [1, 2, 3]]  # no write of each alone


async def test_group_commit_with_a_gathering_time_writes_what_came_meanwhile_together() -> None:
    """A write that never waits (SQLite on the loop) leaves nothing time to gather; with
    `gather_seconds` the items of the following turns of the loop go in one write."""
    batches: list[list[int]] = []

    async def write(items: list[int]) -> None:
        batches.append(items)

    commit = GroupCommit(write, gather_seconds=0.05)
    await commit.submit(0)  # nothing written lately: at once

    async def later(item: int) -> None:
        await asyncio.sleep(item / 1000)
        await commit.submit(item)

    await asyncio.gather(*(later(i) for i in range(1, 6)))
    assert batches == [[0], [1, 2, 3, 4, 5]]


async def test_group_commit_with_a_gathering_time_writes_the_first_item_at_once() -> None:
    written: list[list[int]] = []

    async def write(items: list[int]) -> None:
        written.append(items)

    commit = GroupCommit(write, gather_seconds=3600)
    await asyncio.wait_for(commit.submit(0), timeout=10)  # not an hour
    second = asyncio.create_task(commit.submit(1))
    await asyncio.sleep(0.01)
    assert written == [[0]] and not second.done()  # this one gathers
    second.cancel()
