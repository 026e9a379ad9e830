"""A report as exported to a file: a titled table, the filters that chose its rows, when it
was made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

CSV = "csv"
PDF = "pdf"
FORMATS = (CSV, PDF)
# A PDF is built whole in memory (and a person reads it): past this, export CSV.
MAX_PDF_ROWS = 10_000


@dataclass(frozen=True)
class ReportTable:
    title: str
    filters: Sequence[str]
    generated_at: datetime
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] = ()  # relative column widths; equal when empty
