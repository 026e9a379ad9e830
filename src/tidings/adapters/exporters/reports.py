"""The report formats the services ask for (ports.ReportFormats)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tidings.adapters.exporters.report_csv import CsvReport
from tidings.domain.reports import ReportTable

if TYPE_CHECKING:
    from tidings.adapters.exporters.report_pdf import PdfReports


class ReportFiles:
    def __init__(self, pdf: PdfReports | None = None) -> None:
        self._pdf = pdf

    def csv(self, columns: Sequence[str]) -> CsvReport:
        return CsvReport(columns)

    def pdf(self, table: ReportTable) -> bytes:
        if self._pdf is None:
            # Imported on the first PDF: fpdf2 adds a quarter of a second to the start of
            # every process (each CLI command, each API worker), and most never draw one.
            from tidings.adapters.exporters.report_pdf import PdfReports

            self._pdf = PdfReports()
        return self._pdf.render(table)
