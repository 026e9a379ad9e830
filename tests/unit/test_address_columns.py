"""The import's vectorised address check must give, value for value, what the one-by-one
check gives (the API path): the same E.164 number, the same reason, the same time zones."""

from __future__ import annotations

import phonenumbers
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.adapters.address_columns import AddressColumns
from tidings.adapters.addresses import AddressNormalizer

SEPARATORS = st.sampled_from(["", " ", "-", ".", "  ", "/"])


def _examples() -> list[str]:
    found = []
    types = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
    )
    formats = (
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.E164,
        phonenumbers.PhoneNumberFormat.NATIONAL,
    )
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in types:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found += [phonenumbers.format_number(number, f) for f in formats]
    return found


def _agree(region: str, values: list[str]) -> None:
    one = AddressNormalizer(region)
    frame = AddressColumns(one).phones(pl.Series(values, dtype=pl.String))
    for value, (address, reason, zones) in zip(values, frame.iter_rows(), strict=True):
        expected = one.phone(value)
        assert (address, reason, tuple(zones)) == (
            expected.address,
            expected.reason,
            expected.time_zones,
        ), value


@pytest.mark.parametrize("region", ["US", "GB", "DE", "JP", "AR", "CA"])
def test_example_numbers_of_every_region_agree(region: str) -> None:
    _agree(region, _examples())


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "+", "+1", "+44", "+1 ", "+81-", "011", "1", "0", "+39 0"]),
            st.sampled_from(["", "(317) ", "(0) ", "(20)", "("]),
            st.lists(st.text("0123456789", min_size=1, max_size=5), min_size=1, max_size=4),
            SEPARATORS,
        ).map(lambda t: t[0] + t[1] + t[3].join(t[2])),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["US", "GB", "IT", "AR"]),
)
def test_any_number_shaped_text_agrees(values: list[str], region: str) -> None:
    _agree(region, values)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
def test_any_text_agrees(values: list[str]) -> None:
    _agree("US", values)


def test_a_number_checked_twice_is_the_same_number() -> None:
    columns = AddressColumns(AddressNormalizer("US"))
    first = columns.phones(pl.Series(["(317) 555-0100", "+44 20 7946 0958", "3175550100"]))
    again = columns.phones(first["address"])
    assert again["address"].to_list() == first["address"].to_list()


EMAIL_ATOMS = st.text("abcXYZ09_+-.%!#'", min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            EMAIL_ATOMS,
            st.sampled_from(["@", "@@", "", " @"]),
            st.lists(st.text("abcXYZ09-", min_size=1, max_size=10), min_size=1, max_size=3),
            st.sampled_from(
                ["com", "ORG", "test", "local", "c0m", "x", "localhost", "onion", "co", ""]
            ),
        ).map(lambda t: t[0] + t[1] + ".".join(t[2]) + ("." + t[3] if t[3] else "")),
        min_size=1,
        max_size=30,
    )
)
def test_email_addresses_agree(values: list[str]) -> None:
    one = AddressNormalizer("US")
    frame = AddressColumns(one).emails(pl.Series(values, dtype=pl.String))
    for value, (address, reason, zones) in zip(values, frame.iter_rows(), strict=True):
        expected = one.email(value)
        assert (address, reason, zones) == (expected.address, expected.reason, []), value


class CountingNormalizer(AddressNormalizer):
    calls = 0

    def phone(self, raw: str):  # type: ignore[no-untyped-def]
        self.calls += 1
        return super().phone(raw)

    def email(self, raw: str):  # type: ignore[no-untyped-def]
        self.calls += 1
        return super().email(raw)


def test_common_shapes_are_settled_without_the_slow_check() -> None:
    # The import's speed depends on it: only unusual or invalid values go one by one.
    counting = CountingNormalizer("US")
    columns = AddressColumns(counting)
    columns.phones(pl.Series(["(317) 555-0100", "+44 20 7946 0958", "317.555.0101", "bad"]))
    columns.emails(pl.Series(["Ann.Lee+x@Example.com", "not an address"]))
    assert counting.calls == 2
