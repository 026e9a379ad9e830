"""Agentless e-mail end to end: `tidings serve` with an smtp:// relay (an aiosmtpd peer in a
thread). The mail arrives DKIM-signed with the key of the provisioned domain (verified with
dkimpy against the record the API asked the customer to publish), with a Message-ID that
names its conversation and a VERP envelope sender that names the message; a relay's 5xx
fails the message with the reply."""

from __future__ import annotations

import email
import email.policy
import time
import uuid
from collections.abc import Iterator
from typing import Any

import dkim
import pytest

from tests.conftest import fresh_database
from tests.support.server import Server, running_server
from tests.support.smtp_peer import SmtpPeer
from tidings.domain import verp

EMAIL = "/api/v2/conversations/emails/agentless"


@pytest.fixture(scope="module")
def relay() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


@pytest.fixture(scope="module")
def served(relay: SmtpPeer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("smtp")
    with (
        fresh_database(directory) as url,
        running_server(
            url,
            data_dir=directory,
            smtp_url=f"smtp://127.0.0.1:{relay.port}?starttls=never&connections=2",
            bounce_host="mx.tidings.test",
        ) as server,
    ):
        yield server


@pytest.fixture(scope="module")
def token(served: Server) -> str:
    return served.token(served.create_client("smtp admin", "admin"))


@pytest.fixture(scope="module")
def domain(served: Server, token: str) -> dict[str, Any]:
    name = f"shop-{uuid.uuid4().hex[:6]}.example"
    status, body, _ = served.request(
        "POST",
        "/api/v2/routing/email/outbound/domains",
        token=token,
        json_body={"id": name, "name": name},
    )
    assert status == 200, body
    return dict(body)


def _send(server: Server, token: str, sender: str, to: str, subject: str) -> dict[str, Any]:
    status, body, _ = server.request(
        "POST",
        EMAIL,
        token=token,
        json_body={
            "senderType": "Outbound",
            "fromAddress": {"email": sender, "name": "Shop"},
            "toAddresses": [{"email": to, "name": "Ann"}],
            "subject": subject,
            "htmlBody": "<p>Your order <b>4711</b> has shipped.</p>",
        },
    )
    assert status == 202, body
    return dict(body)


def _status(server: Server, token: str, sent: dict[str, Any]) -> dict[str, Any]:
    path = f"/api/v2/conversations/emails/{sent['conversationId']}/messages/{sent['id']}"
    deadline = time.monotonic() + 30
    while True:
        found = dict(server.request("GET", path, token=token)[1])
        if found["status"] != "queued" or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_an_email_arrives_signed_threadable_and_with_a_verp_sender(
    served: Server, token: str, relay: SmtpPeer, domain: dict[str, Any]
) -> None:
    name = domain["domainName"]
    subject = f"Shipped {uuid.uuid4().hex[:6]}"
    sent = _send(served, token, f"orders@{name}", "ann@example.org", subject)
    assert _status(served, token, sent)["status"] == "sent"
    [received] = [
        m
        for m in relay.messages
        if email.message_from_bytes(m.data, policy=email.policy.default)["Subject"] == subject
    ]
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert verp.ids_in_reference(message["Message-ID"]) == (sent["id"], sent["conversationId"])
    assert received.mail_from.startswith(f"bounce-{sent['id']}-")
    assert received.mail_from.endswith(f"@bounce.{name}")
    assert received.rcpt_tos == ("ann@example.org",)
    plain = message.get_body(("plain",))
    assert plain is not None and "Your order 4711 has shipped." in plain.get_content()

    record = domain["dnsTxtSendingRecord"]

    def dns(query: bytes, timeout: float = 5) -> bytes:
        assert query.decode().rstrip(".") == record["host"].rstrip(".")
        return str(record["recordContents"]).encode()

    assert dkim.verify(received.data, dnsfunc=dns)


def test_a_relay_refusal_fails_the_message_with_the_reply(
    served: Server, token: str, relay: SmtpPeer, domain: dict[str, Any]
) -> None:
    relay.refuse("gone@example.org", 550, "5.1.1 no such user")
    sent = _send(served, token, f"orders@{domain['domainName']}", "gone@example.org", "Hello")
    found = _status(served, token, sent)
    assert found["status"] == "failed"
    assert "5.1.1" in found["errorInfo"]["message"]
