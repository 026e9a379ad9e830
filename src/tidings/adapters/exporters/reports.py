"""The report formats the services ask for (ports.ReportFormats)."""

from __future__ import annotations

from collections.abc import Sequence

from tidings.adapters.exporters.report_csv import CsvReport
from tidings.adapters.exporters.report_pdf import PdfReports
from tidings.domain.reports import ReportTable


class ReportFiles:
    def __init__(self, pdf: PdfReports | None = None) -> None:
        self._pdf = pdf or PdfReports()

    def csv(self, columns: Sequence[str]) -> CsvReport:
        return CsvReport(columns)

    def pdf(self, table: ReportTable) -> bytes:
        return self._pdf.render(table)
