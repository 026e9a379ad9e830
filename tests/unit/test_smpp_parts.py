"""The SMPP adapter's pure pieces: its URL, what it puts in submit_sm, what it reads from
deliver_sm, and its pacing."""

from __future__ import annotations

import pytest

from tidings.adapters.sms import smpp_pdus as pdus
from tidings.adapters.sms.smpp_flow import RateGate
from tidings.adapters.sms.smpp_url import SmppSettings, parse_smpp_url
from tidings.config import ConfigError
from tidings.domain.channels import SmsPart


def test_url_defaults() -> None:
    settings = parse_smpp_url("smpp://acme:s%40cret@smsc.example.net")
    assert settings == SmppSettings(
        host="smsc.example.net", port=2775, system_id="acme", password="s@cret"
    )


def test_url_options() -> None:
    settings = parse_smpp_url(
        "smpps://acme:pw@10.0.0.5:3550?window=10&tps=50&bind=tx+rx&system_type=VMA"
        "&long=sar&source_ton=0&dest_npi=0&enquire=30&reconnect_min=2&reconnect_max=30"
        "&wait=5&deadline=60&inbound=100"
    )
    assert (settings.tls, settings.port, settings.window, settings.tps) == (True, 3550, 10, 50)
    assert (settings.bind, settings.system_type, settings.long) == ("tx+rx", "VMA", "sar")
    assert (settings.source_ton, settings.source_npi, settings.dest_npi) == (0, None, 0)
    assert (settings.reconnect_min, settings.reconnect_max) == (2, 30)
    assert (settings.wait_seconds, settings.deadline_seconds, settings.inbound) == (5, 60, 100)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://a:b@h", "smpp://"),
        ("smpp://h", "system_id"),
        ("smpp://a:b@h?window=0", "window"),
        ("smpp://a:b@h?window=lots", "not a number"),
        ("smpp://a:b@h?bind=rx", "bind"),
        ("smpp://a:b@h?long=split", "long"),
        ("smpp://a:b@h?enquire=10", "enquire_link every 30 s"),
        ("smpp://a:b@h?reconnect_min=5&reconnect_max=1", "reconnect_min"),
        ("smpp://a:b@h?colour=blue", "unknown option 'colour'"),
    ],
)
def test_url_mistakes_are_named(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_smpp_url(url)


def test_addresses_get_their_type() -> None:
    assert pdus.address_type("+15550001111") == ("15550001111", 1, 1)
    assert pdus.address_type("Tidings") == ("Tidings", 5, 0)
    assert pdus.address_type("72345") == ("72345", 3, 0)


def test_a_single_gsm_text_is_unpacked_septets() -> None:
    [single] = pdus.submissions("Hi €", "udh", 7)
    assert single == pdus.Submission(b"Hi \x1be", 0)


def test_udh_parts_carry_the_reference() -> None:
    first, second = pdus.submissions("a" * 200, "udh", 0x1FF)
    assert first.short_message[:6] == bytes([5, 0, 3, 0xFF, 2, 1])
    assert second.short_message[:6] == bytes([5, 0, 3, 0xFF, 2, 2])
    assert first.esm_class == 0x40


def test_sar_parts_carry_tlvs() -> None:
    first, _ = pdus.submissions("a" * 200, "sar", 0x1FF)
    assert dict(first.tlvs) == {0x020C: b"\x01\xff", 0x020E: b"\x02", 0x020F: b"\x01"}
    assert first.short_message == b"a" * 153


def test_receipt_type_bits() -> None:
    assert pdus.is_receipt(0x04) and pdus.is_receipt(0x08) and not pdus.is_receipt(0x40)


def test_a_receipt_prefers_its_tlvs() -> None:
    receipt = pdus.read_receipt(
        b"id:999 sub:001 dlvrd:001 submit date:2601011200 done date:2601011201 stat:DELIVRD "
        b"err:000 text:hi",
        {0x001E: b"abc\0", 0x0427: b"\x05"},
    )
    assert receipt is not None and (receipt.message_id, receipt.state) == ("abc", "UNDELIV")


@pytest.mark.parametrize(
    ("coding", "payload", "text"),
    [
        (0, b"Hi \x1be", "Hi €"),
        (8, "Привет".encode("utf-16-be"), "Привет"),
        (3, "café".encode("latin-1"), "café"),
        (1, b"ok", "ok"),
        (0x18, "Привет".encode("utf-16-be"), "Привет"),  # UCS-2 with a message class
        (0x11, b"STOP", "STOP"),  # GSM 7-bit with a message class
        (0xF1, b"Hi \x1be", "Hi €"),
    ],
)
def test_replies_are_decoded_by_data_coding(coding: int, payload: bytes, text: str) -> None:
    assert pdus.read_message(0, coding, payload, {}).text == text


def test_a_16_bit_concatenation_header_is_read() -> None:
    body = bytes([6, 8, 4, 0x12, 0x34, 3, 2]) + b"abc"
    message = pdus.read_message(0x40, 0, body, {})
    # The part keeps its payload undecoded, to be decoded with the parts it meets.
    assert (message.text, message.part) == ("abc", SmsPart(0x1234, 3, 2, b"abc", "gsm7"))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttling_lowers_the_rate_for_a_while() -> None:
    clock = FakeClock()
    gate = RateGate(tps=100, slow_seconds=10, clock=clock)
    assert gate.rate() == 100
    gate.slow_down()
    slowed = gate.rate()
    assert slowed is not None and slowed < 100
    clock.now += 11
    assert gate.rate() == 100


def test_no_limit_until_throttled() -> None:
    clock = FakeClock()
    gate = RateGate(tps=0, slow_seconds=5, clock=clock)
    assert gate.rate() is None
    gate.slow_down()
    assert gate.rate() == 1.0
    clock.now += 6
    assert gate.rate() is None
