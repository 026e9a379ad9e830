"""DNC uploads: which columns of a file are read, and that an uploaded value is stored
exactly as the API stores it (so `(317) 555-0100` in a file blocks `+13175550100`)."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidings.adapters.address_columns import AddressColumns
from tidings.adapters.addresses import AddressNormalizer
from tidings.adapters.imports.dnc_csv import CsvDncReader
from tidings.domain.dnc import DncList, email_key
from tidings.domain.dnc_imports import EITHER, EMAIL, PHONE, column_names, plan_dnc_import
from tidings.domain.errors import InvalidInput
from tidings.domain.imports import FileRejected


def _list(method: str) -> DncList:
    return DncList("l", "L", "d", method)


@pytest.mark.parametrize(
    ("method", "header", "expected"),
    [
        ("Phone", ["Account number", "Mobile Phone", "Name"], [(1, PHONE)]),  # phone first
        ("Phone", ["Name", "Number"], [(1, PHONE)]),
        ("Phone", ["Blocked", "Note"], [(0, PHONE)]),  # else the first column
        ("Email", ["Name", "E-Mail", "Work email"], [(1, EMAIL), (2, EMAIL)]),
        ("Any", ["Phone", "Email"], [(0, PHONE), (1, EMAIL)]),
        ("Any", ["Blocked"], [(0, EITHER)]),
    ],
)
def test_columns_are_recognised_by_their_names(
    method: str, header: list[str], expected: list[tuple[int, str]]
) -> None:
    plan = plan_dnc_import(_list(method), header, [], [])
    assert [(position, kind) for position, _, kind in plan.columns] == expected
    assert plan.width == len(header)


def test_named_columns_match_regardless_of_case_and_spaces() -> None:
    plan = plan_dnc_import(_list("Any"), [" MOBILE ", "home", "Mail"], ["Mobile", "Home"], ["mail"])
    assert [(p, k) for p, _, k in plan.columns] == [(0, PHONE), (1, PHONE), (2, EMAIL)]
    assert column_names(" Mobile, ,Home ") == ["Mobile", "Home"]


@pytest.mark.parametrize(
    ("method", "header", "phones", "emails", "message"),
    [
        ("Phone", ["Phone"], ["Mobile"], [], "'Mobile' is not in"),
        ("Phone", ["Phone", "phone"], ["Phone"], [], "twice"),
        ("Any", ["A"], ["A"], ["A"], "named twice"),
        ("Phone", ["Email"], [], [], "holds Phone entries"),
        ("Phone", ["", " "], [], [], "no header"),
    ],
)
def test_a_header_that_does_not_fit_refuses_the_file(
    method: str, header: list[str], phones: list[str], emails: list[str], message: str
) -> None:
    with pytest.raises(FileRejected, match=message):
        plan_dnc_import(_list(method), header, phones, emails)


def test_named_columns_must_fit_the_contact_method() -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_dnc_import(_list("Email"), ["Phone"], ["Phone"], [])
    assert refused.value.details[0].field_name == "phoneColumns"


def _staged(tmp_path: Path, values: list[str], kind: str) -> dict[int, str | None]:
    """Each value's stored form (None: refused), through the reader as an upload goes."""
    source = tmp_path / "upload.csv"
    with source.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["value", "row"])
        writer.writerows([value, n] for n, value in enumerate(values))
    method = {PHONE: "Phone", EMAIL: "Email", EITHER: "Any"}[kind]
    plan = plan_dnc_import(_list(method), ["value", "row"], [], [])
    reader = CsvDncReader(AddressColumns(AddressNormalizer("US")))
    header = reader.header(source)
    staged = reader.stage(source, header, plan, tmp_path / "staged", lambda _: None, lambda _: None)
    found = pl.concat([pl.read_ipc(part) for part in staged.parts])
    stored: dict[int, str | None] = {n: None for n in range(len(values))}
    for row, _, address in found.iter_rows():
        stored[row - 2] = address
    return stored


def _api_key(value: str, kind: str) -> str | None:
    """What the JSON API stores for `value` (DncService._keys), None if it refuses it."""
    one = AddressNormalizer("US")
    if kind == EMAIL:
        address = one.email(value).address
        return None if address is None else email_key(address)
    return one.phone(value).address


PHONES = st.tuples(
    st.sampled_from(["", "+1 ", "1-", "+44 ", "(", "+1(", "00"]),
    st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=1, max_size=4),
    st.sampled_from(["", " ", "-", ".", ") "]),
).map(lambda t: t[0] + t[2].join(t[1]))
EMAILS = st.tuples(
    st.sampled_from(["ann", "Ann.Lee", "ÜLLA", "straße", "o'neil", "=x", "a..b", ""]),
    st.sampled_from(["@Example.COM", "@bücher.ch", "@xn--bcher-kva.ch", "@localhost", "@a"]),
).map("".join)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(PHONES, min_size=1, max_size=30), st.lists(EMAILS, min_size=1, max_size=30))
def test_an_uploaded_value_is_stored_as_the_api_stores_it(
    tmp_path: Path, phones: list[str], emails: list[str]
) -> None:
    for kind, values in ((PHONE, phones), (EMAIL, emails)):
        stored = _staged(tmp_path, values, kind)
        for n, value in enumerate(values):
            if value.strip():
                assert stored[n] == _api_key(value, kind), value


def test_an_any_column_reads_a_value_with_at_as_an_address(tmp_path: Path) -> None:
    stored = _staged(tmp_path, ["(317) 555-0100", "Ann@Example.com", "12"], EITHER)
    assert stored == {0: "+13175550100", 1: "ann@example.com", 2: None}
