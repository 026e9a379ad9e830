"""Where an import keeps its files: the upload, the staged rows, the rejects file."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path


class ImportDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, import_id: str) -> Path:
        return self.root / import_id

    def upload(self, import_id: str) -> Path:
        return self.directory(import_id) / "upload.csv"

    def rejects(self, import_id: str) -> Path:
        return self.directory(import_id) / "rejects.csv"

    def clean(self, import_id: str) -> None:
        directory = self.directory(import_id)
        if not directory.exists():
            return
        for path in directory.iterdir():
            if path.name != "rejects.csv":
                path.unlink(missing_ok=True)

    def remove(self, import_ids: Iterable[str]) -> None:
        for import_id in import_ids:
            shutil.rmtree(self.directory(import_id), ignore_errors=True)
