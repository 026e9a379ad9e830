"""Inbound e-mail end to end: `tidings serve` with its receiver on TIDINGS_INBOUND_SMTP and an
smtp:// relay (an aiosmtpd peer) for what it sends. Mail is delivered to the receiver with
smtplib, as a mail server would: replies thread onto the conversation of the e-mail they
answer, vacation notices are flagged, DSNs fail or annotate the message they name through
its VERP address (a hard bounce suppresses the address), and what is not ours, too large or
garbage is refused or kept without harm."""

from __future__ import annotations

import email
import email.policy
import smtplib
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import fresh_database
from tests.support.server import Server, free_port, running_server
from tests.support.smtp_peer import Received, SmtpPeer
from tidings.adapters.db.engine import make_sync_engine
from tidings.adapters.db.tables import inbound_emails, messages

EMAIL = "/api/v2/conversations/emails"
MAX_BYTES = 200_000


@pytest.fixture(scope="module")
def relay() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("inbound-db")) as url:
        yield url


@pytest.fixture(scope="module")
def inbound_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def served(
    relay: SmtpPeer, database: str, inbound_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    with running_server(
        database,
        data_dir=tmp_path_factory.mktemp("inbound"),
        smtp_url=f"smtp://127.0.0.1:{relay.port}?starttls=never&connections=2",
        bounce_host="mx.tidings.test",
        inbound_smtp=f"127.0.0.1:{inbound_port}",
        inbound_max_bytes=str(MAX_BYTES),
        inbound_domains="reply.tidings.test",
    ) as server:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", inbound_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield server


@pytest.fixture(scope="module")
def token(served: Server) -> str:
    return served.token(served.create_client("inbound admin", "admin"))


@pytest.fixture(scope="module")
def domain(served: Server, token: str) -> str:
    name = f"shop-{uuid.uuid4().hex[:6]}.example"
    status, body, _ = served.request(
        "POST",
        "/api/v2/routing/email/outbound/domains",
        token=token,
        json_body={"id": name, "name": name},
    )
    assert status == 200, body
    return name


def _wait(read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 30
    while True:
        found = read()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _send(served: Server, token: str, sender: str, to: str, relay: SmtpPeer) -> Sent:
    subject = f"Order {uuid.uuid4().hex[:8]}"
    status, body, _ = served.request(
        "POST",
        f"{EMAIL}/agentless",
        token=token,
        json_body={
            "senderType": "Outbound",
            "fromAddress": {"email": sender, "name": "Shop"},
            "toAddresses": [{"email": to}],
            "subject": subject,
            "textBody": "Your order 4711 has shipped.",
        },
    )
    assert status == 202, body
    sent = Sent(served, token, dict(body))
    assert sent.wait(lambda m: m["status"] != "queued")["status"] == "sent"

    def mine() -> list[Received]:
        return [
            m
            for m in relay.messages
            if email.message_from_bytes(m.data, policy=email.policy.default)["Subject"] == subject
        ]

    [sent.relayed] = _wait(mine, bool)
    return sent


class Sent:
    def __init__(self, served: Server, token: str, body: dict[str, Any]) -> None:
        self.served, self.token = served, token
        self.id, self.conversation_id = body["id"], body["conversationId"]
        self.relayed: Received | None = None

    @property
    def message_id_header(self) -> str:
        assert self.relayed is not None
        return str(email.message_from_bytes(self.relayed.data)["Message-ID"])

    @property
    def return_path(self) -> str:
        assert self.relayed is not None
        return self.relayed.mail_from

    def message(self, message_id: str | None = None) -> dict[str, Any]:
        path = f"{EMAIL}/{self.conversation_id}/messages/{message_id or self.id}"
        status, body, _ = self.served.request("GET", path, token=self.token)
        assert status == 200, body
        return dict(body)

    def wait(self, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return dict(_wait(self.message, done))

    def replies(self) -> list[dict[str, Any]]:
        status, body, _ = self.served.request(
            "GET", f"{EMAIL}/{self.conversation_id}", token=self.token
        )
        assert status == 200, body
        [customer] = [p for p in body["participants"] if p["purpose"] == "customer"]
        return [self.message(m["messageId"]) for m in customer["messages"]]


def _deliver(port: int, mail_from: str, to: str, data: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(mail_from, [to], data)


def _reply(
    to: str,
    body: str,
    *,
    subject: str = "Re: Your order",
    headers: str = "",
    sender: str = "Ann <ann@example.org>",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.org>\r\n{headers}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + body.replace("\n", "\r\n")
    ).encode()


def _dsn(recipient: str, action: str, status: str, diagnostic: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="XX"\r\n\r\n'
        "--XX\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--XX\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n--XX--\r\n"
    ).encode()


def test_a_reply_threads_onto_its_conversation_with_the_new_text_shown(
    served: Server, token: str, relay: SmtpPeer, domain: str, inbound_port: int
) -> None:
    sent = _send(served, token, f"orders@{domain}", "ann@example.org", relay)
    body = (
        "Please leave it with the neighbour.\n\n"
        f"On Mon, 23 Nov 2026 at 10:02, Shop <orders@{domain}> wrote:\n"
        "> Your order 4711 has shipped.\n"
    )
    headers = f"In-Reply-To: {sent.message_id_header}\r\nReferences: {sent.message_id_header}\r\n"
    _deliver(
        inbound_port,
        "ann@example.org",
        f"orders@{domain}",
        _reply(f"orders@{domain}", body, headers=headers),
    )
    [reply] = _wait(sent.replies, bool)
    assert reply["direction"] == "inbound"
    assert reply["from"]["email"] == "ann@example.org"
    assert reply["to"][0]["email"] == f"orders@{domain}"
    assert reply["subject"] == "Re: Your order"
    assert reply["textBody"] == "Please leave it with the neighbour."
    assert "> Your order 4711 has shipped." in reply["fullTextBody"]
    assert reply["status"] == "received"
    assert "autoReply" not in reply


def test_a_vacation_notice_to_the_return_path_is_threaded_and_flagged(
    served: Server, token: str, relay: SmtpPeer, domain: str, inbound_port: int
) -> None:
    sent = _send(served, token, f"orders@{domain}", "bob@example.org", relay)
    notice = _reply(
        sent.return_path,
        "I am away until Monday.",
        subject="Out of Office: Your order",
        headers="Auto-Submitted: auto-replied\r\n",
    )
    _deliver(inbound_port, "bob@example.org", sent.return_path, notice)
    [reply] = _wait(sent.replies, bool)
    assert reply["autoReply"] is True
    assert reply["textBody"] == "I am away until Monday."


def test_mail_to_our_address_answering_nothing_opens_a_new_conversation(
    served: Server, token: str, database: str, domain: str, inbound_port: int
) -> None:
    marker = uuid.uuid4().hex
    _deliver(
        inbound_port,
        "carol@example.org",
        f"hello@{domain}",
        _reply(
            f"hello@{domain}",
            f"Do you ship to Norway? {marker}",
            subject="Question",
            sender="carol@example.org",
        ),
    )
    engine = make_sync_engine(database)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(messages.c.id, messages.c.conversation_id).where(
                    messages.c.text_body.contains(marker)
                )
            ).one()
    finally:
        engine.dispose()
    status, conversation, _ = served.request("GET", f"{EMAIL}/{row.conversation_id}", token=token)
    assert status == 200, conversation
    [customer] = [p for p in conversation["participants"] if p["purpose"] == "customer"]
    assert customer["address"] == "carol@example.org"
    assert [m["messageId"] for m in customer["messages"]] == [row.id]


def test_a_hard_bounce_fails_the_message_and_suppresses_the_address(
    served: Server, token: str, relay: SmtpPeer, domain: str, inbound_port: int
) -> None:
    sent = _send(served, token, f"orders@{domain}", "gone@example.org", relay)
    dsn = _dsn("gone@example.org", "failed", "5.1.1", "550 5.1.1 <gone@example.org>: no such user")
    _deliver(inbound_port, "", sent.return_path, dsn)
    found = sent.wait(lambda m: m["status"] != "sent")
    assert found["status"] == "delivery-failed"
    assert "no such user" in found["errorInfo"]["message"]
    [receipt] = found["receipts"]
    assert receipt["status"] == "delivery-failed" and receipt["isFinalReceipt"] is True
    assert receipt["code"] == "5.1.1"

    # Suppressed for every sender: another address of the shop cannot write to it either.
    status, later, _ = served.request(
        "POST",
        f"{EMAIL}/agentless",
        token=token,
        json_body={
            "senderType": "Outbound",
            "fromAddress": {"email": f"news@{domain}"},
            "toAddresses": [{"email": "Gone@Example.org"}],  # the same mailbox
            "subject": "Newsletter",
            "textBody": "Hello again",
        },
    )
    assert status == 202, later
    refused = Sent(served, token, dict(later)).wait(lambda m: m["status"] != "queued")
    assert refused["status"] == "failed"
    assert refused["errorInfo"]["code"] == "RecipientOptedOut"


def test_a_soft_bounce_is_recorded_and_the_message_stays_sent(
    served: Server, token: str, relay: SmtpPeer, domain: str, inbound_port: int
) -> None:
    sent = _send(served, token, f"orders@{domain}", "full@example.org", relay)
    dsn = _dsn("full@example.org", "delayed", "4.2.2", "452 4.2.2 mailbox full")
    _deliver(inbound_port, "", sent.return_path, dsn)
    found = sent.wait(lambda m: "receipts" in m)
    assert found["status"] == "sent"
    [receipt] = found["receipts"]
    assert receipt["isFinalReceipt"] is False
    assert receipt["code"] == "4.2.2" and "mailbox full" in receipt["reason"]


def test_mail_for_addresses_that_are_not_ours_is_refused_at_rcpt(
    served: Server, domain: str, inbound_port: int
) -> None:
    forged = "bounce-00000000-0000-0000-0000-000000000000-0123456789@bounce.x.example"
    for stranger in ("someone@elsewhere.example", forged):
        with smtplib.SMTP("127.0.0.1", inbound_port, timeout=30) as client:
            client.ehlo()
            client.mail("spam@example.net")
            code, _ = client.rcpt(stranger)
            assert code == 550
    # A domain named in TIDINGS_INBOUND_DOMAINS takes mail for any of its addresses.
    with smtplib.SMTP("127.0.0.1", inbound_port, timeout=30) as client:
        client.ehlo()
        client.mail("ann@example.org")
        assert client.rcpt("anything@reply.tidings.test")[0] == 250


def test_oversized_mail_is_refused_with_552(served: Server, domain: str, inbound_port: int) -> None:
    big = _reply(f"orders@{domain}", "x" * 80 + ("\n" + "x" * 80) * (MAX_BYTES // 80))
    with pytest.raises(smtplib.SMTPSenderRefused) as announced:
        _deliver(inbound_port, "ann@example.org", f"orders@{domain}", big)
    assert announced.value.smtp_code == 552
    # A client that does not announce the size is stopped when the data runs over.
    with smtplib.SMTP("127.0.0.1", inbound_port, timeout=30) as client:
        client.ehlo()
        client.mail("ann@example.org")
        assert client.rcpt(f"orders@{domain}")[0] == 250
        assert client.data(big)[0] == 552


def test_garbage_is_kept_or_refused_and_the_receiver_lives_on(
    served: Server, token: str, relay: SmtpPeer, domain: str, inbound_port: int, database: str
) -> None:
    junk = [
        b"\x00\xff\xfe garbage with no headers at all \x80\x81\r\n",
        b"From: \xff <x@example.net>\r\nSubject: \x00\xc3\r\n\r\nNUL \x00 here \xed\xa0\x80\r\n",
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n\xff",
        b"From: =?x-unknown?b?////?= <\r\nSubject: =?utf-8?q?=ZZ?=\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
        b"X-Long: " + b"a" * 900 + b"\r\n" + b"X-Folded: b\r\n" + b" c\r\n" * 3000 + b"\r\nbody",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n\xff\xfe\r\n\r\nAction:\r\n--B--",
    ]
    for data in junk:
        _deliver(inbound_port, "junk@example.net", f"orders@{domain}", data)
    # Lines over the SMTP limit and nonsense commands get errors, not a crash.
    with socket.create_connection(("127.0.0.1", inbound_port), timeout=30) as raw:
        stream = raw.makefile("rwb")
        stream.readline()
        for line in (b"EHLO x", b"\x00\xff" * 2000, b"MAIL FROM:<" + b"a" * 5000 + b">", b"QUIT"):
            stream.write(line + b"\r\n")
            stream.flush()
            assert stream.readline()[:1] in (b"2", b"5")
    engine = make_sync_engine(database)
    try:
        with engine.connect() as connection:
            kept = connection.execute(
                select(inbound_emails.c.data).where(
                    inbound_emails.c.mail_from == "junk@example.net"
                )
            ).all()
    finally:
        engine.dispose()
    # As they came (smtplib ends the data with a line break where it had none).
    assert sorted(bytes(row.data).rstrip(b"\r\n") for row in kept) == sorted(
        data.rstrip(b"\r\n") for data in junk
    )
    assert served.process.poll() is None
    # And the receiver still threads a real reply.
    sent = _send(served, token, f"orders@{domain}", "dora@example.org", relay)
    headers = f"In-Reply-To: {sent.message_id_header}\r\n"
    _deliver(
        inbound_port,
        "dora@example.org",
        f"orders@{domain}",
        _reply(f"orders@{domain}", "Thanks!", headers=headers),
    )
    assert [r["textBody"] for r in _wait(sent.replies, bool)] == ["Thanks!"]
