"""CSV export files under the data directory, written in place and published by rename."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO


class CsvSink:
    def __init__(self, final: Path) -> None:
        self._final = final
        self._partial = final.with_suffix(".part")
        # UTF-8 with a BOM, so spreadsheets read non-Latin text right.
        self._file: TextIO = open(self._partial, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file)

    def write(self, rows: Iterable[Sequence[str]]) -> None:
        self._writer.writerows(rows)

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

    def create(self, export_id: str) -> CsvSink:
        self.directory.mkdir(parents=True, exist_ok=True)
        return CsvSink(self.path(export_id))
