"""The console's interactions page over a million conversations (one message each): one page
of 50 through the repository as the console asks for it (newest first, keyset, only the
matching messages, nothing counted). No HTTP, no template.

    python bench/interactions_page.py --conversations 1000000 [--keep /tmp/ip.db]
    python bench/interactions_page.py --conversations 1000000 --postgres [--keep-postgres NAME]

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

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.analytics_query import (
    CAMPAIGNS,
    REPLIED,
    SENDER,
    add_database_options,
    bench_database,
    fill,
    segments,
)
from tidings.adapters.db.engine import make_async_engine
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.domain.analytics import (
    ConversationQuery,
    Filter,
    Predicate,
    VisibleDivisions,
    parse_interval,
)

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
    day = parse_interval("2024-05-10T00:00:00Z/2024-05-11T00:00:00Z")

    def address(value: str) -> tuple[Filter, ...]:
        """The console's address field: the sender or the recipient."""
        either = (Predicate("addressFrom", value=value), Predicate("addressTo", value=value))
        return (Filter("and", (), (Filter("or", either),)),)

    def where(**values: str) -> ConversationQuery:
        return query(segment_filters=segments(**values))

    cases = {
        "30 days, first page": (query(), None),
        "30 days, after 10,000": (query(), deep),
        "one day": (ConversationQuery(day, order="desc", page_size=PAGE), None),
        "channel SMS (every message)": (where(mediaType="message"), None),
        "channel e-mail (none)": (where(mediaType="email"), None),
        "direction outbound (every message)": (where(direction="outbound"), None),
        "direction inbound (replies, 2%)": (where(direction="inbound"), None),
        "campaign (5%)": (where(outboundCampaignId=CAMPAIGNS[3]), None),
        "contact list (every message)": (where(outboundContactListId="l"), None),
        "status (20%)": (where(deliveryStatus="DeliveryFailed"), None),
        "status Received (the replies, 2%)": (where(deliveryStatus="Received"), None),
        "address, the recipient (one match)": (
            query(segment_filters=address("+13170123456")),
            None,
        ),
        "address, the sender (every message)": (query(segment_filters=address(SENDER)), None),
        "address, a customer who replied (two messages)": (
            query(segment_filters=address(f"+1317{REPLIED:07d}")),
            None,
        ),
        "address, nobody's": (query(segment_filters=address("+19999999999")), None),
        "text, common": (query(text_contains="parcel"), None),
        "text, one match": (query(text_contains="0123456"), None),
        "text, no match": (query(text_contains="no such words"), None),
        "text, Japanese (1%)": (query(text_contains="お届け"), None),
        "text, 2 characters, no match": (query(text_contains="zq"), None),
        "text, 2 characters, Japanese (1%)": (query(text_contains="本日"), None),
        "text and campaign, one match": (
            query(
                text_contains="0123463",
                segment_filters=segments(outboundCampaignId=CAMPAIGNS[3]),
            ),
            None,
        ),
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
    add_database_options(parser)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as directory,
        bench_database(args, directory) as (url, reuse),
    ):
        upgrade(url)
        if not reuse:
            fill(url, args.conversations)
        results = asyncio.run(measure(url))
        print(json.dumps({"conversations": args.conversations, "ms": results}, indent=1))


if __name__ == "__main__":
    main()
