"""What an inbound e-mail means: the new text of a reply, automatic answers, DSNs, and bytes
that are no e-mail at all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.adapters.email.inbound_parse import parse
from tidings.domain.inbound_email import is_auto_reply, new_text

GMAIL = """Thanks, that works for me.

See you Tuesday.

On Mon, 23 Nov 2026 at 10:02, Shop <orders@shop.example> wrote:
> Your order 4711 has shipped.
> Track it here.
"""

GMAIL_WRAPPED = """Yes please.

On Mon, 23 Nov 2026 at 10:02, Shop Orders Department of the Example Shop
<orders@shop.example> wrote:
> Shall we deliver on Tuesday?
"""

OUTLOOK = """Please cancel it.

From: Shop <orders@shop.example>
Sent: Monday, November 23, 2026 10:02 AM
To: Ann <ann@example.org>
Subject: Your order

Your order 4711 has shipped.
"""

INTERLEAVED = """> Shall we deliver on Tuesday?
Tuesday is fine.
> Morning or afternoon?
Afternoon.
"""


def test_the_new_text_of_a_reply_leaves_the_quoted_history_out() -> None:
    assert new_text(GMAIL) == "Thanks, that works for me.\n\nSee you Tuesday."
    assert new_text(GMAIL_WRAPPED) == "Yes please."
    assert new_text(OUTLOOK) == "Please cancel it."
    assert new_text("Hi\n-----Original Message-----\nold") == "Hi"
    assert new_text(INTERLEAVED) == "Tuesday is fine.\nAfternoon."


@pytest.mark.parametrize(
    ("reply", "written"),
    [
        (
            "Bonjour,\nLe colis est bien arrivé.\nLe jeu. 26 nov. 2026, Shop a écrit :\n> Bonjour",
            "Bonjour,\nLe colis est bien arrivé.",
        ),
        (
            "Hallo,\nAm Montag passt es.\nAm 26.11.2026 um 10:00 schrieb Shop:\n> Hallo",
            "Hallo,\nAm Montag passt es.",
        ),
        (
            "Hi,\nOn Friday works.\nOn Thu, 26 Nov 2026, Shop wrote:\n> Hello",
            "Hi,\nOn Friday works.",
        ),
    ],
)
def test_a_line_starting_like_a_quote_header_above_one_is_kept(reply: str, written: str) -> None:
    assert new_text(reply) == written


def test_a_reply_written_below_the_quote_keeps_what_was_written() -> None:
    below = "On Mon, 23 Nov 2026, Shop <o@shop.example> wrote:\n> Shipped.\n\nThanks!\n"
    assert new_text(below) == "Thanks!"


def test_a_reply_that_is_all_quote_keeps_its_whole_text() -> None:
    assert new_text("> only a quote\n") == "> only a quote"


def test_automatic_answers_are_told_apart_from_replies() -> None:
    assert is_auto_reply({"auto-submitted": "auto-replied"}, "Re: order")
    assert is_auto_reply({"auto-submitted": "auto-generated; owner-email=x@y"}, "")
    assert not is_auto_reply({"auto-submitted": "no"}, "Re: order")
    assert is_auto_reply({"x-autoreply": "yes"}, "Re: order")
    assert is_auto_reply({"precedence": "auto_reply"}, "Re: order")
    assert is_auto_reply({"precedence": "bulk"}, "Re: order")
    assert is_auto_reply({}, "Out of Office: back on Monday")
    assert is_auto_reply({}, "Automatic reply: Your order")
    assert not is_auto_reply({"precedence": "first-class"}, "Re: Out of office supplies")


DSN = (
    b"From: MAILER-DAEMON@mx.example.org\r\n"
    b"To: bounce-x@bounce.shop.example\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
    b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.org\r\n\r\n"
    b"Final-Recipient: rfc822; Ann@Example.org\r\n"
    b"Action: failed\r\n"
    b"Status: 5.1.1\r\n"
    b"Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>: Recipient address rejected\r\n"
    b"\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: Your order\r\n"
    b"--B--\r\n"
)


def test_a_dsn_is_read_recipient_by_recipient() -> None:
    parsed = parse(DSN, "", bounce_address=True)
    assert parsed.is_bounce
    [status] = parsed.delivery_statuses
    assert status.recipient == "ann@example.org"
    assert status.hard and not status.soft
    assert status.status == "5.1.1"
    assert "Recipient address rejected" in status.reason


def test_a_delayed_dsn_is_soft() -> None:
    delayed = DSN.replace(b"Action: failed", b"Action: delayed").replace(b"5.1.1", b"4.4.1")
    [status] = parse(delayed, "", bounce_address=True).delivery_statuses
    assert status.soft and not status.hard


def test_a_plain_reply_is_read_with_its_references() -> None:
    raw = (
        "From: =?utf-8?q?Ann_M=C3=BCller?= <ann@example.org>\r\n"
        "Subject: Re: Your order\r\n"
        "In-Reply-To: <a@x>\r\n"
        "References: <c@x> <b@x>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Danke schön\r\n"
    ).encode()
    parsed = parse(raw, "bounce@x", bounce_address=False)
    assert (parsed.from_address, parsed.from_name) == ("ann@example.org", "Ann Müller")
    assert parsed.references == ("<a@x>", "<b@x>", "<c@x>")
    assert parsed.text.strip() == "Danke schön"
    assert not parsed.is_bounce and not parsed.auto_reply


def test_an_html_only_reply_is_read_as_text() -> None:
    raw = (
        b"From: ann@example.org\r\nContent-Type: text/html\r\n\r\n"
        b"<html><head><style>p{}</style></head><body><p>Yes &amp; thanks</p></body></html>"
    )
    assert parse(raw, "", bounce_address=False).text == "Yes & thanks"


def test_broken_mime_and_encodings_are_read_as_far_as_they_go() -> None:
    raw = (
        b"From: =?bogus-charset?q?=FF?= <ann@example.org>\r\n"
        b"Subject: =?utf-8?b?!!!notbase64?=\r\n"
        b"Content-Type: multipart/mixed; boundary=\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"\xff\xfe not base64 at all \x00\r\n"
    )
    parsed = parse(raw, "ann@example.org", bounce_address=False)
    assert parsed.from_address == "ann@example.org"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_no_bytes_make_the_reader_raise(data: bytes) -> None:
    parse(data, "", bounce_address=True)
    parse(b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\n" + data, "", True)


def test_a_bounce_in_an_old_format_is_read_by_the_fallback() -> None:
    qmail = (
        b"From: MAILER-DAEMON@mx.example.org\r\nSubject: failure notice\r\n\r\n"
        b"Hi. This is the qmail-send program at mx.example.org.\r\n"
        b"I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        b"This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
        b"<ann@example.org>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
        b"--- Below this line is a copy of the message.\r\n"
    )
    parsed = parse(qmail, "", bounce_address=True)
    assert parsed.is_bounce
    [status] = parsed.delivery_statuses
    assert (status.recipient, status.status, status.hard) == ("ann@example.org", "5.1.1", True)
    # The same words sent to an address that is no bounce address are a reply.
    assert not parse(qmail, "someone@example.org", bounce_address=False).is_bounce


def test_what_is_read_is_text_any_database_takes() -> None:
    raw = (
        b"From: \xff\xfe <ann@example.org>\r\nSubject: a\x00b \xc3\r\n\r\n"
        b"NUL \x00 and \xed\xa0\x80\r\n"
    )
    parsed = parse(raw, "", bounce_address=False)
    for text in (parsed.subject, parsed.text, parsed.from_name or "", parsed.from_address):
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates
