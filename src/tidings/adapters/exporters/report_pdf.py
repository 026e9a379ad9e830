"""Report tables as PDF, with fpdf2: a title, the filters applied and the generation time on
the first page, the column heads again on every page, "page N of M" at each foot.

Fonts (Debian packages, installed by .ci/run): DejaVu Sans (fonts-dejavu-core) for Latin,
Greek, Cyrillic, Arabic, Hebrew, ...; Droid Sans Fallback (fonts-droid-fallback) for
Japanese, Chinese and Korean. Both are TrueType and embedded as subsets, so the file carries
the glyphs it uses and its text can be copied and searched. (Noto Sans CJK was tried first:
it is CFF-based, which fpdf2 embeds with a custom encoding that text extractors such as
pypdf misread.)

The table is laid out by hand, one line a row, each cell cut to its column with "…": fpdf2's
own table wraps every cell and took 35 s for 10,000 rows; this takes a few seconds
(docs/benchmarks.md). The CSV export carries every cell whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.fonts import TTFFont

from tidings.domain.reports import ReportTable

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# The package's smaller file is the one with Hangul ("Full" lacks it).
DROID_FALLBACK = Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf")
FONT_SIZE = 6.5  # points
ROW_HEIGHT = 3.6  # millimetres
MARGIN = 8.0
PADDING = 0.8
ELLIPSIS = "…"


class FontsMissing(RuntimeError):
    pass


class _Document(FPDF):
    generated: str = ""

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font("body", size=FONT_SIZE)
        self.cell(0, 4, f"{self.generated}    page {self.page_no()} of {{nb}}", align="R")


class PdfReports:
    def __init__(
        self,
        font: Path = DEJAVU,
        bold_font: Path = DEJAVU_BOLD,
        fallback_font: Path = DROID_FALLBACK,
    ) -> None:
        self._font, self._bold, self._fallback = font, bold_font, fallback_font

    def render(self, table: ReportTable) -> bytes:
        missing = [p for p in (self._font, self._fallback) if not p.exists()]
        if missing:
            raise FontsMissing(
                f"PDF fonts missing: {', '.join(map(str, missing))} (Debian: apt-get install "
                "fonts-dejavu-core fonts-droid-fallback)"
            )
        pdf = _Document(orientation="L", format="A4")
        pdf.generated = f"Generated {_utc(table.generated_at)}"
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(False)
        pdf.add_font("body", fname=str(self._font))
        pdf.add_font(
            "body", style="B", fname=str(self._bold if self._bold.exists() else self._font)
        )
        pdf.add_font("cjk", fname=str(self._fallback))
        pdf.set_fallback_fonts(["cjk"])  # for the cells laid out by fpdf2 (title, filters)
        pdf.set_title(table.title)
        pdf.set_creator("Tidings")
        _Layout(pdf, table).draw()
        return bytes(pdf.output())


class _Layout:
    def __init__(
        self,
        pdf: _Document,
        table: ReportTable,
    ) -> None:
        self.pdf, self.table = pdf, table
        body = pdf.fonts["body"]
        assert isinstance(body, TTFFont)
        self.covered = frozenset(body.cmap)  # the characters DejaVu has
        weights = list(table.widths or [1.0] * len(table.columns))
        usable = pdf.w - 2 * MARGIN
        self.widths = [usable * w / sum(weights) for w in weights]
        self.bottom = pdf.h - 12
        self.scale = FONT_SIZE / 1000 / pdf.k  # font units → mm
        # Advance widths by code point (fpdf2 types them by str; they are keyed by int).
        self.advances: dict[tuple[str, str], Mapping[int, float]] = {
            ("body", ""): cast(Mapping[int, float], pdf.fonts["body"].cw),
            ("body", "B"): cast(Mapping[int, float], pdf.fonts["bodyB"].cw),
            ("cjk", ""): cast(Mapping[int, float], pdf.fonts["cjk"].cw),
        }

    def draw(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_font("body", style="B", size=14)
        pdf.cell(0, 8, self.table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("body", size=8)
        lines = [*self.table.filters, pdf.generated, f"{len(self.table.rows)} rows"]
        for line in lines:
            pdf.multi_cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() + 2
        y = self.heads(y)
        pdf.set_font("body", size=FONT_SIZE)
        pdf.set_draw_color(210, 210, 210)
        for row in self.table.rows:
            if y + ROW_HEIGHT > self.bottom:
                pdf.add_page()
                y = self.heads(MARGIN)
                pdf.set_font("body", size=FONT_SIZE)
                pdf.set_draw_color(210, 210, 210)
            self.row(row, y)
            y += ROW_HEIGHT
            pdf.line(MARGIN, y, pdf.w - MARGIN, y)

    def heads(self, y: float) -> float:
        pdf = self.pdf
        pdf.set_fill_color(225, 230, 240)
        pdf.rect(MARGIN, y, pdf.w - 2 * MARGIN, ROW_HEIGHT + 0.4, style="F")
        pdf.set_font("body", style="B", size=FONT_SIZE)
        self.row(self.table.columns, y, bold=True)
        return y + ROW_HEIGHT + 0.4

    def row(self, cells: Sequence[str], y: float, *, bold: bool = False) -> None:
        x = MARGIN
        baseline = y + ROW_HEIGHT - 1.0
        for cell, width in zip(cells, self.widths, strict=False):
            if cell:
                self.text(x + PADDING, baseline, cell, width - 2 * PADDING, bold)
            x += width

    def text(self, x: float, y: float, text: str, room: float, bold: bool) -> None:
        """Writes `text` from x, cut with an ellipsis to `room`; characters the main font
        lacks are set in the fallback font."""
        pdf = self.pdf
        text = " ".join(text.split())  # one line: line breaks and tabs become spaces
        runs = self.runs(text)
        widths = [self.width(run, fallback, bold) for run, fallback in runs]
        if sum(widths) > room:
            runs, widths = self.cut(runs, widths, room, bold)
        for (run, fallback), width in zip(runs, widths, strict=True):
            family, style = self.font(fallback, bold)
            if (pdf.font_family, pdf.font_style) != (family, style):
                pdf.set_font(family, style)
            pdf.text(x, y, run)
            x += width

    def runs(self, text: str) -> list[tuple[str, bool]]:
        covered = self.covered
        if all(ord(c) in covered for c in text):
            return [(text, False)]
        runs: list[tuple[str, bool]] = []
        for char in text:
            fallback = ord(char) not in covered
            if runs and runs[-1][1] == fallback:
                runs[-1] = (runs[-1][0] + char, fallback)
            else:
                runs.append((char, fallback))
        return runs

    def font(self, fallback: bool, bold: bool) -> tuple[str, str]:
        return ("cjk", "") if fallback else ("body", "B" if bold else "")

    def width(self, run: str, fallback: bool, bold: bool) -> float:
        """The run's width in mm, from the font's advance widths (fpdf2's get_string_width
        reshapes the text on every call: 80% of the time of a report)."""
        advances = self.advances[self.font(fallback, bold)]
        return sum(advances[ord(c)] for c in run) * self.scale

    def cut(
        self, runs: list[tuple[str, bool]], widths: list[float], room: float, bold: bool
    ) -> tuple[list[tuple[str, bool]], list[float]]:
        room -= self.width(ELLIPSIS, False, bold)
        kept: list[tuple[str, bool]] = []
        kept_widths: list[float] = []
        for (run, fallback), width in zip(runs, widths, strict=True):
            if width <= room:
                kept.append((run, fallback))
                kept_widths.append(width)
                room -= width
                continue
            advances = self.advances[self.font(fallback, bold)]
            used, end = 0.0, 0
            for char in run:  # the longest prefix that fits
                step = advances[ord(char)] * self.scale
                if used + step > room:
                    break
                used, end = used + step, end + 1
            if end:
                kept.append((run[:end], fallback))
                kept_widths.append(used)
            break
        kept.append((ELLIPSIS, False))
        kept_widths.append(self.width(ELLIPSIS, False, bold))
        return kept, kept_widths


def _utc(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")
