"""The conversation detail query over a million conversations (one message each): the time of
one page of 100 through the repository (SQL and building the conversations, no HTTP).

    python bench/analytics_query.py --conversations 1000000 [--keep /tmp/aq.db]
    python bench/analytics_query.py --conversations 1000000 --postgres [--keep-postgres NAME]

The rows are written straight into the database first (not timed): 30 days, 20 campaigns,
5 statuses, one division, one sender, one contact list; every message's text names its
number, one in a hundred is in Japanese; one conversation in fifty has a reply.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sqlalchemy import insert, text

from bench.token_and_list import POSTGRES, database
from tidings.adapters.db.engine import make_async_engine, make_sync_engine
from tidings.adapters.db.message_rows import FILL_SAID
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.tables import conversations, messages
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.domain.analytics import (
    ConversationQuery,
    Filter,
    Predicate,
    VisibleDivisions,
    parse_interval,
)

START = datetime(2024, 5, 1, tzinfo=UTC)
DAYS = 30
STATUSES = ["delivery-success", "delivery-failed", "sent", "failed", "queued"]
CAMPAIGNS = [str(uuid.UUID(int=n + 1)) for n in range(20)]
SENDER = "+13175550000"
REPLIED = 50  # one conversation in this many has the customer's reply


def text_of(n: int) -> str:
    """The n-th message's text: each names its number (a rare text has one match)."""
    if n % 100 == 7:
        return f"お荷物 {n:07d} を本日お届けします"
    return f"Your parcel {n:07d} arrives today"


def reply_to(sent: dict[str, Any], n: int) -> dict[str, Any]:
    """The customer's answer to a message: inbound, on its conversation."""
    return {
        **sent,
        "id": str(uuid.UUID(int=(3 << 64) + n)),
        "direction": "inbound",
        "from_address": sent["to_address"],
        "to_address": sent["from_address"],
        "status": "received",
        "text_body": "Thanks",
        "created_at": sent["created_at"] + timedelta(minutes=5),
        "status_changed_at": sent["created_at"] + timedelta(minutes=5),
        "campaign_id": None,
        "contact_list_id": None,
        "contact_id": None,
    }


def fill(url: str, count: int) -> None:
    engine = make_sync_engine(url)
    step = timedelta(days=DAYS) / count
    batch = 20_000
    with engine.begin() as connection:
        for first in range(0, count, batch):
            conversation_rows: list[dict[str, Any]] = []
            message_rows: list[dict[str, Any]] = []
            for n in range(first, min(first + batch, count)):
                at = START + step * n
                conversation_id = str(uuid.UUID(int=(1 << 64) + n))
                campaign = CAMPAIGNS[n % len(CAMPAIGNS)]
                to = f"+1317{n:07d}"
                conversation_rows.append(
                    {
                        "id": conversation_id,
                        "media_type": "sms",
                        "from_address": SENDER,
                        "to_address": to,
                        "started_at": at,
                        "campaign_id": campaign,
                        "division_id": "d",
                    }
                )
                message_rows.append(
                    {
                        "id": str(uuid.UUID(int=(2 << 64) + n)),
                        "conversation_id": conversation_id,
                        "media_type": "sms",
                        "direction": "outbound",
                        "from_address": SENDER,
                        "to_address": to,
                        "status": STATUSES[n % len(STATUSES)],
                        "text_body": text_of(n),
                        "segment_count": 1,
                        "send_state": "done",
                        "attempts": 1,
                        "created_at": at,
                        "status_changed_at": at + timedelta(seconds=4),
                        "campaign_id": campaign,
                        "contact_list_id": "l",
                        "contact_id": f"c-{n}",
                    }
                )
                if n % REPLIED == 0:
                    message_rows.append(reply_to(message_rows[-1], n))
            connection.execute(insert(conversations), conversation_rows)
            connection.execute(insert(messages), message_rows)
        connection.execute(text(FILL_SAID))  # what the repository keeps of the messages
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE conversations")
            connection.exec_driver_sql("ANALYZE messages")
            connection.exec_driver_sql("ANALYZE message_texts")  # the text search's copy
        else:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def segment(dimension: str, value: str) -> Filter:
    return Filter(predicates=(Predicate(dimension, value=value),))


def segments(**values: str) -> tuple[Filter, ...]:
    """One segment filter whose predicates all hold on the same message."""
    return (Filter(predicates=tuple(Predicate(d, value=v) for d, v in values.items())),)


