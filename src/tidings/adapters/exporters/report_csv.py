"""Report rows as CSV, a chunk at a time: UTF-8 with a byte order mark (spreadsheets then read
non-Latin text right), `\\r\\n` after each row, every cell neutralised so a spreadsheet shows
`=...` as text instead of running it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from tidings.domain.exports import neutralize


class CsvReport:
    def __init__(self, columns: Sequence[str]) -> None:
        self._columns = list(columns)

    def head(self) -> bytes:
        return b"\xef\xbb\xbf" + self._encode([self._columns])

    def rows(self, rows: Sequence[Sequence[str]]) -> bytes:
        return self._encode(rows)

    @staticmethod
    def _encode(rows: Sequence[Sequence[str]]) -> bytes:
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows([neutralize(cell) for cell in row] for row in rows)
        return buffer.getvalue().encode("utf-8")
