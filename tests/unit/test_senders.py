"""Which sender numbers and domains are accepted, the records a domain is asked to publish,
and how a DNS answer is judged."""

from __future__ import annotations

import pytest

from tidings.adapters.sender_numbers import PhonenumbersParser
from tidings.domain.errors import InvalidInput
from tidings.domain.senders import (
    DnsLookup,
    DnsRecord,
    EmailDomain,
    checked_sender,
    dmarc_check,
    domain_name,
    records_to_publish,
    sender_key,
    status_from_filter,
    verdict,
)

PARSE = PhonenumbersParser("US").parse


def _fields(number: str, kind: str, country: str | None = None) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        checked_sender(number, kind, country, PARSE)
    return [d.field_name for d in refused.value.details]


@pytest.mark.parametrize(
    ("number", "kind", "country", "stored"),
    [
        ("(317) 555-0100", "local", None, ("+13175550100", "US")),
        ("+1 317 555 0100", "mobile", "us", ("+13175550100", "US")),
        ("020 7946 0958", "local", "GB", ("+442079460958", "GB")),
        ("+44 7123 456789", "mobile", None, ("+447123456789", "GB")),
        ("+44 7911 123456", "mobile", None, ("+447911123456", "GG")),  # Guernsey's, in +44
        ("+44 7911 123456", "mobile", "GB", None),  # refused: the numbering plan says GG
        ("+1 416 555 0123", "local", "US", None),  # Canadian
        ("1-800-555-0199", "tollfree", None, ("+18005550199", "US")),
        ("12345", "shortcode", "us", ("12345", "US")),
        (" 747 ", "shortcode", "GB", ("747", "GB")),
        ("Tidings", "alphanumeric", None, ("Tidings", None)),
        ("My Shop 24", "alphanumeric", "DE", ("My Shop 24", "DE")),
    ],
)
def test_accepted_senders_are_stored_in_their_canonical_form(
    number: str, kind: str, country: str | None, stored: tuple[str, str | None] | None
) -> None:
    if stored is None:
        assert _fields(number, kind, country) == ["countryCode"]
    else:
        assert checked_sender(number, kind, country, PARSE) == stored


@pytest.mark.parametrize(
    ("number", "kind", "country", "field"),
    [
        ("12", "local", None, "phoneNumber"),
        ("not a number", "mobile", None, "phoneNumber"),
        ("+1 317 555 0100", "local", "GB", "countryCode"),  # the number is American
        ("+1 317 555 0100", "tollfree", None, "phoneNumberType"),
        ("1-800-555-0199", "local", None, "phoneNumberType"),
        ("12345", "shortcode", None, "countryCode"),
        ("12", "shortcode", "US", "phoneNumber"),
        ("123456789", "shortcode", "US", "phoneNumber"),
        ("12a45", "shortcode", "US", "phoneNumber"),
        ("12345", "alphanumeric", None, "phoneNumber"),  # no letter
        ("TooLongSender", "alphanumeric", None, "phoneNumber"),  # 13 characters
        ("Shop!", "alphanumeric", None, "phoneNumber"),
        ("+13175550100", "landline", None, "phoneNumberType"),
        ("+13175550100", "outdated_sdk_version", None, "phoneNumberType"),
        ("+13175550100", "local", "USA", "countryCode"),
    ],
)
def test_refused_senders_name_the_field(
    number: str, kind: str, country: str | None, field: str
) -> None:
    assert field in _fields(number, kind, country)


def test_sender_lookups_ignore_the_case_of_alphanumeric_ids() -> None:
    assert sender_key(" TIDINGS ") == sender_key("tidings")
    assert sender_key("+13175550100") == "+13175550100"


def test_status_filters_are_lower_case_with_hyphens() -> None:
    assert status_from_filter("pending-cancellation") == "PENDING_CANCELLATION"
    assert status_from_filter("Active") == "ACTIVE"
    assert status_from_filter("retired") is None


@pytest.mark.parametrize(
    ("raw", "name"),
    [("Example.COM", "example.com"), ("mail.example.co.uk.", "mail.example.co.uk")],
)
def test_domain_names_are_kept_in_lower_case(raw: str, name: str) -> None:
    assert domain_name(raw) == name


