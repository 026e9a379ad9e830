from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidings.adapters.addresses import AddressNormalizer
from tidings.domain.contact_lists import AddressColumn, ContactList, clean_data
from tidings.domain.exports import neutralize


def _list(**changes: object) -> ContactList:
    fields: dict[str, object] = {
        "id": "l1",
        "name": "Reminders",
        "division_id": "d",
        "column_names": ["phone", "email", "first"],
        "phone_columns": [AddressColumn("phone", "cell")],
    }
    fields.update(changes)
    return ContactList(**fields)  # type: ignore[arg-type]


def test_a_sound_list_has_no_problems() -> None:
    assert _list().problems() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"column_names": [f"c{i}" for i in range(51)], "phone_columns": []}, "columnNames"),
        ({"column_names": ["a", "A"], "phone_columns": []}, "columnNames"),
        ({"phone_columns": [AddressColumn("cell", "cell")]}, "phoneColumns[0].columnName"),
        ({"phone_columns": [AddressColumn("phone", "cell", "tz")]}, "phoneColumns[0].timeColumn"),
        ({"zip_code_column_name": "first"}, "zipCodeColumnName"),
        (
            {
                "automatic_time_zone_mapping": True,
                "column_names": ["phone", "tz"],
                "phone_columns": [AddressColumn("phone", "cell", "tz")],
            },
            "phoneColumns[0]",
        ),
    ],
)
def test_broken_rules_name_their_field(changes: dict[str, object], field: str) -> None:
    assert field in {p.field_name for p in _list(**changes).problems()}


def test_data_is_trimmed_and_checked_against_the_columns() -> None:
    data, problems = clean_data(
        _list(), {"first": "  Ann ", "nope": "x", "phone": "1" * 513}, "[0]"
    )
    assert data["first"] == "Ann"
    assert {p.field_name for p in problems} == {"[0].data.nope", "[0].data.phone"}


def test_whitespace_is_kept_when_the_list_says_so() -> None:
    data, _ = clean_data(_list(trim_whitespace=False), {"first": " Ann "}, "[0]")
    assert data["first"] == " Ann "


NORMALIZER = AddressNormalizer("US")
# Area codes and exchanges that phonenumbers considers valid US numbers.
us_numbers = st.builds(
    lambda area, exchange, line: (area, exchange, line),
    st.sampled_from(["317", "212", "415", "617", "702"]),
    st.integers(200, 999).map(str),
    st.integers(0, 9999).map(lambda n: f"{n:04d}"),
)


@given(us_numbers)
def test_normalising_twice_gives_the_same_number(parts: tuple[str, str, str]) -> None:
    first = NORMALIZER.phone("".join(parts))
    if first.address is not None:
        assert NORMALIZER.phone(first.address).address == first.address


@given(
    us_numbers, st.sampled_from(["({}) {}-{}", "{}.{}.{}", "+1 {} {} {}", "1-{}-{}-{}", "{}{}{}"])
)
def test_formatting_does_not_change_the_number(parts: tuple[str, str, str], shape: str) -> None:
    plain = NORMALIZER.phone("".join(parts)).address
    assert NORMALIZER.phone(shape.format(*parts)).address == plain


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "empty"), ("12", "not a valid"), ("hello", "not a phone number")],
)
def test_unusable_numbers_say_why(raw: str, reason: str) -> None:
    check = NORMALIZER.phone(raw)
    assert check.address is None and check.reason and reason in check.reason


def test_numbers_abroad_keep_their_country_and_zone() -> None:
    check = NORMALIZER.phone("+81 3-1234-5678")
    assert check.address == "+81312345678" and check.time_zones == ("Asia/Tokyo",)


def test_a_number_checked_only_to_send_to_is_the_same_number_without_its_zone() -> None:
    check = NORMALIZER.phone("+81 3-1234-5678", zones=False)
    assert (check.address, check.reason, check.time_zones) == ("+81312345678", None, ())
    assert NORMALIZER.phone("12", zones=False).reason == NORMALIZER.phone("12").reason


def test_email_is_syntax_checked_and_its_domain_lowercased() -> None:
    assert NORMALIZER.email(" Ann@Example.COM ").address == "Ann@example.com"
    bad = NORMALIZER.email("ann@")
    assert bad.address is None and bad.reason


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("+13175550100", "+13175550100"),
        ("-5", "-5"),
        ("3.14", "3.14"),
        ("Ann", "Ann"),
    ],
)
def test_formula_cells_are_neutralised_and_numbers_kept(cell: str, shown: str) -> None:
    assert neutralize(cell) == shown


REGIONS = ["US", "GB", "DE", "FR", "JP", "IN", "BR", "AU"]
number_like = st.text(alphabet="0123456789+()-. /", min_size=1, max_size=22)
international = st.builds(
    "+{}{}".format,
    st.sampled_from(["1", "44", "49", "33", "81", "91", "55", "61", "7", "86", "353"]),
    st.integers(10**6, 10**12).map(str),
)


@given(st.one_of(number_like, international), st.sampled_from(REGIONS), st.sampled_from(REGIONS))
def test_any_number_normalised_again_anywhere_stays_the_same(
    raw: str, region: str, other_region: str
) -> None:
    """An E.164 number read again, even with another default region, is the same number
    in the same zones: what an import stored matches what the API or a DNC check computes."""
    first = AddressNormalizer(region).phone(raw)
    if first.address is None:
        assert first.reason
        return
    again = AddressNormalizer(other_region).phone(first.address)
    assert (again.address, again.time_zones) == (first.address, first.time_zones)


@given(st.emails(), st.booleans())
def test_an_address_normalised_twice_stays_the_same(address: str, shout: bool) -> None:
    first = NORMALIZER.email(address.upper() if shout else address)
    if first.address is not None:
        assert NORMALIZER.email(first.address).address == first.address
