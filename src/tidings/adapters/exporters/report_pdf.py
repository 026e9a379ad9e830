"""Report tables as PDF, with fpdf2: a title, the filters applied and the generation time on
the first page, the column heads again on every page, "page N of M" at each foot.

The text is set in Noto Sans CJK (Debian's fonts-noto-cjk), which has Latin, Greek,
Cyrillic, Japanese, Chinese and Korean; DejaVu Sans (fonts-dejavu-core) takes what Noto CJK
lacks (Arabic, Hebrew, ...). Both are embedded as subsets: the file carries the glyphs it
uses, and its text can be copied and searched."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from tidings.domain.reports import ReportTable

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_CJK_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_SIZE = 6.5
# Wide columns for the free text and addresses, narrow ones for the rest.
WIDE = {"text": 4.0, "addressFrom": 1.8, "addressTo": 1.8, "conversationId": 1.6, "messageId": 1.6}
CELL_LIMIT = 300  # characters of a cell shown; a PDF is for reading, the CSV has it all


class FontsMissing(RuntimeError):
    pass


class _Document(FPDF):
    generated: str = ""

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("body", size=FONT_SIZE)
        self.cell(0, 5, f"{self.generated}    page {self.page_no()} of {{nb}}", align="R")


class PdfReports:
    def __init__(
        self,
        font: Path = NOTO_CJK,
        bold_font: Path = NOTO_CJK_BOLD,
        fallback_fonts: Sequence[Path] = (DEJAVU,),
    ) -> None:
        self._font, self._bold = font, bold_font
        self._fallbacks = [p for p in fallback_fonts if p.exists()]

    def render(self, table: ReportTable) -> bytes:
        if not self._font.exists():
            raise FontsMissing(
                f"The PDF font {self._font} is not installed (Debian: apt-get install "
                "fonts-noto-cjk)"
            )
        pdf = _Document(orientation="L", format="A4")
        pdf.generated = f"Generated {_utc(table.generated_at)}"
        pdf.set_margins(8, 8, 8)
        pdf.set_auto_page_break(True, margin=12)
        pdf.add_font("body", fname=str(self._font), collection_font_number=0)
        bold = self._bold if self._bold.exists() else self._font
        pdf.add_font("body", style="B", fname=str(bold), collection_font_number=0)
        names = []
        for index, path in enumerate(self._fallbacks):
            names.append(f"fallback{index}")
            pdf.add_font(names[-1], fname=str(path))
        pdf.set_fallback_fonts(names, exact_match=False)
        pdf.set_title(table.title)
        pdf.set_creator("Tidings")
        pdf.add_page()
        pdf.set_font("body", style="B", size=14)
        pdf.cell(0, 8, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("body", size=8)
        for line in [*table.filters, pdf.generated, f"{len(table.rows)} rows"]:
            pdf.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("body", size=FONT_SIZE)
        widths = [WIDE.get(column, 1.0) for column in table.columns]
        with pdf.table(
            col_widths=widths,
            line_height=FONT_SIZE * 0.5,
            headings_style=FontFace(emphasis="BOLD", fill_color=(225, 230, 240)),
            repeat_headings=1,
            first_row_as_headings=True,
        ) as grid:
            grid.row(list(table.columns))
            for row in table.rows:
                grid.row([cell[:CELL_LIMIT] for cell in row])
        return bytes(pdf.output())


def _utc(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")
