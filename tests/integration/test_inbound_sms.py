"""Inbound SMS against the real database: replies thread onto the open conversation within
the reply window and open a new one after it or after the conversation ended; idle
conversations end; concatenated parts become one message; after STOP the confirmation goes
out and no dispatcher sends that sender's messages to the number."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.conftest import container_of
from tests.support.messages import queued
from tidings import bootstrap
from tidings.config import Settings
from tidings.dispatch.loop import Dispatcher
from tidings.dispatch.outbox import Outbox
from tidings.domain.channels import InboundSms, SendResult, SmsPart
from tidings.domain.ids import new_id, utcnow
from tidings.domain.keywords import DEFAULT_OPT_OUT_TEXT
from tidings.domain.messages import (
    FAILED,
    RECIPIENT_OPTED_OUT,
    SENT,
    SMS,
    Conversation,
    Message,
)
from tidings.services.channel_events import PARTS_WAIT

OURS = "+13175550999"
THEIRS = "+13175550123"


@pytest.fixture
async def app(tmp_path: Path, database_url: str) -> AsyncIterator[bootstrap.Container]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, reply_window_hours=72)
    async with container_of(settings) as container:
        yield container


async def _queue(app: bootstrap.Container, at: datetime | None = None) -> Message:
    conversation, message = queued(THEIRS, sender=OURS, at=at)
    async with app.unit_of_work() as uow:
        await uow.messages.add(conversation, message)
        await uow.commit()
    return message


async def _conversation(app: bootstrap.Container, conversation_id: str) -> Conversation:
    async with app.unit_of_work() as uow:
        found = await uow.messages.conversation(conversation_id)
    assert found is not None
    return found


async def _newest(app: bootstrap.Container) -> Conversation:
    async with app.unit_of_work() as uow:
        found = await uow.messages.latest_conversation(
            SMS, OURS, THEIRS, datetime(2000, 1, 1).astimezone()
        )
        assert found is not None
        return await _conversation(app, found.id)


def _reply(text: str, at: datetime, part: SmsPart | None = None) -> InboundSms:
    return InboundSms(THEIRS, OURS, text, at, provider_message_id=new_id(), part=part)


class FakeSms:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send(self, sms: Message) -> SendResult:
        self.sent.append(sms)
        return SendResult.accepted(f"p-{len(self.sent)}")


async def _status(app: bootstrap.Container, message: Message) -> Message:
    async with app.unit_of_work() as uow:
        [found] = await uow.messages.messages_of(message.conversation_id, [message.id])
    return found


async def _send_all(app: bootstrap.Container, fake: FakeSms, *waiting: Message) -> None:
    """Runs an outbox (a dispatcher of its own) until the given messages are settled."""
    outbox = Outbox(app.unit_of_work, SMS, fake.send, poll_seconds=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(new_id(), stop))
    for _ in range(500):
        states = [(await _status(app, m)).send_state for m in waiting]
        if all(state == "done" for state in states):
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task


async def test_a_reply_in_the_window_threads_and_a_later_one_opens_a_new_conversation(
    app: bootstrap.Container,
) -> None:
    sent = await _queue(app)
    await app.channel_events.inbound_sms(_reply("Thanks!", sent.created_at + timedelta(hours=1)))
    threaded = await _conversation(app, sent.conversation_id)
    assert [m.direction for m in threaded.messages] == ["outbound", "inbound"]

    late = sent.created_at + timedelta(hours=73)
    await app.channel_events.inbound_sms(_reply("Is it here yet?", late))
    newer = await _newest(app)
    assert newer.id != sent.conversation_id
    assert (newer.from_address, newer.to_address, newer.started_at) == (THEIRS, OURS, late)
    # The consumer's next message joins the conversation their last one opened.
    await app.channel_events.inbound_sms(_reply("Hello?", late + timedelta(minutes=5)))
    newer = await _conversation(app, newer.id)
    assert [m.text_body for m in newer.messages] == ["Is it here yet?", "Hello?"]
    assert len((await _conversation(app, sent.conversation_id)).messages) == 2


async def test_a_quiet_conversation_ends_and_a_later_reply_opens_another(
    app: bootstrap.Container,
) -> None:
    sent = await _queue(app)
    patient = Dispatcher(app.unit_of_work, poll_seconds=1.0, inactivity=timedelta(hours=1))
    eager = Dispatcher(app.unit_of_work, poll_seconds=1.0, inactivity=timedelta(0))
    await eager.run_once()
    # A message still to be sent keeps its conversation open.
    assert (await _conversation(app, sent.conversation_id)).ended_at is None

    await _send_all(app, FakeSms(), sent)
    await patient.run_once()
    assert (await _conversation(app, sent.conversation_id)).ended_at is None  # not idle yet
    await eager.run_once()
    ended = await _conversation(app, sent.conversation_id)
    assert ended.ended_at is not None

    await app.channel_events.inbound_sms(_reply("Thanks", utcnow()))
    assert len((await _conversation(app, sent.conversation_id)).messages) == 1
    assert (await _newest(app)).id != sent.conversation_id


async def test_concatenated_parts_become_one_message_whatever_their_order(
    app: bootstrap.Container,
) -> None:
    sent = await _queue(app)
    at = sent.created_at + timedelta(minutes=1)
    texts = ["The parcel was left ", "with the neighbour at ", "number 12, thanks."]
    # Another phone's part with the same reference must not join.
    await app.channel_events.inbound_sms(
        InboundSms("+13175550777", OURS, "stray", at, part=SmsPart(9, 3, 2))
    )
    for sequence in (3, 1, 1):  # a part the SMSC delivered twice counts once
        await app.channel_events.inbound_sms(
            _reply(texts[sequence - 1], at, SmsPart(9, 3, sequence))
        )
    assert len((await _conversation(app, sent.conversation_id)).messages) == 1  # not yet
    await app.channel_events.inbound_sms(_reply(texts[1], at, SmsPart(9, 3, 2)))
    [_, reply] = (await _conversation(app, sent.conversation_id)).messages
    assert (reply.text_body, reply.segment_count) == ("".join(texts), 3)


async def test_after_stop_the_confirmation_goes_and_no_dispatcher_sends_again(
    app: bootstrap.Container,
) -> None:
    queued_before = await _queue(app)  # queued, not yet sent when STOP arrives
    await app.channel_events.inbound_sms(_reply("Stop", utcnow()))
    confirmation = (await _conversation(app, queued_before.conversation_id)).messages[-1]
    assert (confirmation.direction, confirmation.keyword_reply) == ("outbound", True)
    queued_after = await _queue(app)
    first, second = FakeSms(), FakeSms()
    await _send_all(app, first, queued_before, confirmation, queued_after)
    stray = await _queue(app)
    await _send_all(app, second, stray)
    assert [s.text_body for s in first.sent] == [DEFAULT_OPT_OUT_TEXT]
    assert second.sent == []
    for message in (queued_before, queued_after, stray):
        found = await _status(app, message)
        assert (found.status, found.error_code) == (FAILED, RECIPIENT_OPTED_OUT)
    assert (await _status(app, confirmation)).status == SENT


async def test_a_stop_the_provider_delivers_twice_is_stored_and_answered_once(
    app: bootstrap.Container,
) -> None:
    sent = await _queue(app)
    at = sent.created_at + timedelta(minutes=1)
    stop = replace(_reply("STOP", at), provider_message_id="SM0123")
    await app.channel_events.inbound_sms(stop)
    # A webhook retried after its answer was lost: the same id, a moment later.
    await app.channel_events.inbound_sms(replace(stop, received_at=at + timedelta(seconds=20)))
    messages = (await _conversation(app, sent.conversation_id)).messages
    assert sorted((m.direction, m.text_body or "") for m in messages) == sorted(
        [
            ("outbound", sent.text_body or ""),
            ("inbound", "STOP"),
            ("outbound", DEFAULT_OPT_OUT_TEXT),
        ]
    )
    # Another message of the phone's is stored, whatever its id.
    await app.channel_events.inbound_sms(
        replace(_reply("Thanks", at + timedelta(minutes=2)), provider_message_id="SM0124")
    )
    assert len((await _conversation(app, sent.conversation_id)).messages) == 4


async def test_a_long_reply_missing_a_part_is_stored_with_the_parts_that_came(
    app: bootstrap.Container,
) -> None:
    sent = await _queue(app, at=utcnow() - timedelta(hours=1))
    at = utcnow() - PARTS_WAIT - timedelta(seconds=1)
    await app.channel_events.inbound_sms(_reply("Part one, ", at, SmsPart(4, 3, 1)))
    await app.channel_events.inbound_sms(_reply("part three.", at, SmsPart(4, 3, 3)))
    recent = utcnow()
    await app.channel_events.inbound_sms(_reply("Still coming, ", recent, SmsPart(5, 2, 1)))
    assert await app.channel_events.store_incomplete_parts(utcnow()) == 1
    [_, reply] = (await _conversation(app, sent.conversation_id)).messages
    assert (reply.text_body, reply.segment_count) == ("Part one, part three.", 3)
    # The message still waiting for its parts is untouched, and completes later.
    await app.channel_events.inbound_sms(_reply("now done.", utcnow(), SmsPart(5, 2, 2)))
    texts = [m.text_body for m in (await _conversation(app, sent.conversation_id)).messages]
    assert texts[-1] == "Still coming, now done."
