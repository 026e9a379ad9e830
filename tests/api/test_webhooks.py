"""Outgoing event webhooks, as an integrator sees them: a receiver on this machine gets
signed events for message status changes, inbound SMS and opt-outs; a receiver that is down
gets the event later, and the delivery log shows the failed attempts then the success."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest

from tests.conftest import fresh_database
from tests.support.numbers import fresh_number, fresh_recipient
from tests.support.sdk import eventually
from tests.support.server import Server, free_port, running_server
from tests.support.webhook_receiver import WebhookReceiver

WEBHOOKS = "/api/v2/tidings/webhooks"
NUMBERS = "/api/v2/routing/sms/phonenumbers"
OPT_OUTS = "/api/v2/routing/sms/optouts"
INBOUND = "/api/v2/simulator/sms/inbound"
STATUS = "v2.detail.events.conversation.{id}.message"
INBOUND_TOPIC = "v2.detail.events.conversation.{id}.inbound"
OPT_OUT_TOPIC = "v2.routing.sms.optouts"


@pytest.fixture(scope="module")
def quick() -> Iterator[Server]:
    """A server that retries failed deliveries within a second."""
    with (
        tempfile.TemporaryDirectory(prefix="tidings-webhooks-") as directory,
        fresh_database(Path(directory)) as url,
        running_server(
            url,
            webhook_first_retry_seconds="0.2",
            webhook_longest_retry_seconds="0.5",
            webhook_timeout_seconds="5",
        ) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def token(quick: Server) -> str:
    return quick.token(quick.create_client("webhooks admin", "admin"))


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    running = WebhookReceiver()
    yield running
    running.close()


def _subscribe(quick: Server, token: str, url: str, *events: str) -> dict[str, Any]:
    status, body, _ = quick.request(
        "POST",
        WEBHOOKS,
        token=token,
        json_body={"name": "receiver", "url": url, "events": list(events)},
    )
    assert status == 200, body
    return dict(body)


def _unsubscribe(quick: Server, token: str, subscription: dict[str, Any]) -> None:
    status, body, _ = quick.request("DELETE", f"{WEBHOOKS}/{subscription['id']}", token=token)
    assert status == 204, body


def _deliveries(quick: Server, token: str, subscription: dict[str, Any]) -> list[dict[str, Any]]:
    status, body, _ = quick.request(
        "GET", f"{WEBHOOKS}/{subscription['id']}/deliveries", token=token
    )
    assert status == 200, body
    return list(body["entities"])


def test_sms_status_inbound_and_opt_out_events_arrive_signed(
    quick: Server, token: str, receiver: WebhookReceiver
) -> None:
    subscription = _subscribe(quick, token, receiver.url, STATUS, INBOUND_TOPIC, OPT_OUT_TOPIC)
    receiver.secret = subscription["secret"]
    sender = fresh_number()
    status, body, _ = quick.request(
        "POST",
        NUMBERS,
        token=token,
        json_body={"phoneNumber": sender, "phoneNumberType": "local"},
    )
    assert status == 200, body
    consumer = fresh_recipient()
    admin = quick.create_client("webhooks sdk", "admin")
    sdk = gc.ApiClient(host=quick.base_url).get_client_credentials_token(admin.id, admin.secret)
    request = gc.SendAgentlessOutboundMessageRequest()
    request.from_address, request.to_address = sender, consumer
    request.to_address_messenger_type, request.text_body = "sms", "Your order shipped"
    sent = gc.ConversationsApi(sdk).post_conversations_messages_agentless(request)

    def statuses() -> set[str]:
        topic = f"v2.detail.events.conversation.{sent.conversation_id}.message"
        return {
            e["eventBody"]["status"]
            for e in receiver.received(topic)
            if e["eventBody"]["id"] == sent.id
        }

    eventually(lambda: "delivery-success" in statuses())
    assert statuses() == {"queued", "sent", "delivery-success"}
    event = receiver.received(f"v2.detail.events.conversation.{sent.conversation_id}")[0]
    assert event["eventBody"]["toAddress"] == consumer
    assert event["eventBody"]["fromAddress"] == sender
    assert event["metadata"]["CorrelationId"]

    for text in ("Where is my parcel?", "STOP"):
        status, body, _ = quick.request(
            "POST",
            INBOUND,
            token=token,
            json_body={"fromAddress": consumer, "toAddress": sender, "textBody": text},
        )
        assert status == 202, body

    def inbound() -> list[str]:
        return [
            e["eventBody"]["textBody"]
            for e in receiver.received("v2.detail.events.conversation.")
            if e["topicName"].endswith(".inbound") and e["eventBody"]["fromAddress"] == consumer
        ]

    def opt_outs() -> list[dict[str, Any]]:
        return [
            e["eventBody"]
            for e in receiver.received(OPT_OUT_TOPIC)
            if e["eventBody"]["address"] == consumer
        ]

    eventually(lambda: len(inbound()) == 2 and opt_outs())
    assert sorted(inbound()) == ["STOP", "Where is my parcel?"]
    [opted_out] = opt_outs()
    assert opted_out["action"] == "optOut"
    assert opted_out["source"] == "keyword"
    assert opted_out["keyword"] == "STOP"
    assert receiver.forged == 0
    _unsubscribe(quick, token, subscription)


def test_a_receiver_answering_500_gets_the_event_once_it_recovers(
    quick: Server, token: str, receiver: WebhookReceiver
) -> None:
    receiver.answer = 500
    subscription = _subscribe(quick, token, receiver.url, OPT_OUT_TOPIC)
    receiver.secret = subscription["secret"]
    consumer = fresh_recipient()
    status, body, _ = quick.request("POST", OPT_OUTS, token=token, json_body={"address": consumer})
    assert status == 200, body

    def failed_twice() -> bool:
        found = _deliveries(quick, token, subscription)
        return bool(found) and len(found[0]["attempts"]) >= 2

    assert eventually(failed_twice), "the failing receiver was not retried"
    receiver.answer = 200
    assert eventually(lambda: receiver.received(OPT_OUT_TOPIC)), "the event never arrived"
    assert eventually(lambda: _deliveries(quick, token, subscription)[0]["state"] == "delivered")
    [delivery] = _deliveries(quick, token, subscription)
    codes = [a.get("statusCode") for a in delivery["attempts"]]
    assert codes[-1] == 200
    assert set(codes[:-1]) == {500} and len(codes) >= 3
    assert delivery["body"]["eventBody"]["address"] == consumer
    assert delivery["dateFinished"]
    _unsubscribe(quick, token, subscription)


def test_a_receiver_not_listening_yet_gets_the_event_once_it_starts(
    quick: Server, token: str
) -> None:
    port = free_port()
    subscription = _subscribe(quick, token, f"http://127.0.0.1:{port}/events", OPT_OUT_TOPIC)
    consumer = fresh_recipient()
    status, body, _ = quick.request("POST", OPT_OUTS, token=token, json_body={"address": consumer})
    assert status == 200, body

    def refused_twice() -> bool:
        found = _deliveries(quick, token, subscription)
        return bool(found) and len(found[0]["attempts"]) >= 2

    assert eventually(refused_twice)
    receiver = WebhookReceiver(port)
    try:
        receiver.secret = subscription["secret"]
        assert eventually(lambda: receiver.received(OPT_OUT_TOPIC))
        assert eventually(
            lambda: _deliveries(quick, token, subscription)[0]["state"] == "delivered"
        )
        [delivery] = _deliveries(quick, token, subscription)
        attempts = delivery["attempts"]
        assert all("statusCode" not in a and a["error"] for a in attempts[:-1])
        assert attempts[-1]["statusCode"] == 200
    finally:
        receiver.close()
    _unsubscribe(quick, token, subscription)


def test_subscriptions_are_managed_and_the_secret_is_shown_once(quick: Server, token: str) -> None:
    status, body, _ = quick.request(
        "POST",
        WEBHOOKS,
        token=token,
        json_body={"name": "ftp", "url": "ftp://example.com/x", "events": [OPT_OUT_TOPIC]},
    )
    assert status == 400 and body["details"][0]["fieldName"] == "url", body
    status, body, _ = quick.request(
        "POST",
        WEBHOOKS,
        token=token,
        json_body={"name": "typo", "url": "https://example.com/x", "events": ["v2.nothing"]},
    )
    assert status == 400 and body["details"][0]["fieldName"] == "events", body

    created = _subscribe(quick, token, "https://example.com/hook", OPT_OUT_TOPIC)
    assert created["secret"].startswith("whsec_")
    status, found, _ = quick.request("GET", f"{WEBHOOKS}/{created['id']}", token=token)
    assert status == 200 and "secret" not in found
    status, updated, _ = quick.request(
        "PUT",
        f"{WEBHOOKS}/{created['id']}",
        token=token,
        json_body={
            "name": "renamed",
            "url": "https://example.com/hook2",
            "events": [STATUS],
            "enabled": False,
        },
    )
    assert status == 200, updated
    assert (updated["name"], updated["events"], updated["enabled"]) == ("renamed", [STATUS], False)
    status, listing, _ = quick.request("GET", WEBHOOKS, token=token)
    assert created["id"] in [s["id"] for s in listing["entities"]]
    _unsubscribe(quick, token, created)
    status, _, _ = quick.request("GET", f"{WEBHOOKS}/{created['id']}", token=token)
    assert status == 404