@contextlib.contextmanager
def kept_postgres(name: str) -> Iterator[tuple[str, bool]]:
    """A PostgreSQL database kept between runs: (url, whether it was there already)."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/test", autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES}/{name}", found is not None


@contextlib.contextmanager
def bench_database(args: argparse.Namespace, directory: str) -> Iterator[tuple[str, bool]]:
    """The database to measure (url, whether it is filled already), as the options say."""
    if args.postgres and args.keep_postgres:
        with kept_postgres(args.keep_postgres) as kept:
            yield kept
        return
    with database(args.postgres) as pg:
        path = args.keep or Path(directory) / "bench.db"
        yield pg or f"sqlite:///{path}", pg is None and path.exists()


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--keep", type=Path, help="SQLite: this file, filled once and reused")
    parser.add_argument(
        "--keep-postgres", metavar="NAME", help="PostgreSQL: this database, filled once, kept"
    )


async def measure(url: str, count: int) -> dict[str, float]:
    engine = make_async_engine(url)
    everywhere = VisibleDivisions(everywhere=True)
    day = parse_interval("2024-05-10T00:00:00Z/2024-05-11T00:00:00Z")
    month = parse_interval("2024-05-01T00:00:00Z/2024-05-31T00:00:00Z")
    cases = {
        "one day, first page": ConversationQuery(day, page_size=100),
        "30 days, first page": ConversationQuery(month, page_size=100),
        "30 days, desc, page 500": ConversationQuery(
            month, order="desc", page_size=100, page_number=500
        ),
        "30 days, campaign (segment)": ConversationQuery(
            month, page_size=100, segment_filters=(segment("outboundCampaignId", CAMPAIGNS[3]),)
        ),
        "30 days, campaign (conversation)": ConversationQuery(
            month,
            page_size=100,
            conversation_filters=(segment("outboundCampaignId", CAMPAIGNS[3]),),
        ),
        "30 days, deliveryStatus": ConversationQuery(
            month, page_size=100, segment_filters=(segment("deliveryStatus", "DeliveryFailed"),)
        ),
        "30 days, contact (rare)": ConversationQuery(
            month, page_size=100, segment_filters=(segment("outboundContactId", "c-123456"),)
        ),
        "30 days, contact list (every message)": ConversationQuery(
            month, page_size=100, segment_filters=segments(outboundContactListId="l")
        ),
        "30 days, mediaType message (every message)": ConversationQuery(
            month, page_size=100, segment_filters=segments(mediaType="message")
        ),
        "30 days, messageType sms (every message)": ConversationQuery(
            month, page_size=100, segment_filters=segments(messageType="sms")
        ),
        "30 days, direction outbound (every message)": ConversationQuery(
            month, page_size=100, segment_filters=segments(direction="outbound")
        ),
        "30 days, direction inbound (replies, 2%)": ConversationQuery(
            month, page_size=100, segment_filters=segments(direction="inbound")
        ),
        "30 days, addressFrom the sender (every message)": ConversationQuery(
            month, page_size=100, segment_filters=segments(addressFrom=SENDER)
        ),
        "30 days, addressFrom a customer who replied (rare)": ConversationQuery(
            month, page_size=100, segment_filters=segments(addressFrom=f"+1317{REPLIED:07d}")
        ),
        "30 days, direction outbound and contact list (every message)": ConversationQuery(
            month,
            page_size=100,
            segment_filters=segments(direction="outbound", outboundContactListId="l"),
        ),
        "30 days, addressTo (rare)": ConversationQuery(
            month, page_size=100, segment_filters=segments(addressTo="+13170123456")
        ),
        "30 days, campaign and deliveryStatus": ConversationQuery(
            month,
            page_size=100,
            segment_filters=segments(outboundCampaignId=CAMPAIGNS[3], deliveryStatus="Failed"),
        ),
    }
    results: dict[str, float] = {}
    wrong = {}
    for name, query in cases.items():
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            async with SqlUnitOfWork(engine) as uow:
                _, total = await uow.analytics.conversation_details(query, everywhere)
            best = min(best, time.perf_counter() - started)
        results[name] = round(best * 1000, 1)
        results[name + " (hits)"] = total
        if EXPECTED_HITS.get(name, total) != total:
            wrong[name] = (total, EXPECTED_HITS[name])
    await engine.dispose()
    if wrong and count == 1_000_000:
        raise SystemExit(f"wrong totalHits (found, expected): {wrong}")
    return results


# What the filled million holds (see fill): a wrong count is a bug, not a measurement.
EXPECTED_HITS = {
    "30 days, first page": 1_000_000,
    "30 days, campaign (segment)": 50_000,
    "30 days, campaign (conversation)": 50_000,
    "30 days, deliveryStatus": 200_000,
    "30 days, contact (rare)": 1,
    "30 days, contact list (every message)": 1_000_000,
    "30 days, mediaType message (every message)": 1_000_000,
    "30 days, messageType sms (every message)": 1_000_000,
    "30 days, direction outbound (every message)": 1_000_000,
    "30 days, direction inbound (replies, 2%)": 20_000,
    "30 days, addressFrom the sender (every message)": 1_000_000,
    "30 days, addressFrom a customer who replied (rare)": 1,
    "30 days, direction outbound and contact list (every message)": 1_000_000,
    "30 days, addressTo (rare)": 1,
    "30 days, campaign and deliveryStatus": 50_000,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as directory,
        bench_database(args, directory) as (url, reuse),
    ):
        upgrade(url)
        started = time.perf_counter()
        if not reuse:
            fill(url, args.conversations)
        filled = time.perf_counter() - started
        results = asyncio.run(measure(url, args.conversations))
        print(
            json.dumps(
                {"conversations": args.conversations, "fill_s": round(filled, 1), "ms": results},
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
