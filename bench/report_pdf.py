"""A PDF report of N interaction rows (the export route's PDF path without the HTTP part):
seconds, file size, pages, and the process's peak memory.

    python bench/report_pdf.py --rows 10000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tidings.adapters.exporters.report_pdf import PdfReports
from tidings.domain.messages import Conversation, Message
from tidings.domain.reports import ReportTable
from tidings.services.analytics import PDF_COLUMNS, export_rows, pdf_rows

TEXTS = [
    "Your parcel arrives today between 10:00 and 12:00. Reply STOP to opt out.",
    "お荷物は本日10時から12時の間にお届けします。配信停止はSTOPと返信してください。",
    "Ваша посылка прибудет сегодня с 10:00 до 12:00.",  # noqa: RUF001
    "귀하의 소포는 오늘 10시에서 12시 사이에 도착합니다.",
    '=HYPERLINK("http://example.com")',
]
STATUSES = ["delivery-success", "delivery-failed", "sent", "failed", "queued"]


def conversations(count: int) -> list[Conversation]:
    start = datetime(2024, 5, 1, tzinfo=UTC)
    found = []
    for n in range(count):
        at = start + timedelta(seconds=n * 7)
        conversation = Conversation(
            f"c{n:08d}", "sms", "+13175550000", f"+1317555{n % 10000:04d}", at
        )
        conversation.messages.append(
            Message(
                id=f"m{n:08d}",
                conversation_id=conversation.id,
                media_type="sms",
                direction="outbound",
                from_address="+13175550000",
                to_address=conversation.to_address,
                status=STATUSES[n % len(STATUSES)],
                created_at=at,
                status_changed_at=at + timedelta(seconds=4),
                text_body=TEXTS[n % len(TEXTS)],
                contact_id=f"contact-{n}",
                error_code="GeneralError" if n % 5 == 1 else None,
            )
        )
        found.append(conversation)
    return found


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    rows = pdf_rows(export_rows(conversations(args.rows)))
    table = ReportTable(
        title="Interactions",
        filters=["interval: 2024-05-01T00:00:00Z / 2024-05-02T00:00:00Z"],
        generated_at=datetime.now(UTC),
        columns=[title for title, _, _ in PDF_COLUMNS],
        rows=rows,
        widths=[width for _, _, width in PDF_COLUMNS],
    )
    before = peak_rss_mb()
    started = time.perf_counter()
    data = PdfReports().render(table)
    seconds = time.perf_counter() - started
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seconds": round(seconds, 2),
                "bytes": len(data),
                "pages": pages,
                "peak_rss_mb_before": round(before, 1),
                "peak_rss_mb_after": round(peak_rss_mb(), 1),
                "python": platform.python_version(),
            }
        )
    )


if __name__ == "__main__":
    main()
