"""The Twilio webhooks of our API, called over HTTP by the local aggregator
(tests/support/twilio_peer.py), which signs them with the `twilio` package: signed status
callbacks and inbound messages reach the channel events sink; anything unsigned is refused
and records nothing.

The app is the real one (create_app over the composition root) with a recording sink in
place of the message store."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_database
from tests.support.asgi_thread import serving
from tests.support.channel_events import RecordingEvents
from tests.support.server import Server, free_port
from tests.support.twilio_peer import TwilioPeer, running_peer, sms_url
from tidings.adapters.sms.twilio import TwilioAccount, TwilioSender
from tidings.api.app import create_app
from tidings.bootstrap import build
from tidings.config import Settings
from tidings.domain.channels import OutboundSms, SendOutcome
from tidings.domain.receipts import Receipt


@dataclass
class Api:
    base_url: str
    events: RecordingEvents

    @property
    def status_url(self) -> str:
        return self.base_url + "/webhooks/twilio/status"

    @property
    def inbound_url(self) -> str:
        return self.base_url + "/webhooks/twilio/inbound"


@pytest.fixture(scope="module")
def peer() -> Iterator[TwilioPeer]:
    with running_peer() as running:
        yield running


@pytest.fixture(scope="module")
def api(peer: TwilioPeer) -> Iterator[Api]:
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    with (
        tempfile.TemporaryDirectory(prefix="tidings-twilio-") as directory,
        fresh_database(Path(directory)) as database_url,
    ):
        settings = Settings(
            data_dir=Path(directory) / "data",
            database_url=database_url,
            sms_url=sms_url(peer),
            public_url=public_url,
        )
        container = build(settings)
        events = RecordingEvents()
        container.channel_events = events
        with serving(create_app(container, run_dispatcher=False), port):
            yield Api(public_url, events)


@pytest.fixture
def events(api: Api) -> RecordingEvents:
    api.events.reports.clear()
    api.events.inbound.clear()
    return api.events


@pytest.mark.parametrize(
    ("status", "error", "state"),
    [
        ("delivered", None, "DELIVRD"),
        ("undelivered", "30003", "UNDELIV"),
        ("failed", "30008", "REJECTD"),
        ("sent", None, "ENROUTE"),
    ],
)
def test_a_signed_status_callback_reaches_the_sink_as_a_receipt(
    peer: TwilioPeer, api: Api, events: RecordingEvents, status: str, error: str, state: str
) -> None:
    answer = peer.post_status("SM" + "a" * 32, status, error, url=api.status_url)

    assert answer.status_code == 204
    [report] = events.reports
    assert report.receipt == Receipt("SM" + "a" * 32, state, error)
    assert report.channel == "sms"
    assert report.received_at.tzinfo is not None


@pytest.mark.parametrize("status", ["queued", "sending", "accepted"])
def test_a_status_before_the_carrier_is_acknowledged_and_changes_nothing(
    peer: TwilioPeer, api: Api, events: RecordingEvents, status: str
) -> None:
    assert peer.post_status("SM1", status, url=api.status_url).status_code == 204
    assert events.reports == []


def test_a_signed_inbound_message_reaches_the_sink(
    peer: TwilioPeer, api: Api, events: RecordingEvents
) -> None:
    answer = peer.post_inbound(
        api.inbound_url, "+447700900123", "+15005550006", "STOP ça va?", FromCountry="GB"
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    assert answer.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    [message] = events.inbound
    assert (message.from_address, message.to_address, message.text) == (
        "+447700900123",
        "+15005550006",
        "STOP ça va?",
    )
    assert message.provider_message_id and message.provider_message_id.startswith("SM")
    assert message.metadata["FromCountry"] == "GB"
    assert message.metadata["NumSegments"] == "1"
    assert message.metadata["AccountSid"] == peer.account_sid
    assert "Body" not in message.metadata


@pytest.mark.parametrize(
    "forgery",
    [
        "a missing signature",
        "another token",
        "another URL",
        "changed fields",
    ],
)
def test_an_unsigned_or_forged_webhook_is_refused_and_records_nothing(
    peer: TwilioPeer, api: Api, events: RecordingEvents, forgery: str
) -> None:
    form = peer.status_form("SM2", "delivered")
    signature = {
        "a missing signature": "",
        "another token": TwilioPeer(auth_token="other").sign(api.status_url, form),
        "another URL": peer.sign("https://elsewhere.example.com/webhooks/twilio/status", form),
        "changed fields": peer.sign(api.status_url, {**form, "MessageStatus": "failed"}),
    }[forgery]
    headers = {"X-Twilio-Signature": signature} if signature else {}

    answers = [
        httpx.post(api.status_url, data=form, headers=headers),
        httpx.post(api.inbound_url, data=form, headers=headers),
    ]

    for answer in answers:
        assert answer.status_code == 403
        body = answer.json()
        assert body["status"] == 403 and body["code"] == "invalid.signature"
        assert {"message", "contextId", "details", "errors"} <= set(body)
    assert (events.reports, events.inbound) == ([], [])


def test_a_signed_webhook_without_its_required_fields_is_a_400(
    peer: TwilioPeer, api: Api, events: RecordingEvents
) -> None:
    form = {"MessageSid": "SM3"}

    answer = httpx.post(
        api.status_url, data=form, headers={"X-Twilio-Signature": peer.sign(api.status_url, form)}
    )
    assert answer.status_code == 400
    assert answer.json()["details"] == [
        {"errorCode": "missing.value", "fieldName": "MessageStatus"}
    ]
    assert events.reports == []


async def test_a_sent_message_gets_its_receipts_through_the_status_callback(
    peer: TwilioPeer, api: Api, events: RecordingEvents
) -> None:
    """Our sender names our status URL; the aggregator calls it back, signed; the receipts
    name the sid the send returned."""
    peer.auto_statuses = ("sent", "delivered")
    sender = TwilioSender(TwilioAccount.from_url(sms_url(peer)), api.base_url)
    answered = len(peer.callback_answers)
    try:
        result = await sender.send(OutboundSms("m1", "+15005550006", "+13175550100", "Hi"))
        for _ in range(1000):
            # The peer notes our answer after it has read it: wait for that too.
            if len(events.reports) == 2 and len(peer.callback_answers) >= answered + 2:
                break
            await asyncio.sleep(0.01)
    finally:
        peer.auto_statuses = ()
        await sender.close()

    assert result.outcome is SendOutcome.ACCEPTED
    assert [r.receipt for r in events.reports] == [
        Receipt(str(result.provider_message_id), "ENROUTE"),
        Receipt(str(result.provider_message_id), "DELIVRD"),
    ]
    assert peer.callback_answers[-2:] == [204, 204]


@pytest.mark.parametrize("path", ["/webhooks/twilio/status", "/webhooks/twilio/inbound"])
def test_without_a_twilio_provider_the_webhooks_do_not_exist(server: Server, path: str) -> None:
    status, body, _ = server.request(
        "POST",
        path,
        body=b"MessageSid=SM1&MessageStatus=delivered",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 404
    assert body["code"] == "not.found"
