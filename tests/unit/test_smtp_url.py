"""TIDINGS_SMTP_URL: what each form means, and the mistakes that stop start-up."""

from __future__ import annotations

import ssl

import pytest

from tidings.adapters.email.smtp_url import SmtpSettings, parse_smtp_url
from tidings.config import ConfigError


def test_a_bare_url_takes_the_defaults() -> None:
    assert parse_smtp_url("smtp://relay.example") == SmtpSettings(host="relay.example", port=25)


def test_every_option() -> None:
    settings = parse_smtp_url(
        "smtp://us%40er:p%40ss%3Aw@relay.example:587"
        "?connections=8&starttls=always&timeout=12.5&ca_file=/etc/relay-ca.pem&helo=mta.example"
    )
    assert settings == SmtpSettings(
        host="relay.example",
        port=587,
        username="us@er",
        password="p@ss:w",
        starttls="always",
        connections=8,
        timeout=12.5,
        ca_file="/etc/relay-ca.pem",
        helo="mta.example",
    )
    assert settings.describe() == "smtp://us@er@relay.example:587"  # no password in logs


def test_smtps_is_implicit_tls_on_465() -> None:
    settings = parse_smtp_url("smtps://relay.example")
    assert (settings.port, settings.implicit_tls, settings.starttls) == (465, True, "never")
    assert settings.uses_tls


def test_verify_false_trusts_any_certificate() -> None:
    context = parse_smtp_url("smtps://relay.example?verify=false").tls_context()
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname
    strict = parse_smtp_url("smtps://relay.example").tls_context()
    assert strict.verify_mode == ssl.CERT_REQUIRED and strict.check_hostname


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://relay.example", "smtp:// or smtps://"),
        ("simulator:", "smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://relay.example:99999", "port"),
        ("smtp://relay.example?pool=4", "unknown options: pool"),
        ("smtp://relay.example?connections=0", "connections"),
        ("smtp://relay.example?connections=many", "connections must be a number"),
        ("smtp://relay.example?starttls=sometimes", "starttls"),
        ("smtps://relay.example?starttls=always", "already TLS"),
        ("smtp://relay.example?timeout=0", "timeout"),
        ("smtp://relay.example?verify=maybe", "verify"),
    ],
)
def test_mistakes_are_named(url: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        parse_smtp_url(url)
