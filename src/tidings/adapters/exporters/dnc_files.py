"""DNC list exports as CSV files under the data directory, one folder a list: written in
place, published by rename, and only the latest kept. The files are the record of the
exports (no table): a list's newest complete file is its export, its time the file's."""

from __future__ import annotations

import csv
import os
import re
import shutil
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from tidings.domain.dnc_imports import EXPORT_HEADER, export_row
from tidings.ports import DncEntry

_ID = re.compile(r"[0-9a-f-]{36}")
# A partial file this old belongs to an export whose process died.
_STALE_SECONDS = 3600


class CsvDncExportFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _folder(self, list_id: str) -> Path:
        if not _ID.fullmatch(list_id):
            raise ValueError(f"not an id: {list_id!r}")
        return self.directory / list_id

    def write(self, list_id: str, export_id: str, batches: Iterable[list[DncEntry]]) -> int:
        folder = self._folder(list_id)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{export_id}.csv"
        partial = final.with_suffix(".part")
        rows = 0
        try:
            # UTF-8 with a BOM, so spreadsheets read non-Latin text right.
            with partial.open("w", encoding="utf-8-sig", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(EXPORT_HEADER)
                for batch in batches:
                    writer.writerows(export_row(*entry) for entry in batch)
                    rows += len(batch)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, final)
        stale = time.time() - _STALE_SECONDS
        for other in folder.iterdir():
            older = other.suffix == ".csv" or other.stat().st_mtime < stale
            if other != final and older:
                other.unlink(missing_ok=True)
        return rows

    def latest(self, list_id: str) -> tuple[str, datetime] | None:
        found = [(p.stat().st_mtime, p) for p in self._folder(list_id).glob("*.csv")]
        if not found:
            return None
        when, path = max(found)
        return path.stem, datetime.fromtimestamp(when, UTC)

    def path(self, list_id: str, export_id: str) -> Path | None:
        if not _ID.fullmatch(export_id):
            return None
        path = self._folder(list_id) / f"{export_id}.csv"
        return path if path.exists() else None

    def remove(self, list_id: str) -> None:
        """Deletes the list's exports (they hold personal data: they go with their list)."""
        shutil.rmtree(self._folder(list_id), ignore_errors=True)
