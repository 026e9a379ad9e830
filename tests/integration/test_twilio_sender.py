"""TwilioSender against a local Twilio-compatible aggregator (tests/support/twilio_peer.py):
what reaches the aggregator, and the outcome each of its answers becomes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.support.channel_events import RecordingEvents
from tests.support.server import free_port
from tests.support.twilio_peer import Answer, TwilioPeer, running_peer, sms_url
from tidings.adapters.sms.twilio import TwilioAccount, TwilioSender
from tidings.domain.channels import OutboundSms, SendOutcome

PUBLIC_URL = "https://tidings.example.com"


@pytest.fixture
def peer() -> Iterator[TwilioPeer]:
    with running_peer() as running:
        yield running


async def _sender(url: str, **options: Any) -> TwilioSender:
    sender = TwilioSender(TwilioAccount.from_url(url), PUBLIC_URL, **options)
    await sender.start(RecordingEvents())
    return sender


@pytest.fixture
async def sender(peer: TwilioPeer) -> AsyncIterator[TwilioSender]:
    started = await _sender(sms_url(peer))
    yield started
    await started.close()


def _sms(n: int = 0, text: str = "Your code is 1234") -> OutboundSms:
    return OutboundSms(f"msg-{n}", "+15005550006", f"+1317555{n:04d}", text)


async def test_an_accepted_message_carries_the_aggregators_sid(
    peer: TwilioPeer, sender: TwilioSender
) -> None:
    result = await sender.send(_sms(1, "Grüße, 你好 & more"))

    assert result.outcome is SendOutcome.ACCEPTED
    [message] = peer.messages
    assert result.provider_message_id == message.sid
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert result.provider_part_ids == (message.sid,)
    assert message.form == {
        "To": "+13175550001",
        "From": "+15005550006",
        "Body": "Grüße, 你好 & more",
        "StatusCallback": "https://tidings.example.com/webhooks/twilio/status",
    }
    assert message.headers["content-type"] == "application/x-www-form-urlencoded"


async def test_wrong_credentials_are_rejected_with_twilios_code(peer: TwilioPeer) -> None:
    wrong = sms_url(peer).replace(peer.auth_token, "not-the-token")
    sender = await _sender(wrong)
    try:
        result = await sender.send(_sms())
    finally:
        await sender.close()
    assert result.outcome is SendOutcome.REJECTED
    assert (result.code, result.reason) == ("20003", "Authenticate")
    assert peer.messages == []


async def test_a_throttled_message_is_retried_after_the_time_the_aggregator_asks(
    peer: TwilioPeer, sender: TwilioSender
) -> None:
    peer.answer_next(Answer(429, 20429, "Too Many Requests", retry_after="3"))

    throttled = await sender.send(_sms())
    assert throttled.outcome is SendOutcome.RETRY
    assert (throttled.code, throttled.retry_after_seconds) == ("20429", 3.0)
    assert peer.messages == []

    again = await sender.send(_sms())
    assert again.outcome is SendOutcome.ACCEPTED
    assert [m.sid for m in peer.messages] == [again.provider_message_id]


async def test_a_refused_number_is_rejected_with_twilios_code_and_message(
    peer: TwilioPeer, sender: TwilioSender
) -> None:
    peer.answer_next(Answer(400, 21211, "The 'To' number +1317 is not a valid phone number."))

    result = await sender.send(_sms())

    assert result.outcome is SendOutcome.REJECTED
    assert result.code == "21211"
    assert result.reason == "The 'To' number +1317 is not a valid phone number."
    assert result.provider_message_id is None


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        # Twilio's own 500/503: the request failed and created no message.
        (500, SendOutcome.RETRY),
        (503, SendOutcome.RETRY),
        # A gateway lost the upstream's answer: the message may exist.
        (502, SendOutcome.UNKNOWN),
        (504, SendOutcome.UNKNOWN),
    ],
)
async def test_server_errors_retry_only_where_no_message_can_exist(
    peer: TwilioPeer, sender: TwilioSender, status: int, outcome: SendOutcome
) -> None:
    peer.answer_next(Answer(status, 20500, "Internal Server Error"))
    result = await sender.send(_sms())
    assert result.outcome is outcome
    assert result.code == "20500"


async def test_no_aggregator_listening_is_safe_to_retry() -> None:
    sender = await _sender(f"twilio://AC1:tok@127.0.0.1:{free_port()}?scheme=http")
    try:
        result = await sender.send(_sms())
    finally:
        await sender.close()
    assert result.outcome is SendOutcome.RETRY
    assert result.reason and "no connection" in result.reason


async def test_no_answer_after_the_request_was_sent_is_unknown(peer: TwilioPeer) -> None:
    sender = await _sender(sms_url(peer), timeout=httpx.Timeout(5.0, read=0.3))
    peer.hold()
    try:
        result = await sender.send(_sms())
    finally:
        peer.release()
        await sender.close()
    # The aggregator got it and may send it: sending again could double it.
    assert result.outcome is SendOutcome.UNKNOWN
    assert peer.requests == 1


async def test_no_more_requests_are_in_flight_than_the_concurrency_allows(
    peer: TwilioPeer,
) -> None:
    sender = await _sender(sms_url(peer, concurrency="3"))
    peer.hold()
    try:
        sends = [asyncio.create_task(sender.send(_sms(n))) for n in range(12)]
        for _ in range(1000):
            if peer.in_flight == 3:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # give a fourth request the chance to arrive, if it could
        assert (peer.in_flight, peer.requests) == (3, 3)
        peer.release()
        results = await asyncio.gather(*sends)
    finally:
        peer.release()
        await sender.close()
    assert {r.outcome for r in results} == {SendOutcome.ACCEPTED}
    assert len({r.provider_message_id for r in results}) == 12
    assert peer.max_in_flight == 3
