"""The Twilio protocol facts: the webhook signature (checked against Twilio's own
RequestValidator), what a status callback means, the sms_url, and the request pace."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tidings.adapters.sms.twilio import Pace, TwilioAccount, _retry_after
from tidings.config import ConfigError
from tidings.domain.receipts import Receipt
from tidings.domain.twilio import compute_signature, receipt_for_status, signature_matches

DOCUMENTED_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOCUMENTED_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


def test_the_documented_example_signs_as_twilio_says() -> None:
    signature = compute_signature("12345", DOCUMENTED_URL, DOCUMENTED_PARAMS.items())
    assert signature == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert signature_matches("12345", DOCUMENTED_URL, DOCUMENTED_PARAMS.items(), signature)


# Names and values as a form carries them: any text, including empty and non-ASCII.
_params = st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=30), max_size=8)
_urls = st.sampled_from(
    [
        "https://example.com/webhooks/twilio/status",
        "https://example.com:443/webhooks/twilio/inbound?x=1&y=%C3%A9",
        "http://127.0.0.1:8080/webhooks/twilio/status",
        "http://example.org/a/b?bodySHA=ignored",
        "https://example.com:8443/webhooks/twilio/status",
    ]
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(token=st.text(min_size=1, max_size=40), url=_urls, params=_params)
def test_our_signature_is_the_reference_implementations(
    token: str, url: str, params: dict[str, str]
) -> None:
    reference = RequestValidator(token)
    ours = compute_signature(token, url, params.items())
    assert ours == reference.compute_signature(url, params)
    assert signature_matches(token, url, params.items(), ours) == reference.validate(
        url, params, ours
    )


@settings(max_examples=100, deadline=None, derandomize=True)
@given(params=_params, forged=st.text(max_size=40))
def test_a_signature_of_other_params_or_another_token_does_not_match(
    params: dict[str, str], forged: str
) -> None:
    url = "https://example.com/webhooks/twilio/status"
    tampered = {**params, "MessageStatus": "delivered-" + forged}
    signature = compute_signature("token", url, params.items())
    assert not signature_matches("token", url, tampered.items(), signature)
    assert not signature_matches("other", url, params.items(), signature)
    assert signature_matches("token", url, params.items(), signature)


def test_repeated_names_sign_each_value_in_order() -> None:
    url = "https://example.com/in"
    signature = compute_signature("t", url, [("MediaUrl", "b"), ("A", "1"), ("MediaUrl", "a")])
    assert signature == compute_signature(
        "t", url, [("A", "1"), ("MediaUrl", "a"), ("MediaUrl", "b")]
    )


@pytest.mark.parametrize(
    ("signed_url", "our_url"),
    [
        ("https://example.com:443/w", "https://example.com/w"),
        ("https://example.com/w", "https://example.com:443/w"),
        ("http://example.com:80/w?q=1", "http://example.com/w?q=1"),
        ("http://example.com/w", "http://example.com:80/w"),
        ("https://Tidings.Example.com/w", "https://Tidings.Example.com/w"),
        ("https://Tidings.Example.com:443/w", "https://Tidings.Example.com/w"),
        ("https://u:p@Tidings.Example.com:8443/w", "https://u:p@Tidings.Example.com:8443/w"),
    ],
)
def test_an_explicit_default_port_may_be_there_or_not(signed_url: str, our_url: str) -> None:
    """The public URL as configured, capitals in its host included: Twilio signs it so."""
    signature = compute_signature("tok", signed_url, [("a", "b")])
    assert RequestValidator("tok").validate(our_url, {"a": "b"}, signature)
    assert signature_matches("tok", our_url, [("a", "b")], signature)


@pytest.mark.parametrize("signature", [None, "", "not base64", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="])
def test_a_missing_or_wrong_signature_does_not_match(signature: str | None) -> None:
    assert not signature_matches("tok", "https://example.com/w", [("a", "b")], signature)


@pytest.mark.parametrize(
    ("status", "error", "receipt"),
    [
        ("delivered", None, Receipt("SM1", "DELIVRD")),
        ("undelivered", "30003", Receipt("SM1", "UNDELIV", "30003")),
        ("failed", "30008", Receipt("SM1", "REJECTD", "30008")),
        ("sent", "", Receipt("SM1", "ENROUTE")),
        ("Delivered", "0", Receipt("SM1", "DELIVRD")),
        ("canceled", None, Receipt("SM1", "DELETED")),
        ("queued", None, None),
        ("sending", None, None),
        ("accepted", None, None),
        ("something-new", None, None),
    ],
)
def test_a_status_callback_becomes_a_receipt(
    status: str, error: str | None, receipt: Receipt | None
) -> None:
    assert receipt_for_status("SM1", status, error) == receipt


def _outcome(status: str) -> str | None:
    receipt = receipt_for_status("SM1", status)
    assert receipt is not None
    return receipt.outcome


def test_final_statuses_say_whether_the_message_arrived() -> None:
    assert _outcome("delivered") == "delivery-success"
    assert _outcome("undelivered") == "delivery-failed"
    assert _outcome("failed") == "delivery-failed"
    assert _outcome("sent") is None  # in transit: not final


def test_the_sms_url_names_account_host_and_limits() -> None:
    account = TwilioAccount.from_url("twilio://AC123:s%40cret%2F@10.0.0.5:8080?scheme=http&tps=5")
    assert account == TwilioAccount("AC123", "s@cret/", "http://10.0.0.5:8080", 20, 5.0)
    assert account.messages_url == "http://10.0.0.5:8080/2010-04-01/Accounts/AC123/Messages.json"


def test_the_sms_url_defaults_to_twilio_over_https() -> None:
    account = TwilioAccount.from_url("twilio://AC1:tok@?concurrency=4")
    assert (account.base_url, account.concurrency, account.tps) == (
        "https://api.twilio.com",
        4,
        0.0,
    )


@pytest.mark.parametrize(
    "url",
    [
        "twilio://AC1@api.twilio.com",
        "twilio://:tok@api.twilio.com",
        "twilio://AC1:tok@host?scheme=ftp",
        "twilio://AC1:tok@host?concurrency=0",
        "twilio://AC1:tok@host?concurrency=many",
        "twilio://AC1:tok@host?tps=-1",
        "twilio://AC1:tok@host?window=3",
        "twilio://AC1:tok@host:notaport",
        "smpp://AC1:tok@host",
    ],
)
def test_a_bad_sms_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError):
        TwilioAccount.from_url(url)


async def test_the_pace_spaces_request_starts() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))

    pace = Pace(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await pace.wait()
    assert slept == [0.25, 0.5, 0.75]
    now[0] = 200.0  # long idle: no credit is saved up beyond the next slot
    await pace.wait()
    await pace.wait()
    assert slept[3:] == [0.25]


async def test_no_tps_means_no_waiting() -> None:
    async def sleep(seconds: float) -> None:
        raise AssertionError("slept")

    pace = Pace(0, sleep=sleep)
    for _ in range(10):
        await pace.wait()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("0.5", 0.5),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(
    header: str | None, seconds: float | None
) -> None:
    assert _retry_after(header) == seconds
