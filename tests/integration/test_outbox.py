"""The outbox against the real database: queued messages are claimed, sent once, settled;
receipts move them forward and never back; opted-out recipients get nothing; a send whose
outcome is unknown is failed, never repeated."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from tests.support.messages import queued
from tidings import bootstrap
from tidings.adapters.sms.simulator import SimulatorSms
from tidings.dispatch import outbox as outbox_module
from tidings.dispatch.channels import SmsChannel
from tidings.dispatch.loop import Channels, Dispatcher
from tidings.dispatch.outbox import Outbox
from tidings.domain.channels import DeliveryReport, OutboundSms, SendOutcome, SendResult
from tidings.domain.ids import utcnow
from tidings.domain.messages import (
    DELIVERY_SUCCESS,
    FAILED,
    GENERAL_ERROR,
    PENDING,
    QUEUED,
    RECIPIENT_OPTED_OUT,
    SENT,
    SMS,
    Message,
    Settlement,
)
from tidings.domain.receipts import Receipt


class FakeSms:
    """Answers each send with the next scripted result, recording what it was given."""

    def __init__(self, *results: SendResult) -> None:
        self.results = list(results)
        self.sent: list[OutboundSms] = []

    async def send(self, sms: OutboundSms) -> SendResult:
        self.sent.append(sms)
        return self.results.pop(0) if self.results else SendResult.accepted(f"p-{len(self.sent)}")

    def sent_all(self, count: int) -> Callable[[], Awaitable[bool]]:
        async def done() -> bool:
            return len(self.sent) >= count

        return done


class Held:
    """Sends that wait until released, as behind a stalled relay, recording what they got."""

    def __init__(self) -> None:
        self.started, self.released = asyncio.Event(), asyncio.Event()
        self.sent: list[Message] = []

    async def send(self, message: Message) -> SendResult:
        self.sent.append(message)
        self.started.set()
        await self.released.wait()
        return SendResult.accepted(f"held-{len(self.sent)}")

    async def under_way(self) -> None:
        async with asyncio.timeout(10):
            await self.started.wait()


async def _queue(app: bootstrap.Container, to: str = "+13175550100") -> Message:
    conversation, message = queued(to)
    async with app.unit_of_work() as uow:
        await uow.messages.add(conversation, message)
        await uow.commit()
    return message


async def _read(app: bootstrap.Container, message: Message) -> Message:
    async with app.unit_of_work() as uow:
        return (await uow.messages.messages_of(message.conversation_id, [message.id]))[0]


async def _wait_for(done: Callable[[], Awaitable[object]], seconds: float = 8.0) -> None:
    """Until `done()` is true, or `seconds` have passed."""
    for _ in range(round(seconds / 0.02)):
        if await done():
            return
        await asyncio.sleep(0.02)


async def _run_until(
    app: bootstrap.Container,
    outbox: Outbox,
    done: Callable[[], Awaitable[object]],
    dispatcher_id: str = "d1",
    seconds: float = 8.0,
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(dispatcher_id, stop))
    await _wait_for(done, seconds)
    stop.set()
    await task


async def test_a_queued_sms_is_sent_once_and_its_receipt_marks_it_delivered(
    app: bootstrap.Container,
) -> None:
    simulator = SimulatorSms("simulator:?delay=0")
    await simulator.start(app.channel_events)
    outbox = Outbox(app.unit_of_work, SMS, SmsChannel(simulator).send, poll_seconds=0.01)
    message = await _queue(app)

    async def delivered() -> bool:
        return (await _read(app, message)).status == DELIVERY_SUCCESS

    await _run_until(app, outbox, delivered)
    await simulator.close()
    found = await _read(app, message)
    assert found.status == DELIVERY_SUCCESS
    assert found.provider_message_id and found.sent_at is not None
    assert [m.message_id for m in simulator.received] == [message.id]  # type: ignore[union-attr]
    async with app.unit_of_work() as uow:
        receipts = (await uow.messages.receipts([message.id]))[message.id]
    assert [(r.state, r.final) for r in receipts] == [("DELIVRD", True)]


async def test_a_receipt_that_overtakes_its_submit_is_applied_once_the_send_settles(
    app: bootstrap.Container,
) -> None:
    message = await _queue(app)
    await app.channel_events.delivery_report(
        DeliveryReport(Receipt("early-1", "DELIVRD"), utcnow())
    )
    outbox = Outbox(
        app.unit_of_work, SMS, FakeSms(SendResult.accepted("early-1")).send, poll_seconds=0.01
    )

    async def settled() -> bool:
        return (await _read(app, message)).status != QUEUED

    await _run_until(app, outbox, settled)
    assert (await _read(app, message)).status == DELIVERY_SUCCESS


async def test_a_late_failure_receipt_never_moves_a_delivered_message_back(
    app: bootstrap.Container,
) -> None:
    message = await _queue(app)
    outbox = Outbox(
        app.unit_of_work, SMS, FakeSms(SendResult.accepted("late-1")).send, poll_seconds=0.01
    )

    async def sent() -> bool:
        return (await _read(app, message)).status == SENT

    await _run_until(app, outbox, sent)
    for state in ("DELIVRD", "UNDELIV", "DELIVRD"):
        await app.channel_events.delivery_report(DeliveryReport(Receipt("late-1", state), utcnow()))
    assert (await _read(app, message)).status == DELIVERY_SUCCESS


async def test_an_opted_out_recipient_gets_nothing_and_the_message_says_why(
    app: bootstrap.Container,
) -> None:
    message = await _queue(app, to="+13175550123")
    async with app.unit_of_work() as uow:
        await uow.messages.add_opt_out(SMS, "+13175550123", "*", "STOPALL", utcnow())
        await uow.commit()
    fake = FakeSms()
    outbox = Outbox(app.unit_of_work, SMS, fake.send, poll_seconds=0.01)

    async def ended() -> bool:
        return (await _read(app, message)).status == FAILED

    await _run_until(app, outbox, ended)
    found = await _read(app, message)
    assert (found.status, found.error_code) == (FAILED, RECIPIENT_OPTED_OUT)
    assert fake.sent == []


async def test_a_transient_refusal_waits_and_is_tried_again(app: bootstrap.Container) -> None:
    message = await _queue(app)
    fake = FakeSms(SendResult(SendOutcome.RETRY, code="0x00000058", retry_after_seconds=0.0))
    outbox = Outbox(app.unit_of_work, SMS, fake.send, poll_seconds=0.01)

    async def tried() -> bool:
        return bool(fake.sent) and (await _read(app, message)).attempts == 1

    await _run_until(app, outbox, tried)
    found = await _read(app, message)
    assert (found.status, found.send_state, found.provider_code) == (
        QUEUED,
        PENDING,
        "0x00000058",
    )


async def test_an_unknown_outcome_fails_the_message_without_sending_it_again(
    app: bootstrap.Container,
) -> None:
    message = await _queue(app)
    fake = FakeSms(SendResult(SendOutcome.UNKNOWN, reason="connection lost"))
    outbox = Outbox(app.unit_of_work, SMS, fake.send, poll_seconds=0.01)

    async def ended() -> bool:
        return (await _read(app, message)).status == FAILED

    await _run_until(app, outbox, ended)
    await asyncio.sleep(0.1)
    assert len(fake.sent) == 1
    assert (await _read(app, message)).error_code == GENERAL_ERROR


async def test_sends_claimed_by_a_dead_dispatcher_are_failed_not_resent(
    app: bootstrap.Container,
) -> None:
    message = await _queue(app)
    async with app.unit_of_work() as uow:
        claimed = await uow.messages.claim("dead", SMS, 10, utcnow(), timedelta(minutes=10))
        await uow.commit()
    assert [m.id for m in claimed] == [message.id]
    async with app.unit_of_work() as uow:
        assert await uow.messages.abandon(["alive"], utcnow()) == 1
        await uow.commit()
    found = await _read(app, message)
    assert (found.status, found.send_state) == (FAILED, "done")
    assert "not sent again" in (found.error_message or "")


async def _held_send_under_way(
    app: bootstrap.Container,
) -> tuple[Held, asyncio.Event, asyncio.Task[None]]:
    """Dispatcher d1's outbox, leases of 2 s, running until `stop`, its first send held."""
    held = Held()
    outbox = Outbox(app.unit_of_work, SMS, held.send, lease=timedelta(seconds=2), poll_seconds=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run("d1", stop))
    await held.under_way()
    return held, stop, task


