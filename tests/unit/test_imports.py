"""How a CSV header maps onto a contact list, and what refuses a file whole."""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
import pytest

from tidings.adapters.imports.csv_blocks import as_written
from tidings.domain.contact_lists import AddressColumn, ContactList
from tidings.domain.exports import neutralize
from tidings.domain.imports import (
    COMPLETE,
    IN_PROGRESS,
    ContactImport,
    FileRejected,
    StagedParts,
    StagingFailed,
    plan_import,
)


def _list(**changes: object) -> ContactList:
    values: dict[str, object] = {
        "id": "l",
        "name": "L",
        "division_id": "d",
        "column_names": ["Phone", "Email", "Name", "Zip"],
        "phone_columns": [AddressColumn("Phone", "cell")],
        "email_columns": [AddressColumn("Email", "work")],
    }
    values.update(changes)
    return ContactList(**values)  # type: ignore[arg-type]


def test_headers_match_regardless_of_case_and_spaces() -> None:
    plan = plan_import(_list(), [" name", "EMAIL ", "phone", "Extra"], None)
    assert plan.columns == ((2, "Phone"), (1, "Email"), (0, "Name"))
    assert plan.width == 4
    assert plan.warnings == (
        "Columns not in the file, left empty: Zip",
        "Columns not in the list, ignored: Extra",
    )


def test_a_list_whose_column_names_end_in_a_space_takes_a_file_with_that_header() -> None:
    spaced = _list(
        column_names=["Phone ", "Email"],
        phone_columns=[AddressColumn("Phone ", "cell")],
        email_columns=[AddressColumn("Email", "work")],
    )
    assert plan_import(spaced, ["Phone ", "Email"], None).columns == ((0, "Phone "), (1, "Email"))


def test_a_file_without_an_address_column_of_the_list_is_refused() -> None:
    with pytest.raises(FileRejected, match="'Email'"):
        plan_import(_list(), ["Phone", "Name"], None)


def test_the_zip_column_is_required_when_zones_come_from_it() -> None:
    mapped = _list(automatic_time_zone_mapping=True, zip_code_column_name="Zip")
    with pytest.raises(FileRejected, match="'Zip'"):
        plan_import(mapped, ["Phone", "Email"], None)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["", " "], "no header"),
        (["Phone", "Email", "phone"], "twice"),
        (["Phone", "Email", "x" * 129], "longer than 128"),
        (["Phone", "Email", *[f"c{i}" for i in range(300)]], "at most 200"),
    ],
)
def test_broken_headers_are_refused(header: list[str], message: str) -> None:
    with pytest.raises(FileRejected, match=message):
        plan_import(_list(), header, None)


def test_the_contact_id_column_must_be_in_the_file() -> None:
    plan = plan_import(_list(), ["Phone", "Email", "Key"], "key")
    assert plan.contact_id_position == 2
    assert not any("Key" in warning for warning in plan.warnings)  # read, not ignored
    with pytest.raises(FileRejected) as refused:
        plan_import(_list(), ["Phone", "Email"], "Key")
    assert refused.value.details[0].field_name == "contact-id-name"


def test_an_import_shows_100_percent_only_once_complete() -> None:
    job = ContactImport("i", "l", IN_PROGRESS, total_records=200, completed_records=200)
    assert job.percent_complete == 99
    job.state = COMPLETE
    assert job.percent_complete == 100
    assert ContactImport("i", "l", IN_PROGRESS).percent_complete == 0


def test_staged_parts_pass_between_threads_and_end_once() -> None:
    parts = StagedParts()
    taken: list[Path] = []
    reader = threading.Thread(target=lambda: taken.extend(parts))
    reader.start()
    parts.put(Path("a"))
    parts.put(Path("b"))
    parts.finish()
    reader.join(5)
    assert taken == [Path("a"), Path("b")]
    assert list(parts) == []  # the end was seen: no waiting for another
    assert parts.received == [Path("a"), Path("b")]


def test_staged_parts_report_a_failed_reading() -> None:
    parts = StagedParts()
    parts.put(Path("a"))
    parts.fail()
    with pytest.raises(StagingFailed):
        list(parts)
    with pytest.raises(StagingFailed):
        list(parts)


@pytest.mark.parametrize("value", ["=1+1", "+tag@example.com", "-7", "@home", "'=x", "'-", "it's"])
def test_an_exported_cell_reads_back_as_itself(value: str) -> None:
    """What an export writes (an apostrophe before a cell a spreadsheet would run) and an
    import reads (without it) give the value back."""
    written = pl.DataFrame({"c0": [neutralize(value)]})
    assert as_written(written, [0])["c0"].to_list() == [value]
