"""CSV export files under the data directory, written in place and published by rename.

The file is what Python's csv module writes (UTF-8 with a BOM, `\\r\\n` after each row,
cells quoted only when they hold a comma, a quote or a line break): the header through the
csv module, the contacts batch by batch through polars, which quotes the same way."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import polars as pl

from tidings.adapters.exporters.contact_rows import ContactRows
from tidings.domain.contact_lists import ContactList
from tidings.domain.exports import header, neutralize


class CsvSink:
    def __init__(self, final: Path, contact_list: ContactList) -> None:
        self._final = final
        self._partial = final.with_suffix(".part")
        self._rows = ContactRows(contact_list)
        self._file: BinaryIO = open(self._partial, "wb")  # noqa: SIM115
        first = io.StringIO(newline="")
        csv.writer(first).writerow([neutralize(name) for name in header(contact_list)])
        # UTF-8 with a BOM, so spreadsheets read non-Latin text right.
        self._file.write(first.getvalue().encode("utf-8-sig"))

    def write(self, batch: pl.DataFrame) -> int:
        """`batch`: the fields of `ExportRecord`, its JSON columns as text."""
        cells = self._rows.cells(batch)
        cells.write_csv(self._file, include_header=False, line_terminator="\r\n")
        return cells.height

    def close(self) -> None:
        self._file.close()
        os.replace(self._partial, self._final)

    def abort(self) -> None:
        self._file.close()
        self._partial.unlink(missing_ok=True)


class CsvExportStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, export_id: str) -> Path:
        return self.directory / f"{export_id}.csv"

    def remove(self, export_ids: Iterable[str]) -> None:
        for export_id in export_ids:
            self.path(export_id).unlink(missing_ok=True)

    def create(self, export_id: str, contact_list: ContactList) -> CsvSink:
        self.directory.mkdir(parents=True, exist_ok=True)
        return CsvSink(self.path(export_id), contact_list)
