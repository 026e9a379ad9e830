"""Keywords over a real SMPP link: `tidings serve` with an smpp:// provider and the SMSC of
tests/support/smsc.py. A phone's STOP reaches Tidings as a deliver_sm; the confirmation
reaches the SMSC; the sender's next message to that phone never does; START lets it through
again; a long reply sent in parts reads back as one message."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import fresh_database
from tests.support.sdk import eventually
from tests.support.server import Server, free_port, running_server
from tests.support.smsc import SmscThread
from tidings.domain import sms_content
from tidings.domain.keywords import DEFAULT_HELP_TEXT, DEFAULT_OPT_IN_TEXT, DEFAULT_OPT_OUT_TEXT

SENDER = "+13175550100"
SMS = "/api/v2/conversations/messages/agentless"
FINAL = {"delivery-success", "delivery-failed", "failed"}


@pytest.fixture(scope="module")
def smsc() -> Iterator[SmscThread]:
    with SmscThread(free_port()) as running:
        yield running


@pytest.fixture(scope="module")
def served(smsc: SmscThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("smpp-keywords")
    with (
        fresh_database(directory) as url,
        running_server(
            url, data_dir=directory, sms_url=f"smpp://tidings:secret@127.0.0.1:{smsc.port}"
        ) as server,
    ):
        yield server


@pytest.fixture(scope="module")
def token(served: Server) -> str:
    admin = served.token(served.create_client("smpp keywords admin", "admin"))
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
    path = f"/api/v2/conversations/messages/{body['conversationId']}/messages/{body['id']}"
    found = eventually(
        lambda: (m := server.request("GET", path, token=token)[1])["status"] in FINAL and m
    )
    assert found, "the message never settled"
    return dict(found)


def _submitted_to(smsc: SmscThread, phone: str) -> list[str]:
    return [s.text for s in smsc.submits if s.destination == phone.removeprefix("+")]


def _their_reply(served: Server, token: str, sent: dict[str, Any]) -> dict[str, Any]:
    """The one message the customer sent on the conversation of `sent`, read back whole."""
    path = f"/api/v2/conversations/messages/{sent['conversationId']}"

    def received() -> list[dict[str, Any]]:
        conversation = served.request("GET", path, token=token)[1]
        theirs = next(p for p in conversation["participants"] if p["purpose"] == "customer")
        return list(theirs["messages"])

    [message] = eventually(received)
    return dict(served.request("GET", f"{path}/messages/{message['messageId']}", token=token)[1])


def test_stop_over_smpp_is_confirmed_and_blocks_until_start(
    served: Server, token: str, smsc: SmscThread
) -> None:
    phone = "+13175550131"
    assert _send(served, token, phone, "Your table is booked")["status"] == "delivery-success"
    smsc.inject_mo(phone, SENDER, "Stop.")
    assert eventually(lambda: DEFAULT_OPT_OUT_TEXT in _submitted_to(smsc, phone))

    blocked = _send(served, token, phone, f"Offer {uuid.uuid4().hex[:6]}")
    assert blocked["status"] == "failed"
    assert blocked["errorInfo"]["code"] == "RecipientOptedOut"
    assert blocked["textBody"] not in _submitted_to(smsc, phone)

    smsc.inject_mo(phone, SENDER, "start")
    assert eventually(lambda: DEFAULT_OPT_IN_TEXT in _submitted_to(smsc, phone))
    assert _send(served, token, phone, "Welcome back")["status"] == "delivery-success"
    history = served.request("GET", f"/api/v2/routing/sms/optouts/{phone}", token=token)[1]
    assert [(h["action"], h["keyword"], h["senderAddress"]) for h in history["history"]] == [
        ("optOut", "STOP", SENDER),
        ("optIn", "START", SENDER),
    ]


@pytest.mark.parametrize("long", ["udh", "sar"])
def test_a_long_reply_in_parts_reads_back_as_one_message(
    served: Server, token: str, smsc: SmscThread, long: str
) -> None:
    phone = "+13175550132" if long == "udh" else "+13175550133"
    sent = _send(served, token, phone, "How did we do?")
    reply = "Please don't stop sending these, they are useful. " * 4 + uuid.uuid4().hex[:6]
    smsc.inject_mo(phone, SENDER, reply, long=long)
    found = _their_reply(served, token, sent)
    assert found["textBody"] == reply
    assert found["messageSegmentCount"] == 2 == len(sms_content.parts(reply, 0))
    # Not a keyword: nothing answered it, and the phone is not opted out.
    assert served.request("GET", f"/api/v2/routing/sms/optouts/{phone}", token=token)[0] == 404
    assert _submitted_to(smsc, phone) == ["How did we do?"]


@pytest.mark.parametrize(
    ("phone", "data_coding", "payloads", "whole"),
    [
        # The phone cut an emoji's surrogate pair between the parts (UCS-2).
        (
            "+13175550134",
            0x08,
            ["Thanks 😀".encode("utf-16-be")[:-2], "😀!".encode("utf-16-be")[2:]],
            "Thanks 😀!",
        ),
        # ... or a GSM escape: the euro sign's two septets, one in each part.
        ("+13175550135", 0x00, [b"That is 5 \x1b", b"e, fine"], "That is 5 €, fine"),
    ],
)
def test_a_character_the_phone_cut_between_two_parts_reads_back_whole(
    served: Server,
    token: str,
    smsc: SmscThread,
    phone: str,
    data_coding: int,
    payloads: list[bytes],
    whole: str,
) -> None:
    sent = _send(served, token, phone, "How much?")
    smsc.inject_mo_parts(phone, SENDER, payloads, data_coding)
    found = _their_reply(served, token, sent)
    assert found["textBody"] == whole


SECOND_SENDER = "+13175550199"


def test_help_stopall_a_custom_keyword_and_a_sentence_over_smpp(
    served: Server, token: str, smsc: SmscThread
) -> None:
    status, second, _ = served.request(
        "POST",
        "/api/v2/routing/sms/phonenumbers",
        token=token,
        json_body={"phoneNumber": SECOND_SENDER, "phoneNumberType": "local", "countryCode": "US"},
    )
    assert status == 200, second
    path = f"/api/v2/routing/sms/phonenumbers/{second['id']}/keywordsettings"
    status, body, _ = served.request(
        "PUT",
        path,
        token=token,
        json_body={"optOutKeywords": ["basta"], "optOutText": "Basta: no more from us."},
    )
    assert status == 200, body

    # HELP is answered and changes nothing.
    helped = "+13175550141"
    smsc.inject_mo(helped, SENDER, " help ")
    assert eventually(lambda: DEFAULT_HELP_TEXT in _submitted_to(smsc, helped))
    assert served.request("GET", f"/api/v2/routing/sms/optouts/{helped}", token=token)[0] == 404

    # A sentence that holds a keyword is a reply, not a keyword.
    chatty = "+13175550142"
    smsc.inject_mo(chatty, SENDER, "please don't stop")
    time.sleep(1)
    assert _submitted_to(smsc, chatty) == []
    assert _send(served, token, chatty, "Glad you like it")["status"] == "delivery-success"

    # The second number's own keyword opts out of it, and only of it.
    custom = "+13175550143"
    smsc.inject_mo(custom, SECOND_SENDER, "BASTA!")
    assert eventually(lambda: "Basta: no more from us." in _submitted_to(smsc, custom))
    assert _send(served, token, custom, "From the first number")["status"] == "delivery-success"

    # STOPALL to one number (answered with that number's opt-out text) blocks every sender.
    everyone = "+13175550144"
    smsc.inject_mo(everyone, SECOND_SENDER, "stopall")
    assert eventually(lambda: "Basta: no more from us." in _submitted_to(smsc, everyone))
    blocked = _send(served, token, everyone, "From the first number")
    assert blocked["errorInfo"]["code"] == "RecipientOptedOut"