@pytest.mark.parametrize(
    "raw",
    [
        "localhost",
        "-bad.example.com",
        "bad-.example.com",
        "a..b.com",
        "exa mple.com",
        "b\u00fccher.de",
        "x" * 64 + ".com",
        "example.123",
        "under_score.com",
    ],
)
def test_bad_domain_names_name_the_id(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        domain_name(raw)
    assert [d.field_name for d in refused.value.details] == ["id"]


def test_records_to_publish() -> None:
    dkim, bounce, spf = records_to_publish("example.com", "tidings1", "MIIB", "Mail.Tidings.Test.")
    assert (dkim.type, dkim.name, dkim.value) == (
        "TXT",
        "tidings1._domainkey.example.com",
        "v=DKIM1; k=rsa; p=MIIB",
    )
    assert (bounce.type, bounce.name, bounce.value) == (
        "CNAME",
        "bounce.example.com",
        "mail.tidings.test",
    )
    assert (spf.type, spf.name, spf.value) == (
        "TXT",
        "example.com",
        "v=spf1 a:mail.tidings.test ~all",
    )
    assert [r.purpose for r in records_to_publish("example.com", "s", "MIIB", "")] == ["dkim"]


DKIM = DnsRecord("dkim", "TXT", "s._domainkey.example.com", "v=DKIM1; k=rsa; p=AAAA")
BOUNCE = DnsRecord("bounce", "CNAME", "bounce.example.com", "mail.tidings.test")
SPF = DnsRecord("spf", "TXT", "example.com", "v=spf1 a:mail.tidings.test ~all")


@pytest.mark.parametrize(
    ("record", "lookup", "expected"),
    [
        (DKIM, DnsLookup("found", ("v=DKIM1; k=rsa; p=AAAA",)), "VERIFIED"),
        (DKIM, DnsLookup("found", ("v=DKIM1;k=rsa; t=y;\tp=AA AA",)), "VERIFIED"),
        (DKIM, DnsLookup("found", ("v=DKIM1; k=rsa; p=BBBB",)), "FAILED"),
        (DKIM, DnsLookup("found", ("v=DKIM1; k=rsa; p=",)), "FAILED"),  # revoked
        (DKIM, DnsLookup("missing"), "PENDING"),
        (DKIM, DnsLookup("error"), "UNKNOWN"),
        (BOUNCE, DnsLookup("found", ("Mail.Tidings.Test.",)), "VERIFIED"),
        (BOUNCE, DnsLookup("found", ("elsewhere.example.net.",)), "FAILED"),
        (BOUNCE, DnsLookup("missing"), "PENDING"),
        (
            SPF,
            DnsLookup("found", ("v=spf1 include:_spf.google.com a:mail.tidings.test -all",)),
            "VERIFIED",
        ),
        (SPF, DnsLookup("found", ("v=spf1 include:mail.tidings.test ~all",)), "VERIFIED"),
        (SPF, DnsLookup("found", ("google-site-verification=x", "v=spf1 mx -all")), "FAILED"),
        (SPF, DnsLookup("found", ("google-site-verification=x",)), "PENDING"),
    ],
)
def test_verdicts(record: DnsRecord, lookup: DnsLookup, expected: str) -> None:
    assert verdict(record, lookup) == expected


def test_a_domain_is_verified_when_its_dkim_and_bounce_records_are() -> None:
    def domain(*statuses: str) -> EmailDomain:
        records = [
            DnsRecord(r.purpose, r.type, r.name, r.value, s)
            for r, s in zip((DKIM, BOUNCE, SPF), statuses, strict=False)
        ]
        return EmailDomain("example.com", "example.com", "s", b"", records)

    assert domain("VERIFIED", "VERIFIED", "FAILED").verified  # the SPF hint is advice
    assert not domain("VERIFIED", "PENDING", "VERIFIED").verified
    assert domain("VERIFIED").verified  # no bounce host configured
    assert not domain().verified
    assert domain("VERIFIED", "VERIFIED").bounce_domain == "bounce.example.com"


@pytest.mark.parametrize(
    ("values", "status", "policy"),
    [
        (("v=DMARC1; p=reject; rua=mailto:d@example.com",), "Valid", "reject"),
        (("v=DMARC1;p=Quarantine",), "Valid", "quarantine"),
        (("v=DMARC1; rua=mailto:d@example.com",), "Invalid", "unknown"),
        (("v=DMARC1; p=none", "v=DMARC1; p=reject"), "Invalid", "unknown"),
        (("something else",), "NotPresent", "unknown"),
    ],
)
def test_dmarc(values: tuple[str, ...], status: str, policy: str) -> None:
    found = dmarc_check(DnsLookup("found", values))
    assert found is not None and (found.status, found.policy) == (status, policy)
    assert dmarc_check(DnsLookup("missing")) == dmarc_check(DnsLookup("found", ()))
    assert dmarc_check(DnsLookup("error")) is None
