"""The console's interactions page over a million conversations (one message each): one page
of 50 through the repository as the console asks for it (newest first, keyset, only the
matching messages, nothing counted). No HTTP, no template.

    python bench/interactions_page.py --conversations 1000000 [--keep /tmp/ip.db]
    python bench/interactions_page.py --conversations 1000000 --postgres

The rows are those of bench/analytics_query.py (30 days, 20 campaigns, 5 statuses).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.analytics_query import CAMPAIGNS, fill, segment
from bench.token_and_list import database
from tidings.adapters.db.engine import make_async_engine
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.domain.analytics import ConversationQuery, VisibleDivisions, parse_interval

PAGE = 50


async def measure(url: str) -> dict[str, float]:
    engine = make_async_engine(url)
    everywhere = VisibleDivisions(everywhere=True)
    month = parse_interval("2024-05-01T00:00:00Z/2024-05-31T00:00:00Z")

    def query(**more: object) -> ConversationQuery:
        return ConversationQuery(month, order="desc", page_size=PAGE, **more)  # type: ignore[arg-type]

    async def deep_cursor() -> tuple[datetime, str]:
        """The keyset after 10,000 conversations (what 200 clicks on "Older" reach)."""
        async with SqlUnitOfWork(engine) as uow:
            found = await uow.analytics.conversation_batch(query(), everywhere, None, 10_000)
        return found[-1].started_at, found[-1].id

    deep = await deep_cursor()
    cases = {
        "30 days, first page": (query(), None),
        "30 days, after 10,000": (query(), deep),
        "campaign (5%)": (
            query(segment_filters=(segment("outboundCampaignId", CAMPAIGNS[3]),)),
            None,
        ),
        "status (20%)": (
            query(segment_filters=(segment("deliveryStatus", "DeliveryFailed"),)),
            None,
        ),
        "address (one match)": (
            query(segment_filters=(segment("addressTo", "+13170123456"),)),
            None,
        ),
        "text, common": (query(text_contains="parcel"), None),
        "text, no match": (query(text_contains="no such words"), None),
    }
    results: dict[str, float] = {}
    for name, (case, after) in cases.items():
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            async with SqlUnitOfWork(engine) as uow:
                found = await uow.analytics.conversation_batch(
                    case, everywhere, after, PAGE + 1, matching_messages=True
                )
            best = min(best, time.perf_counter() - started)
        results[name] = round(best * 1000, 1)
        results[name + " (rows)"] = sum(len(c.messages) for c in found)
    await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--keep", type=Path, help="SQLite: this file, filled once and reused")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, database(args.postgres) as pg:
        path = args.keep or Path(directory) / "bench.db"
        url = pg or f"sqlite:///{path}"
        reuse = pg is None and path.exists()
        upgrade(url)
        if not reuse:
            fill(url, args.conversations)
        results = asyncio.run(measure(url))
        print(json.dumps({"conversations": args.conversations, "ms": results}, indent=1))


if __name__ == "__main__":
    main()
