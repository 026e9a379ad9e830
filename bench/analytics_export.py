"""The interactions CSV export over the database of `bench/analytics_query.py --keep FILE`:
rows a second and the process's peak memory (the service's stream, without HTTP).

    python bench/analytics_query.py --conversations 1000000 --keep /tmp/aq.db
    python bench/analytics_export.py --database /tmp/aq.db --days 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tidings.adapters.db.engine import make_async_engine
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.adapters.exporters.reports import ReportFiles
from tidings.domain.analytics import ConversationQuery, Interval, parse_interval
from tidings.domain.permissions import ALL_DIVISIONS, Access, Grant, role_id_for
from tidings.services.analytics import AnalyticsService
from tidings.services.caller import Caller


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(database: Path, days: int) -> dict[str, float]:
    engine = make_async_engine(f"sqlite:///{database}")
    service = AnalyticsService(lambda: SqlUnitOfWork(engine), ReportFiles())
    caller = Caller("bench", Access("bench", [Grant(role_id_for("admin"), ALL_DIVISIONS)]), 0)
    first = parse_interval("2024-05-01T00:00:00Z/2024-05-02T00:00:00Z")
    query = ConversationQuery(Interval(first.start, first.start + timedelta(days=days)))
    before = peak_rss_mb()
    started = time.perf_counter()
    size = rows = 0
    async for chunk in await service.export_csv(caller, query):
        size += len(chunk)
        rows += chunk.count(b"\r\n")
    seconds = time.perf_counter() - started
    await engine.dispose()
    return {
        "rows": rows - 1,
        "seconds": round(seconds, 1),
        "rows_per_s": round((rows - 1) / seconds),
        "bytes": size,
        "peak_rss_mb_before": round(before, 1),
        "peak_rss_mb_after": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.database, args.days))))


if __name__ == "__main__":
    main()
