"""Report files as a user opens them: a CSV a spreadsheet reads right (BOM, no formulas run),
a PDF whose pages are numbered and whose text, Japanese included, can be found again."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from pypdf import PdfReader

from tidings.adapters.exporters.report_csv import CsvReport
from tidings.adapters.exporters.report_pdf import PdfReports
from tidings.domain.reports import ReportTable

COLUMNS = ["id", "to", "text"]
JAPANESE = "お荷物は本日届きます"
OTHERS = ["Привет", "Γειά σου", "שלום", "안녕하세요", "你好"]  # noqa: RUF001


def _csv(rows: list[list[str]]) -> bytes:
    writer = CsvReport(COLUMNS)
    return writer.head() + writer.rows(rows[:1]) + writer.rows(rows[1:])


def test_the_csv_opens_with_a_bom_and_runs_no_formula() -> None:
    data = _csv(
        [
            ["1", "+13175550100", '=HYPERLINK("http://evil")'],
            ["2", "-5", f'{JAPANESE}, "quoted"\nsecond line'],
            ["3", "@SUM(A1)", "+cmd|' /C calc'!A0"],
        ]
    )
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [
        COLUMNS,
        ["1", "+13175550100", '\'=HYPERLINK("http://evil")'],  # a plain number stays
        ["2", "-5", f'{JAPANESE}, "quoted"\nsecond line'],
        ["3", "'@SUM(A1)", "'+cmd|' /C calc'!A0"],
    ]
    assert data.count(b"\r\n") == 4  # one per record; the embedded newline is quoted


def _table(count: int) -> ReportTable:
    rows = [
        [f"row-{n:05d}", "+13175550100", f"{JAPANESE} {OTHERS[n % len(OTHERS)]} #{n}"]
        for n in range(count)
    ]
    return ReportTable(
        title="Interactions",
        filters=["interval: 2024-05-01T00:00:00Z / 2024-05-02T00:00:00Z", "segment: a = b"],
        generated_at=datetime(2024, 5, 2, 8, 30, tzinfo=UTC),
        columns=COLUMNS,
        rows=rows,
        widths=[1, 1, 3],
    )


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_a_short_report_is_one_page_with_its_heading() -> None:
    pages = _pages(PdfReports().render(_table(len(OTHERS))))
    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "Interactions",
        "interval: 2024-05-01T00:00:00Z",
        "segment: a = b",
        "Generated 2024-05-02T08:30:00Z",
        f"{len(OTHERS)} rows",
        "page 1 of 1",
    ):
        assert expected in text
    assert JAPANESE in text
    for other in OTHERS:
        assert other[::-1] in text or other in text  # extractors give Hebrew in visual order


def test_a_long_report_numbers_its_pages_and_keeps_every_row_once() -> None:
    count = 500
    pages = _pages(PdfReports().render(_table(count)))
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text
        assert "id" in text.split("row-")[0]  # the column heads start every page
    found = re.findall(r"row-\d{5}", "\n".join(pages))
    assert found == [f"row-{n:05d}" for n in range(count)]
    assert "\n".join(pages).count(JAPANESE) == count


def test_a_cell_too_long_for_its_column_is_cut_with_an_ellipsis() -> None:
    table = _table(1)
    table = ReportTable(
        table.title,
        table.filters,
        table.generated_at,
        table.columns,
        [["1", "+13175550100", "word " * 200]],
        table.widths,
    )
    text = _pages(PdfReports().render(table))[0]
    assert "word word" in text and "…" in text
    assert text.count("word") < 200


def test_the_interactions_pdf_shows_every_column_heading_whole() -> None:
    from tidings.services.analytics import PDF_COLUMNS

    table = ReportTable(
        "Interactions",
        [],
        datetime(2024, 5, 2, 8, 30, tzinfo=UTC),
        [heading for heading, _, _ in PDF_COLUMNS],
        [["" for _ in PDF_COLUMNS]],
        [width for _, _, width in PDF_COLUMNS],
    )
    text = _pages(PdfReports().render(table))[0]
    for heading, _, _ in PDF_COLUMNS:
        assert heading in text
    assert "…" not in text
