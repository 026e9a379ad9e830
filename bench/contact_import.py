"""CSV import through `tidings serve`: seconds from `POST /uploads/v2/contactlist` until
`importstatus` says complete, rows a second, the server's peak memory, and beside them, in
the same run, the time `polars.read_csv` takes to parse the same file (the floor).

    python bench/contact_import.py --rows 1000000            # SQLite
    python bench/contact_import.py --rows 1000000 --postgres

The file has 8 columns (phone, e-mail and text; 2% invalid numbers, in the formats people
type: `(317) 555-0123`, `+1 317-555-0123`, `317.555.0123`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import polars as pl

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.server import Server, running_server

from bench.contact_export import COLUMNS, peak_rss_mb
from bench.token_and_list import database

FORMATS = ("({a}) {b}-{c}", "+1 {a}-{b}-{c}", "{a}.{b}.{c}", "{a}{b}{c}")
AREAS = ("317", "212", "415", "646", "805", "312", "713", "206")


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for n in range(rows):
            if rng.random() < 0.02:
                phone = rng.choice(("12", "555-01", "(000) 000-0000", "call me"))
            else:
                phone = rng.choice(FORMATS).format(
                    a=rng.choice(AREAS), b=rng.randint(200, 999), c=f"{rng.randint(0, 9999):04d}"
                )
            writer.writerow(
                [
                    phone,
                    f"user{n}@example{n % 100}.com",
                    rng.choice(("Ann", "Bob", "花子", "José")),
                    f"Smith{n}",
                    rng.choice(("Indianapolis", "New York, NY", "Tokyo")),
                    "appointment",
                    str(n % 1000),
                    "2030-05-01",
                ]
            )


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now: all of it, and the part not backed by files (the server's
    own heap, as opposed to pages of the CSV file it maps while reading it)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0]) / 1024
    return found


def polars_floor(path: Path) -> float:
    started = time.perf_counter()
    pl.read_csv(path, infer_schema=False)
    return time.perf_counter() - started


def timed_upload(
    server: Server, token: str, fields: dict[str, str], source: Path, status_path: str
) -> tuple[float, float, dict[str, Any], dict[str, float]]:
    """`POST /uploads/v2/contactlist` with the file and `fields`, then `importstatus` until
    the import ends: seconds in all, seconds of the upload, the last status, and the
    server's peak memory as sampled meanwhile."""
    started = time.perf_counter()
    with source.open("rb") as file:
        answer = httpx.post(
            server.base_url + "/uploads/v2/contactlist",
            headers={"Authorization": f"Bearer {token}"},
            data=fields,
            files={"file": (source.name, file, "text/csv")},
            timeout=600,
        )
    answer.raise_for_status()
    uploaded = time.perf_counter() - started
    peaks: dict[str, float] = {}
    while True:
        for name, value in memory_mb(server.process.pid).items():
            peaks[name] = max(peaks.get(name, 0.0), value)
        status = server.request("GET", status_path, token=token)[1]
        if status["status"] != "IN_PROGRESS":
            break
        time.sleep(0.25)  # a client polls about this often; the wait adds ≤ 0.25 s
    return time.perf_counter() - started, uploaded, status, peaks


def report(result: dict[str, Any], log: str) -> None:
    """Prints the import's phases from the server's log, then the result with the date and
    the machine."""
    print("\n".join(line for line in log.splitlines() if '"import ' in line))
    result["machine"] = (
        f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    result["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(json.dumps(result, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, database(args.postgres) as url:
        url = url or f"sqlite:///{Path(directory) / 'bench.db'}"
        source = Path(directory) / "contacts.csv"
        write_file(source, args.rows)
        floor = polars_floor(source)
        with running_server(url, data_dir=Path(directory), log_level="INFO") as server:
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
            rss_before = peak_rss_mb(server.process.pid)
            status_path = f"/api/v2/outbound/contactlists/{created['id']}/importstatus"
            fields = {"id": created["id"], "fileType": "contactlist"}
            seconds, uploaded, status, peaks = timed_upload(
                server, token, fields, source, status_path
            )
            list_path = f"/api/v2/outbound/contactlists/{created['id']}?includeSize=true"
            size = server.request("GET", list_path, token=token)[1]["size"]
            result = {
                "database": "postgresql" if args.postgres else "sqlite",
                "rows": args.rows,
                "file_mb": round(source.stat().st_size / 2**20, 1),
                "state": status["status"],
                "imported": status["importedRecords"],
                "rejected": status["rejectedRecords"],
                "list_size": size,
                "import_seconds": round(seconds, 2),
                "of_which_upload_seconds": round(uploaded, 2),
                "rows_per_second": round(args.rows / seconds),
                "polars_read_csv_seconds": round(floor, 2),
                "ratio_to_polars_floor": round(seconds / floor, 1),
                "server_peak_rss_mb_before": round(rss_before, 1),
                "server_peak_rss_mb_after": round(peak_rss_mb(server.process.pid), 1),
                "sampled_peak_mb": {k: round(v, 1) for k, v in peaks.items()},
            }
            log = server.log()
    report(result, log)


if __name__ == "__main__":
    main()
