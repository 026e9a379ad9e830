"""Composed messages read back the same with the stdlib's parser, whatever the text, and are
7-bit clean with lines no relay refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import dkim
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.emails import DKIM, body, display_name, dns, outbound, parsed
from tidings.adapters.email.compose import UnsendableAddress, compose
from tidings.domain.channels import EmailAddress

# Text a template could produce, without the control characters no header can carry.
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=200)
NAME = st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=60)
BODY = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r"), max_size=2000)


def _clean(text: str) -> str:
    return " ".join(text.replace("\r", "\n").split("\n")).strip()


@settings(max_examples=300, deadline=None)
@given(subject=TEXT, name=NAME, text=BODY, html=BODY)
def test_any_text_reads_back_the_same(subject: str, name: str, text: str, html: str) -> None:
    email_ = outbound(
        subject=subject,
        from_address=EmailAddress("news@shop.example", name),
        text_body=text,
        html_body=html,
    )
    data = compose(email_).data

    assert data.isascii()
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare line ends
    message = parsed(data)
    assert " ".join(str(message["Subject"]).split()) == " ".join(_clean(subject).split())
    assert message["From"].addresses[0].addr_spec == "news@shop.example"
    assert display_name(data) == _clean(name)
    assert body(message, "plain") == text.rstrip("\n")
    assert body(message, "html") == html.rstrip("\n")


def test_a_long_non_ascii_name_reads_back_exactly() -> None:
    name = "Bücherstube Köln-Süd, Abteilung für Grüße und Ärger \u2013 株式会社ショップ"
    data = compose(outbound(from_address=EmailAddress("news@shop.example", name))).data
    assert display_name(data) == name


def test_the_headers_in_order() -> None:
    data = compose(outbound(), now=datetime(2026, 11, 26, 10, 0, tzinfo=UTC)).data
    head = data.partition(b"\r\n\r\n")[0].decode()
    names = [line.split(":")[0] for line in head.split("\r\n") if not line.startswith(" ")]
    assert names == [
        "From",
        "To",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Content-Type",
    ]
    assert "Date: Thu, 26 Nov 2026 10:00:00 +0000" in head


def test_a_message_without_a_message_id_gets_one_in_the_senders_domain() -> None:
    composed = compose(outbound(message_id_header=""))
    assert composed.message_id.endswith("@shop.example>")
    assert parsed(composed.data)["Message-ID"] == composed.message_id


def test_a_line_break_cannot_smuggle_a_header() -> None:
    composed = compose(outbound(subject="Hi\r\nBcc: victim@example.org"))
    message = parsed(composed.data)
    assert "Bcc" not in message and message["Subject"] == "Hi Bcc: victim@example.org"


@pytest.mark.parametrize(
    "address", ["zoë@example.org", "no-at-sign", "ann@", "a b@example.org", "<a@example.org>"]
)
def test_addresses_no_relay_can_take_are_refused(address: str) -> None:
    with pytest.raises(UnsendableAddress):
        compose(outbound(to_address=EmailAddress(address)))


@pytest.mark.parametrize(
    ("address", "sent_to"),
    [
        ("ann@faß.de", "ann@xn--fa-hia.de"),  # IDNA 2003 made this fass.de
        ("ann@σόλος.gr", "ann@xn--wxaijb9b.gr"),
        ("ann@bücher.example", "ann@xn--bcher-kva.example"),
    ],
)
def test_an_international_domain_is_the_one_the_address_names(address: str, sent_to: str) -> None:
    composed = compose(outbound(to_address=EmailAddress(address, "Ann")))
    assert composed.envelope_recipient == sent_to
    assert parsed(composed.data)["To"] == f"Ann <{sent_to}>"


def test_a_subject_with_a_word_longer_than_a_line_reads_back_whole() -> None:
    """A line past 998 octets is cut by relays, breaking the subject and its signature."""
    subject = "Track it: https://shop.example/track?t=" + "A" * 960
    data = compose(outbound(subject=subject)).data
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert parsed(data)["Subject"] == subject


def test_a_campaign_message_says_how_to_unsubscribe_and_one_click_only_over_https() -> None:
    mailto = "mailto:unsubscribe-x@bounce.shop.example"
    link = "https://tidings.example/unsubscribe/m/t"
    both = parsed(compose(outbound(list_unsubscribe=(mailto, link))).data)
    assert [u.strip(" <>") for u in str(both["List-Unsubscribe"]).split(",")] == [mailto, link]
    assert both["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    by_mail = parsed(compose(outbound(list_unsubscribe=(mailto,))).data)
    assert by_mail["List-Unsubscribe"] == f"<{mailto}>"
    assert "List-Unsubscribe-Post" not in by_mail
    assert "List-Unsubscribe" not in parsed(compose(outbound()).data)
    # Receivers act on the headers only when the signature covers them.
    signed = compose(outbound(list_unsubscribe=(mailto, link), dkim=DKIM)).data
    assert dkim.verify(signed, dnsfunc=dns)
    signature = parsed(signed)["DKIM-Signature"].replace(" ", "").replace("\t", "")
    assert "list-unsubscribe:list-unsubscribe-post" in signature.lower()
