"""Agentless SMS end to end: `tidings serve` with an smpp:// provider, the SMSC built on
smpp34.Server (tests/support/smsc.py) in a thread. What the user sees: each accepted message
reaches the SMSC once, its receipt moves it to delivery-success or delivery-failed, a reply
from the phone joins the conversation, and an SMSC restart loses and doubles nothing."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import fresh_database
from tests.support.server import Server, free_port, running_server
from tests.support.smsc import Rules, SmscThread

SENDER = "+13175550100"
SMS = "/api/v2/conversations/messages/agentless"
FINAL = {"delivery-success", "delivery-failed", "failed"}


@pytest.fixture(scope="module")
def smsc() -> Iterator[SmscThread]:
    with SmscThread(free_port(), Rules(undeliverable={"13175550666"})) as running:
        yield running


@pytest.fixture(scope="module")
def served(smsc: SmscThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("smpp")
    with (
        fresh_database(directory) as url,
        running_server(
            url,
            data_dir=directory,
            sms_url=f"smpp://tidings:secret@127.0.0.1:{smsc.port}?window=20",
        ) as server,
    ):
        yield server


@pytest.fixture(scope="module")
def token(served: Server) -> str:
    admin = served.token(served.create_client("smpp admin", "admin"))
    status, body, _ = served.request(
        "POST",
        "/api/v2/routing/sms/phonenumbers",
        token=admin,
        json_body={"phoneNumber": SENDER, "phoneNumberType": "local", "countryCode": "US"},
    )
    assert status == 200, body
    return admin


def _send(server: Server, token: str, to: str, text: str) -> dict[str, Any]:
    status, body, _ = server.request(
        "POST",
        SMS,
        token=token,
        json_body={
            "fromAddress": SENDER,
            "toAddress": to,
            "toAddressMessengerType": "sms",
            "textBody": text,
        },
    )
    assert status == 202, body
    return dict(body)


def _message(server: Server, token: str, sent: dict[str, Any]) -> dict[str, Any]:
    path = f"/api/v2/conversations/messages/{sent['conversationId']}/messages/{sent['id']}"
    return dict(server.request("GET", path, token=token)[1])


def _settled(server: Server, token: str, sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        found = [_message(server, token, s) for s in sent]
        if all(m["status"] in FINAL for m in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_message_reaches_the_smsc_once_and_its_receipt_marks_it_delivered(
    served: Server, token: str, smsc: SmscThread
) -> None:
    text = f"Your parcel leaves the depot today ({uuid.uuid4().hex[:6]})"
    sent = _send(served, token, "+13175550123", text)
    [found] = _settled(served, token, [sent])
    assert found["status"] == "delivery-success"
    at_smsc = [s for s in smsc.submits if s.text == text]
    assert [(s.source, s.destination) for s in at_smsc] == [("13175550100", "13175550123")]
    assert found["providerMessageId"] == at_smsc[0].message_id


def test_an_undeliverable_number_ends_delivery_failed(
    served: Server, token: str, smsc: SmscThread
) -> None:
    sent = _send(served, token, "+13175550666", "Payment reminder")
    [found] = _settled(served, token, [sent])
    assert found["status"] == "delivery-failed"
    assert found["normalizedReceipts"][0]["status"] == "Failed"


def test_a_long_message_goes_out_in_parts_that_the_smsc_reassembles(
    served: Server, token: str, smsc: SmscThread
) -> None:
    text = "Your appointment is confirmed. " * 10 + uuid.uuid4().hex[:6]
    sent = _send(served, token, "+13175550124", text)
    [found] = _settled(served, token, [sent])
    assert found["status"] == "delivery-success"
    assert found["messageSegmentCount"] == 3
    assert text in smsc.smsc.messages()


def test_a_reply_from_the_phone_joins_the_conversation(
    served: Server, token: str, smsc: SmscThread
) -> None:
    sent = _send(served, token, "+13175550125", "Reply YES to confirm")
    _settled(served, token, [sent])
    smsc.inject_mo("+13175550125", SENDER, "YES please")
    path = f"/api/v2/conversations/messages/{sent['conversationId']}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        conversation = served.request("GET", path, token=token)[1]
        theirs = next(p for p in conversation["participants"] if p["purpose"] == "customer")
        if theirs["messages"]:
            break
        time.sleep(0.1)
    assert [m["messageStatus"] for m in theirs["messages"]] == ["received"]


def test_an_smsc_restart_mid_run_loses_and_doubles_nothing(
    served: Server, token: str, smsc: SmscThread
) -> None:
    run = uuid.uuid4().hex[:6]
    sent = [_send(served, token, "+13175550126", f"Alert {run} #{n}") for n in range(30)]
    smsc.restart(down_for=1.0)
    sent += [_send(served, token, "+13175550126", f"Alert {run} #{n}") for n in range(30, 60)]
    found = _settled(served, token, sent)
    counts = Counter(s.text for s in smsc.submits if f"Alert {run} " in s.text)
    assert all(c == 1 for c in counts.values()), "a message reached the SMSC twice"
    statuses = Counter(m["status"] for m in found)
    assert set(statuses) <= FINAL, statuses
    # Nothing is lost: a message either reached the SMSC or is visibly failed, and only an
    # answer lost in the drop fails (as unknown), never more of them than the window.
    assert len(counts) >= len(found) - statuses["failed"]
    assert statuses["failed"] <= 20