async def _housekeeping(app: bootstrap.Container, live: list[str], seconds: float) -> int:
    """Housekeeping's pass every 0.1 s for `seconds`, with `live` the live dispatchers: how
    many sends it failed as abandoned."""
    abandoned = 0
    for _ in range(round(seconds / 0.1)):
        await asyncio.sleep(0.1)
        async with app.unit_of_work() as uow:
            abandoned += await uow.messages.abandon(live, utcnow())
            await uow.commit()
    return abandoned


async def test_a_send_that_outlasts_its_lease_is_not_failed_while_its_dispatcher_runs_it(
    app: bootstrap.Container,
) -> None:
    """A relay that stalls, or a rate limit with many messages ahead, can hold a send past its
    lease: its dispatcher renews the lease, so housekeeping does not fail it as ambiguous
    while it may still go out. A send the dispatcher lost track of still ends with its lease."""
    lost = await _queue(app)  # claimed by d1, then forgotten
    async with app.unit_of_work() as uow:
        assert [
            m.id for m in await uow.messages.claim("d1", SMS, 10, utcnow(), timedelta(seconds=2))
        ] == [lost.id]
        await uow.commit()
    message = await _queue(app)
    held, stop, task = await _held_send_under_way(app)
    abandoned = await _housekeeping(app, ["d1"], seconds=5)  # 2.5 leases
    held.released.set()
    stop.set()  # the outbox settles its send before it ends
    async with asyncio.timeout(10):
        await task
    assert abandoned == 1
    assert ((await _read(app, lost)).status, (await _read(app, message)).status) == (FAILED, SENT)
    assert [m.id for m in held.sent] == [message.id]


