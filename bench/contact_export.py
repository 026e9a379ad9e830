"""Export of a large contact list through `tidings serve`: seconds from POST .../export to
the file being ready, rows a second, and the server's peak memory.

    python bench/contact_export.py --rows 1000000            # SQLite
    python bench/contact_export.py --rows 1000000 --postgres
    python bench/contact_export.py --rows 1000000 --filtered  # through criteria: half the list

The contacts are written straight into the database first (8 columns: phone, e-mail and
text, 2% invalid numbers); that setup is not timed. The export path is the real one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sqlalchemy import create_engine, insert
from tests.support.server import running_server

from bench.token_and_list import database
from tidings.adapters.db.engine import driver_url
from tidings.adapters.db.tables import contacts

COLUMNS = ["phone", "email", "first", "last", "city", "reason", "amount", "due"]
# Takes the contacts whose amount (n % 1000) is below 500: half the list, every other
# stretch of 500, so the database evaluates the filter on every row.
HALF = {
    "filterType": "AND",
    "clauses": [
        {
            "filterType": "AND",
            "predicates": [
                {
                    "column": "amount",
                    "columnType": "numeric",
                    "operator": "LESS_THAN",
                    "value": "500",
                },
                {"column": "city", "operator": "EQUALS", "value": "Indianapolis"},
            ],
        }
    ],
}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fill(url: str, list_id: str, rows: int) -> None:
    engine = create_engine(driver_url(url, asynchronous=False))
    now = datetime.now(UTC)
    rng = random.Random(7)
    batch = []
    with engine.begin() as connection:
        for n in range(rows):
            valid = rng.random() >= 0.02
            phone = f"+1317555{n % 10000:04d}" if valid else "12"
            batch.append(
                {
                    "contact_list_id": list_id,
                    "id": f"c{n}",
                    "data": {
                        "phone": phone,
                        "email": f"user{n}@example.com",
                        "first": "Ann",
                        "last": f"Smith{n}",
                        "city": "Indianapolis",
                        "reason": "appointment",
                        "amount": str(n % 1000),
                        "due": "2030-05-01",
                    },
                    "callable": True,
                    "phone_number_status": {},
                    "contactable_status": {},
                    "addresses": {
                        "phone": {
                            "raw": phone,
                            "address": phone if valid else None,
                            "reason": None if valid else "not a valid phone number",
                            "timeZones": ["America/New_York"] if valid else [],
                        },
                        "email": {
                            "raw": f"user{n}@example.com",
                            "address": f"user{n}@example.com",
                            "reason": None,
                            "timeZones": [],
                        },
                    },
                    "priority": False,
                    "queued_at": n,
                    "date_created": now,
                }
            )
            if len(batch) == 20_000:
                connection.execute(insert(contacts), batch)
                batch = []
        if batch:
            connection.execute(insert(contacts), batch)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--filtered", action="store_true", help="export through criteria")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, database(args.postgres) as url:
        url = url or f"sqlite:///{Path(directory) / 'bench.db'}"
        with running_server(url, data_dir=Path(directory), log_level="WARNING") as server:
            token = server.token(server.create_client("bench", "admin"))
            created = server.request(
                "POST",
                "/api/v2/outbound/contactlists",
                token=token,
                json_body={
                    "name": "bench",
                    "columnNames": COLUMNS,
                    "phoneColumns": [{"columnName": "phone", "type": "cell"}],
                    "emailColumns": [{"columnName": "email", "type": "personal"}],
                },
            )[1]
            started = time.perf_counter()
            fill(url, created["id"], args.rows)
            filled = time.perf_counter() - started
            rss_before = peak_rss_mb(server.process.pid)
            path = f"/api/v2/outbound/contactlists/{created['id']}/export"
            started = time.perf_counter()
            body = {"criteria": HALF} if args.filtered else None
            server.request("POST", path, token=token, json_body=body)
            while server.request("GET", path, token=token)[0] != 200:
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            files = list((server.data_dir / "exports").glob("*.csv"))
            size = sum(f.stat().st_size for f in files)
            with files[0].open("rb") as exported:
                lines = sum(1 for _ in exported) - 1  # no line breaks inside the cells here
            result = {
                "database": "postgresql" if args.postgres else "sqlite",
                "rows": args.rows,
                "filtered": args.filtered,
                "rows_exported": lines,
                "export_seconds": round(seconds, 2),
                "rows_per_second": round(args.rows / seconds),
                "file_mb": round(size / 2**20, 1),
                "server_peak_rss_mb_before": round(rss_before, 1),
                "server_peak_rss_mb_after": round(peak_rss_mb(server.process.pid), 1),
                "setup_insert_seconds": round(filled, 1),
                "machine": f"{platform.node()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}",
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
