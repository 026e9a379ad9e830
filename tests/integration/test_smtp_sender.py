"""The SMTP sender against a real SMTP server (aiosmtpd): what arrives, and what a relay's
answers become."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import dkim
import pytest

from tests.support.emails import DKIM, body, display_name, dns, outbound, parsed
from tests.support.server import free_port
from tests.support.smtp_peer import SmtpPeer
from tests.support.tls import self_signed
from tidings.adapters.email.smtp import SmtpSender
from tidings.domain.channels import EmailAddress, SendOutcome, SendResult


@pytest.fixture(params=[False, True], ids=["one-command-at-a-time", "pipelining"])
def peer(request: pytest.FixtureRequest) -> Iterator[SmtpPeer]:
    with SmtpPeer(pipelining=request.param) as running:
        yield running


@pytest.fixture
async def sender(peer: SmtpPeer) -> AsyncIterator[SmtpSender]:
    smtp = SmtpSender.from_url(f"smtp://{peer.host}:{peer.port}?connections=4&timeout=10")
    yield smtp
    await smtp.close()


@contextlib.asynccontextmanager
async def one_connection(peer: SmtpPeer, reply_seconds: float) -> AsyncIterator[SmtpSender]:
    """A sender with one connection: messages sent together queue on the same session."""
    smtp = SmtpSender.from_url(
        f"smtp://{peer.host}:{peer.port}?connections=1&timeout={reply_seconds:g}"
    )
    try:
        yield smtp
    finally:
        await smtp.close()


async def test_a_message_arrives_with_its_headers_and_both_parts(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    email_ = outbound()
    result = await sender.send(email_)

    assert result.outcome is SendOutcome.ACCEPTED
    assert result.provider_message_id == email_.message_id_header
    assert result.code == "250" and "queued as PEER" in (result.reason or "")
    [received] = peer.messages
    assert received.mail_from == "news@shop.example"
    assert received.rcpt_tos == ("ann@example.org",)
    assert received.data.isascii()
    message = parsed(received.data)
    assert message["From"] == "The Shop <news@shop.example>"
    assert message["To"] == "Ann Smith <ann@example.org>"
    assert message["Reply-To"] == "Shop Help <help@shop.example>"
    assert message["Subject"] == "Your order has shipped"
    assert message["Message-ID"] == email_.message_id_header
    assert message["MIME-Version"] == "1.0"
    assert message["Date"].datetime is not None
    assert message.get_content_type() == "multipart/alternative"
    assert body(message, "plain") == "Hello Ann,\n\nyour order 1234 is on its way."
    assert body(message, "html") == email_.html_body
    assert message.defects == []


async def test_a_message_with_one_body_is_not_multipart(sender: SmtpSender, peer: SmtpPeer) -> None:
    await sender.send(outbound(1, html_body=None))
    await sender.send(outbound(2, text_body=None, reply_to=None))

    text_only, html_only = (parsed(m.data) for m in peer.messages)
    assert text_only.get_content_type() == "text/plain"
    assert html_only.get_content_type() == "text/html"
    assert "Reply-To" not in html_only


@pytest.mark.parametrize(
    "bodies",
    [{}, {"html_body": None}, {"text_body": None, "reply_to": None}],
    ids=["text and html", "text only", "html only"],
)
async def test_the_dkim_signature_verifies_with_dkimpy(
    sender: SmtpSender, peer: SmtpPeer, bodies: dict[str, None]
) -> None:
    result = await sender.send(outbound(dkim=DKIM, **bodies))

    assert result.outcome is SendOutcome.ACCEPTED
    data = peer.messages[0].data
    assert data.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=shop.example")
    assert dkim.verify(data, dnsfunc=dns)
    assert not dkim.verify(data.replace(b"1234", b"9999"), dnsfunc=dns)


async def test_signed_messages_sent_together_are_each_signed_and_a_bad_one_fails_alone(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    readers = [EmailAddress(f"reader{n}@example.org") for n in range(30)]
    readers[7] = EmailAddress("zoë@example.org")  # needs SMTPUTF8: cannot be composed
    results = await asyncio.gather(
        *(sender.send(outbound(n, dkim=DKIM, to_address=to)) for n, to in enumerate(readers))
    )

    assert results[7].outcome is SendOutcome.REJECTED
    assert [r.outcome for r in results].count(SendOutcome.ACCEPTED) == 29
    assert sorted(m.rcpt_tos[0] for m in peer.messages) == sorted(
        to.email for n, to in enumerate(readers) if n != 7
    )
    assert all(dkim.verify(m.data, dnsfunc=dns) for m in peer.messages)


async def test_non_ascii_subject_names_and_bodies_survive(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    email_ = outbound(
        subject="Ihre Bestellung ist unterwegs \u2013 注文は発送されました 📦 " * 3,
        from_address=EmailAddress("news@shop.example", 'Bücherstube Köln, "Süd"'),
        to_address=EmailAddress("zoe@bücher.example", "Zoë Ō'Brien"),
        text_body="Grüße, Zoë!\n.\n..leading dots\n注文 📦\n" + "é" * 300 + "\n",
        html_body="<p>Grüße, <b>Zoë</b> 📦</p>",
        dkim=DKIM,
    )
    assert (await sender.send(email_)).outcome is SendOutcome.ACCEPTED

    [received] = peer.messages
    assert received.data.isascii()  # 7-bit clean: no relay needs 8BITMIME
    assert all(len(line) <= 998 for line in received.data.split(b"\r\n"))
    assert received.rcpt_tos == ("zoe@xn--bcher-kva.example",)
    message = parsed(received.data)
    assert message["Subject"] == email_.subject.strip()
    assert display_name(received.data, "From") == 'Bücherstube Köln, "Süd"'
    assert display_name(received.data, "To") == "Zoë Ō'Brien"
    assert body(message, "plain") == (email_.text_body or "").rstrip("\n")
    assert body(message, "html") == email_.html_body
    assert dkim.verify(received.data, dnsfunc=dns)


async def test_a_non_ascii_mailbox_name_cannot_go_out_and_is_rejected(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    result = await sender.send(outbound(to_address=EmailAddress("zoë@example.org")))

    assert result.outcome is SendOutcome.REJECTED and "SMTPUTF8" in (result.reason or "")
    assert peer.messages == []


async def test_the_envelope_sender_is_the_verp_return_path(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    verp = "bounce-00000000-0000-4000-8000-000000000001-0123456789@bounces.shop.example"
    await sender.send(outbound(return_path=verp))

    [received] = peer.messages
    assert received.mail_from == verp
    assert parsed(received.data)["From"].addresses[0].addr_spec == "news@shop.example"


async def test_relay_refusals_become_retry_or_rejected_with_the_code(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    peer.refuse("full@example.org", 452, "4.2.2 mailbox full")
    peer.refuse("gone@example.org", 550, "5.1.1 no such user")

    full = await sender.send(outbound(to_address=EmailAddress("full@example.org")))
    gone = await sender.send(outbound(to_address=EmailAddress("gone@example.org")))
    peer.fail_next(1, 451, "4.7.1 greylisted, come back later")
    greylisted = await sender.send(outbound())
    peer.fail_next(1, 554, "5.7.1 message content rejected")
    refused = await sender.send(outbound())
    after = await sender.send(outbound())

    assert full == SendResult(SendOutcome.RETRY, code="452", reason="4.2.2 mailbox full")
    assert gone == SendResult(SendOutcome.REJECTED, code="550", reason="5.1.1 no such user")
    assert (greylisted.outcome, greylisted.code) == (SendOutcome.RETRY, "451")
    assert "greylisted" in (greylisted.reason or "")
    assert (refused.outcome, refused.code) == (SendOutcome.REJECTED, "554")
    # The refused transactions were reset: the next message goes through.
    assert after.outcome is SendOutcome.ACCEPTED
    assert len(peer.messages) == 1


async def test_a_connection_cut_after_the_body_is_unknown(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    peer.drop_after_data(1)
    cut = await sender.send(outbound(1))
    after = await sender.send(outbound(2))

    assert cut.outcome is SendOutcome.UNKNOWN  # the relay did get it: sending again doubles it
    assert after.outcome is SendOutcome.ACCEPTED
    assert len(peer.messages) == 2 and peer.dropped == 1


async def test_a_cut_after_a_body_leaves_it_unknown_and_sends_the_next_on_a_new_connection(
    peer: SmtpPeer,
) -> None:
    peer.drop_after_data(1)
    async with one_connection(peer, reply_seconds=10) as sender:
        cut, after = await asyncio.gather(sender.send(outbound(1)), sender.send(outbound(2)))

    # With pipelining the second message's commands were already out behind the first's
    # body when the connection went: its body never was, so it goes again on a new one.
    assert cut.outcome is SendOutcome.UNKNOWN
    assert after.outcome is SendOutcome.ACCEPTED
    assert len(peer.messages) == 2 and peer.dropped == 1 and peer.sessions == 2


async def test_a_body_never_answered_is_unknown_after_the_timeout_and_the_next_goes_on(
    peer: SmtpPeer,
) -> None:
    peer.silent_after_data(1)
    async with one_connection(peer, reply_seconds=1) as sender:
        silent, after = await asyncio.gather(sender.send(outbound(1)), sender.send(outbound(2)))
        later = await sender.send(outbound(3))

    assert silent.outcome is SendOutcome.UNKNOWN and "timed out" in (silent.reason or "")
    # The second waited behind the first (its commands, with pipelining, on the same
    # connection); the session ended with the timeout and it went on a new one.
    assert (after.outcome, later.outcome) == (SendOutcome.ACCEPTED, SendOutcome.ACCEPTED)
    assert len(peer.messages) == 3 and peer.sessions == 2


async def test_commands_go_out_together_where_the_relay_offers_pipelining(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    peer.record_packets = True
    peer.refuse("gone@example.org", 550, "5.1.1 no such user")
    sent = await sender.send(outbound())
    gone = await sender.send(outbound(to_address=EmailAddress("gone@example.org")))
    after = await sender.send(outbound())

    assert [sent.outcome, after.outcome] == [SendOutcome.ACCEPTED, SendOutcome.ACCEPTED]
    assert (gone.outcome, gone.code) == (SendOutcome.REJECTED, "550")
    transactions = [packet for packet in peer.packets if packet.startswith(b"MAIL FROM:")]
    assert len(transactions) == 3
    if peer.pipelining:  # MAIL, RCPT and DATA in one write: one round trip, not three
        assert all(packet.endswith(b">\r\nDATA\r\n") for packet in transactions)
    else:
        assert all(packet.count(b"\r\n") == 1 for packet in transactions)
    assert len(peer.messages) == 2


async def test_with_pipelining_a_message_goes_out_before_the_last_ones_reply() -> None:
    with SmtpPeer(pipelining=True) as peer:
        peer.record_packets = True
        peer.hold_body_replies = True
        async with one_connection(peer, reply_seconds=30) as sender:
            results = await asyncio.gather(*(sender.send(outbound(n)) for n in range(3)))

    assert {r.outcome for r in results} == {SendOutcome.ACCEPTED}
    assert len(peer.messages) == 3 and peer.sessions == 1
    # The second and third messages' commands reached the relay while it had not answered
    # the body before them: one round trip a message. The last had none behind it.
    assert peer.next_mail_before_reply == [True, True, False]


async def test_data_taken_after_a_refused_rcpt_gets_an_empty_body_and_the_refusal(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    peer.data_after_refused_rcpt = True
    peer.refuse("gone@example.org", 550, "5.1.1 no such user")
    gone = await sender.send(outbound(to_address=EmailAddress("gone@example.org")))
    after = await sender.send(outbound())

    assert gone == SendResult(SendOutcome.REJECTED, code="550", reason="5.1.1 no such user")
    if peer.pipelining:  # DATA went out before RCPT's refusal came back: nothing follows it
        assert peer.refused_data == [b""]
    else:  # DATA was never sent
        assert peer.refused_data == []
    assert after.outcome is SendOutcome.ACCEPTED and len(peer.messages) == 1


async def test_no_relay_listening_is_retry() -> None:
    sender = SmtpSender.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=5")
    result = await sender.send(outbound())
    await sender.close()

    assert result.outcome is SendOutcome.RETRY and "cannot connect" in (result.reason or "")


async def test_a_pool_of_four_connections_is_reused_and_survives_the_relay_closing_them(
    sender: SmtpSender, peer: SmtpPeer
) -> None:
    first = await asyncio.gather(*(sender.send(outbound(n)) for n in range(40)))
    assert {r.outcome for r in first} == {SendOutcome.ACCEPTED}
    assert peer.sessions == 4 and peer.open_connections() == 4

    peer.close_connections()
    second = await asyncio.gather(*(sender.send(outbound(n)) for n in range(40, 80)))

    assert {r.outcome for r in second} == {SendOutcome.ACCEPTED}
    assert len(peer.messages) == 80
    assert peer.sessions == 8  # four new connections, nothing lost in between


async def test_starttls_with_a_private_ca(tmp_path: Path) -> None:
    certificate = self_signed(tmp_path)
    with SmtpPeer(tls_context=certificate.server_context(), require_starttls=True) as peer:
        base = f"smtp://{peer.host}:{peer.port}"
        trusted = await _send_once(f"{base}?starttls=always&ca_file={certificate.cert_file}")
        unverified = await _send_once(f"{base}?starttls=always&verify=false")
        untrusted = await _send_once(f"{base}?starttls=always")
        clear = await _send_once(f"{base}?starttls=never")

        assert trusted.outcome is SendOutcome.ACCEPTED
        assert unverified.outcome is SendOutcome.ACCEPTED
        assert [m.tls for m in peer.messages] == [True, True]
    # A certificate nobody vouches for is a connection failure, not a refused message.
    assert untrusted.outcome is SendOutcome.RETRY and "certificate" in (untrusted.reason or "")
    # Refusing to talk in clear is the relay refusing the session: retry, never rejected.
    assert (clear.outcome, clear.code) == (SendOutcome.RETRY, "530")


async def test_implicit_tls(tmp_path: Path) -> None:
    certificate = self_signed(tmp_path)
    with SmtpPeer(tls_context=certificate.server_context(), implicit_tls=True) as peer:
        result = await _send_once(
            f"smtps://{peer.host}:{peer.port}?ca_file={certificate.cert_file}"
        )

        assert result.outcome is SendOutcome.ACCEPTED
        assert peer.messages[0].tls


async def test_auth_plain_with_the_credentials_of_the_url(tmp_path: Path) -> None:
    with SmtpPeer(users={"relay@shop.example": "p@ss:word"}) as peer:
        base = f"{peer.host}:{peer.port}?starttls=never"
        accepted = await _send_once(f"smtp://relay%40shop.example:p%40ss%3Aword@{base}")
        refused = await _send_once(f"smtp://relay%40shop.example:wrong@{base}")

        assert accepted.outcome is SendOutcome.ACCEPTED
        assert peer.messages[0].login == "relay@shop.example"
        assert peer.auth_mechanisms == ["PLAIN"]
    assert (refused.outcome, refused.code) == (SendOutcome.RETRY, "535")


async def _send_once(url: str) -> SendResult:
    sender = SmtpSender.from_url(url + "&timeout=10")
    try:
        return await sender.send(outbound())
    finally:
        await sender.close()


async def test_an_idle_connection_is_checked_and_kept_when_alive(
    sender: SmtpSender, peer: SmtpPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tidings.adapters.email.smtp.IDLE_CHECK_SECONDS", 0.0)
    results = [await sender.send(outbound(n)) for n in range(3)]

    assert {r.outcome for r in results} == {SendOutcome.ACCEPTED}
    assert peer.sessions == 1  # NOOP found it alive each time: no new connection


async def test_a_closed_sender_sends_nothing(sender: SmtpSender, peer: SmtpPeer) -> None:
    await sender.send(outbound(1))
    await sender.close()

    assert (await sender.send(outbound(2))).outcome is SendOutcome.RETRY
    assert len(peer.messages) == 1
    assert await asyncio.to_thread(peer.wait_closed) == 0  # it said QUIT


def test_smtp_outcomes_are_not_matched_by_the_relays_id() -> None:
    """Bounces come back to the VERP address, which names the message: settling an e-mail
    need not index the relay's id for receipts (it stays on the message)."""
    assert SmtpSender.receipts_by_provider_id is False