async def test_a_stopping_dispatcher_stays_live_until_its_sends_are_settled(
    app: bootstrap.Container,
) -> None:
    """Stopping waits for the sends under way. Meanwhile the dispatcher keeps its heartbeat,
    so another dispatcher does not fail those sends as abandoned while they may go out."""
    message = await _queue(app)
    held = Held()
    outbox = Outbox(app.unit_of_work, SMS, held.send, poll_seconds=0.01)
    dispatcher = Dispatcher(
        app.unit_of_work,
        poll_seconds=0.1,
        channels=Channels(events=app.channel_events, outboxes=(outbox,)),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    await held.under_way()
    stop.set()
    await asyncio.sleep(1.5)  # stopping, its send still under way
    async with app.unit_of_work() as uow:
        seen = await uow.dispatchers.live(utcnow() - timedelta(seconds=1))
        abandoned = await uow.messages.abandon(seen, utcnow())
        await uow.commit()
    held.released.set()
    async with asyncio.timeout(10):
        await task
    assert dispatcher.id in seen and abandoned == 0
    assert (await _read(app, message)).status == SENT


async def test_a_stopping_outbox_keeps_renewing_the_leases_of_its_sends(
    app: bootstrap.Container,
) -> None:
    message = await _queue(app)
    held, stop, task = await _held_send_under_way(app)
    stop.set()
    abandoned = await _housekeeping(app, ["d1"], seconds=5)  # 2.5 leases of stopping
    held.released.set()
    async with asyncio.timeout(10):
        await task
    assert abandoned == 0
    assert (await _read(app, message)).status == SENT


async def test_a_send_that_outlasts_the_stop_grace_is_given_up_and_ends_failed_not_resent(
    app: bootstrap.Container,
) -> None:
    message = await _queue(app)
    started, given_up = asyncio.Event(), asyncio.Event()
    tries = 0

    async def hung(queued: Message) -> SendResult:
        nonlocal tries
        tries += 1
        started.set()
        try:
            await asyncio.Event().wait()  # a relay that never answers
        finally:
            given_up.set()
        raise AssertionError("unreachable")

    dispatcher = Dispatcher(
        app.unit_of_work,
        poll_seconds=0.1,
        channels=Channels(
            events=app.channel_events,
            outboxes=(Outbox(app.unit_of_work, SMS, hung, poll_seconds=0.01),),
        ),
        stop_grace=timedelta(seconds=0.5),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    async with asyncio.timeout(10):
        await started.wait()
    stop.set()
    async with asyncio.timeout(10):
        await task
    assert given_up.is_set()
    # The dispatcher is gone: the next housekeeping fails the send as unknown.
    async with app.unit_of_work() as uow:
        assert await uow.messages.abandon([], utcnow()) == 1
        await uow.commit()
    found = await _read(app, message)
    assert (found.status, tries) == (FAILED, 1)
    assert "not sent again" in (found.error_message or "")


async def test_a_slow_settlement_does_not_hold_the_window_but_unsettled_sends_are_bounded(
    app: bootstrap.Container,
) -> None:
    """A send's place in the window is free once the adapter answers: a settlement that waits
    for its transaction does not idle the window. Answered sends not yet settled are
    bounded by another window, so a stalled database stops the sending."""
    for n in range(10):
        await _queue(app, f"+1317555{n:04d}")
    sms = FakeSms()
    outbox = Outbox(app.unit_of_work, SMS, SmsChannel(sms).send, in_flight=2, poll_seconds=0.01)
    stalled = asyncio.Event()
    write = outbox._write_settlements

    async def stalled_write(batch: list[Settlement]) -> None:
        await stalled.wait()  # the database holds the settlements' transaction
        await write(batch)

    outbox._settler._write = stalled_write
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run("d1", stop))
    await asyncio.sleep(1)  # ample time for every send, were they not bounded
    sent_while_stalled = len(sms.sent)
    stalled.set()
    await _wait_for(sms.sent_all(10), seconds=4)
    stop.set()
    async with asyncio.timeout(10):
        await task
    assert sent_while_stalled == 4  # two in the window, two more answered and unsettled
    assert sorted(s.to_address for s in sms.sent) == [f"+1317555{n:04d}" for n in range(10)]


async def test_a_stop_while_claims_gather_claims_nothing_more(
    app: bootstrap.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New messages that come while the outbox waits to gather them are left queued by a
    stop: a stopping dispatcher takes on no new sends (a send claimed then would end of
    unknown outcome if the stop grace ran out)."""
    monkeypatch.setattr(outbox_module, "CLAIM_GATHER_SECONDS", 5.0)
    first = await _queue(app)
    sms = FakeSms()
    outbox = Outbox(app.unit_of_work, SMS, SmsChannel(sms).send, poll_seconds=10)
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run("d1", stop))

    async def first_sent() -> bool:
        return (await _read(app, first)).status == SENT

    await _wait_for(first_sent, seconds=4)
    later = await _queue(app, "+13175550199")
    outbox.wake()
    await asyncio.sleep(0.2)  # the outbox gathers before its next claim
    stop.set()
    async with asyncio.timeout(2):
        await task
    assert [s.to_address for s in sms.sent] == [first.to_address]
    assert (await _read(app, later)).send_state == PENDING


async def test_a_full_window_is_refilled_without_waiting_to_gather_claims(
    app: bootstrap.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Claims gather only a trickle of new messages: a backlog goes out as fast as the
    window turns over, whatever the gathering's pause (a small window is not capped at its
    size per pause)."""
    monkeypatch.setattr(outbox_module, "CLAIM_GATHER_SECONDS", 5.0)
    for n in range(10):
        await _queue(app, f"+1317555{n:04d}")
    sms = FakeSms()
    outbox = Outbox(app.unit_of_work, SMS, SmsChannel(sms).send, in_flight=2, poll_seconds=10)
    await _run_until(app, outbox, sms.sent_all(10), seconds=3)
    assert len(sms.sent) == 10  # within 3 s, not one claim of two each 5 s
