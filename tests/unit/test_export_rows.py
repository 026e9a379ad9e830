"""The exporter builds its rows over whole batches with polars; the rules are the domain's
(`RowWriter`, `neutralize`). The file it writes must be, byte for byte, what the domain's
rows through Python's csv module give."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.adapters.exporters.contact_rows import neutralized
from tidings.adapters.exporters.csv_files import CsvExportStore
from tidings.domain.contact_lists import AddressColumn, ContactList
from tidings.domain.exports import ExportRecord, RowWriter, header, neutralize

FORMULA_STARTS = st.sampled_from(["=", "+", "-", "@", "\t", "\r"])
NUMBERS = st.from_regex(r"[+\-]?\d+(\.\d+)?", fullmatch=True)
CELLS = st.one_of(
    st.text(max_size=12),
    st.tuples(FORMULA_STARTS, st.text(max_size=8)).map("".join),
    st.tuples(st.just("'"), FORMULA_STARTS, st.text(max_size=8)).map("".join),  # `'=...`
    NUMBERS,
    st.tuples(NUMBERS, st.sampled_from(["", ".", "x", "\n", " ", "٣"])).map("".join),
    st.sampled_from(["", '"', '""', ",", "\r\n", "\n", " ", "'", "-", "+", "=1+1", "山田"]),
)
NAMES = st.text(min_size=1, max_size=8)


def _reference(contact_list: ContactList, records: list[ExportRecord]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([neutralize(name) for name in header(contact_list)])
    writer.writerows(RowWriter(contact_list).row(record) for record in records)
    return text.getvalue().encode("utf-8-sig")


def _exported(contact_list: ContactList, batches: list[pl.DataFrame]) -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        store = CsvExportStore(Path(directory))
        sink = store.create("export", contact_list)
        rows = sum(sink.write(batch) for batch in batches)
        sink.close()
        assert rows == sum(batch.height for batch in batches)
        return store.path("export").read_bytes()


def _json(value: object, style: int) -> str:
    """Stored JSON as its writers wrote it: orjson (compact), the standard library (with
    spaces, or ASCII escapes, or over several lines)."""
    if style == 0:
        return orjson.dumps(value).decode()
    return json.dumps(value, ensure_ascii=style == 2, indent=2 if style == 3 else None)


def _batch(records: list[ExportRecord], styles: list[int]) -> pl.DataFrame:
    """Contacts as the export source reads them: the JSON columns as their stored text."""
    return pl.DataFrame(
        {
            "id": [r.id for r in records],
            "data": [_json(r.data, style) for r, style in zip(records, styles, strict=True)],
            "callable": [r.callable for r in records],
            "priority": [r.priority for r in records],
            "phone_number_status": [
                _json(r.phone_number_status, style)
                for r, style in zip(records, styles, strict=True)
            ],
            "addresses": [
                _json(r.addresses, style) for r, style in zip(records, styles, strict=True)
            ],
            "contactable_status": [
                _json(r.contactable_status, style) for r, style in zip(records, styles, strict=True)
            ],
            **{
                f"{channel}_{item}": [getattr(r, f"{channel}_{item}") for r in records]
                for channel in ("sms", "email")
                for item in ("last_attempt", "last_result", "attempts")
            },
        },
        schema={
            "id": pl.String,
            "data": pl.String,
            "callable": pl.Boolean,
            "priority": pl.Boolean,
            "phone_number_status": pl.String,
            "addresses": pl.String,
            "contactable_status": pl.String,
            **{
                f"{channel}_{item}": pl.Int64 if item == "attempts" else pl.String
                for channel in ("sms", "email")
                for item in ("last_attempt", "last_result", "attempts")
            },
        },
    )


@st.composite
def exports(draw: Any) -> tuple[ContactList, list[ExportRecord], list[int]]:
    columns = draw(st.lists(NAMES, min_size=1, max_size=5, unique_by=str.lower))
    phones = draw(st.lists(st.sampled_from(columns), max_size=2, unique=True))
    emails = draw(
        st.lists(st.sampled_from(columns), max_size=2, unique=True).map(
            lambda chosen: [c for c in chosen if c not in phones]
        )
    )
    contact_list = ContactList(
        id="l",
        name="list",
        division_id="d",
        column_names=columns,
        phone_columns=[AddressColumn(c, "cell") for c in phones],
        email_columns=[AddressColumn(c, "personal") for c in emails],
    )
    check = st.fixed_dictionaries(
        {},
        optional={
            "raw": CELLS,
            "address": st.one_of(st.none(), CELLS),
            "reason": st.one_of(st.none(), CELLS),
            "timeZones": st.lists(
                st.one_of(st.sampled_from(["America/New_York", "Europe/London"]), CELLS),
                max_size=3,
            ),
        },
    )
    record = st.builds(
        ExportRecord,
        id=CELLS.filter(bool),
        data=st.dictionaries(st.sampled_from([*columns, "gone"]), CELLS),
        callable=st.booleans(),
        priority=st.booleans(),
        phone_number_status=st.dictionaries(st.sampled_from(columns), st.booleans()),
        addresses=st.dictionaries(st.sampled_from(columns), check),
        contactable_status=st.dictionaries(
            st.sampled_from(["SMS", "Email", "Voice"]),
            st.fixed_dictionaries({}, optional={"contactable": st.booleans()}),
        ),
        sms_last_attempt=st.one_of(st.none(), st.just("2026-11-26 18:00:01.000500")),
        sms_last_result=st.one_of(st.none(), CELLS),
        sms_attempts=st.integers(0, 1000),
        email_last_attempt=st.one_of(st.none(), st.just("2026-01-02 03:04:05")),
        email_last_result=st.one_of(st.none(), st.just("OUTBOUND_MESSAGE_SENT")),
        email_attempts=st.integers(0, 3),
    )
    records = draw(st.lists(record, min_size=1, max_size=12))
    styles = draw(st.lists(st.integers(0, 3), min_size=len(records), max_size=len(records)))
    return contact_list, records, styles


@settings(max_examples=100, deadline=None)
@given(exports(), st.integers(1, 4))
def test_the_file_is_what_the_domain_rows_give(
    export: tuple[ContactList, list[ExportRecord], list[int]], batch_rows: int
) -> None:
    contact_list, records, styles = export
    batches = [
        _batch(records[n : n + batch_rows], styles[n : n + batch_rows])
        for n in range(0, len(records), batch_rows)
    ]
    assert _exported(contact_list, batches) == _reference(contact_list, records)


def test_a_list_without_address_columns_and_a_contact_without_anything() -> None:
    contact_list = ContactList(id="l", name="list", division_id="d", column_names=["a", "=b"])
    record = ExportRecord("=id", {}, False, True, {}, {})
    assert _exported(contact_list, [_batch([record], [0])]) == _reference(contact_list, [record])


@settings(max_examples=200, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=50))
def test_neutralising_a_column_is_neutralising_each_cell(cells: list[str]) -> None:
    column = pl.DataFrame({"cell": cells}, schema={"cell": pl.String})
    got = column.select(neutralized(pl.col("cell"))).to_series().to_list()
    assert got == [neutralize(cell) for cell in cells]


def test_every_digit_python_knows_is_a_digit_of_a_plain_number() -> None:
    """Python's `\\d` and polars' differ in their Unicode version; the exporter follows
    Python's, digit by digit."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    digits = re.findall(r"\d", every)
    others = ["\u066b", "\u2167", "\u00b2", "\u00bd", "\U0001d7d8", "a", "."]
    cells = [
        f"{sign}{digit}{tail}" for sign in "+-" for digit in digits + others for tail in ("", ".1")
    ]
    column = pl.DataFrame({"cell": cells}, schema={"cell": pl.String})
    got = column.select(neutralized(pl.col("cell"))).to_series().to_list()
    assert got == [neutralize(cell) for cell in cells]


def test_columns_named_like_patterns_are_plain_names() -> None:
    names = ["*", "^a$", "phone", "a.b", "[x]"]
    contact_list = ContactList(
        id="l",
        name="list",
        division_id="d",
        column_names=names,
        phone_columns=[AddressColumn("*", "cell"), AddressColumn("^a$", "cell")],
        email_columns=[AddressColumn("a.b", "personal")],
    )
    check = {"address": "+13175550100", "reason": None, "timeZones": ["America/New_York"]}
    record = ExportRecord(
        "c1",
        {name: f"-{name}" for name in names},
        True,
        False,
        {"^a$": False},
        {"*": check, "^a$": check, "a.b": {"address": None, "reason": "bad", "timeZones": []}},
    )
    assert _exported(contact_list, [_batch([record], [0])]) == _reference(contact_list, [record])
