"""A million numbers into a DNC list through `tidings serve`: seconds from
`POST /uploads/v2/contactlist` (`fileType=dnclist`) until `importstatus` says complete,
entries a second and the server's peak memory; then the export of the full list.

    python bench/dnc_import.py --rows 1000000            # SQLite
    python bench/dnc_import.py --rows 1000000 --postgres

The file has a `Phone` column of distinct US numbers in the formats people type
(`(317) 555-0123`, `+1 317-555-0123`, `317.555.0123`, `3175550123`) and a `Name` column.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.server import running_server

from bench.contact_export import peak_rss_mb
from bench.contact_import import AREAS, FORMATS, report, timed_upload
from bench.token_and_list import database

DNC = "/api/v2/outbound/dnclists"


def write_file(path: Path, rows: int) -> None:
    """Distinct numbers: the row number picks the area code, the exchange and the line."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Name", "Phone"])
        for n in range(rows):
            rest = n // len(AREAS)
            number = FORMATS[n % len(FORMATS)].format(
                a=AREAS[n % len(AREAS)], b=200 + rest // 10_000, c=f"{rest % 10_000:04d}"
            )
            writer.writerow([f"Person {n}", number])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, database(args.postgres) as url:
        url = url or f"sqlite:///{Path(directory) / 'bench.db'}"
        source = Path(directory) / "dnc.csv"
        write_file(source, args.rows)
        with running_server(url, data_dir=Path(directory), log_level="INFO") as server:
            token = server.token(server.create_client("bench", "admin"))
            body = {"name": "bench", "dncSourceType": "rds", "contactMethod": "Phone"}
            list_id = server.request("POST", DNC, token=token, json_body=body)[1]["id"]
            rss_before = peak_rss_mb(server.process.pid)
            seconds, uploaded, status, peaks = timed_upload(
                server,
                token,
                {"id": list_id, "fileType": "dnclist"},
                source,
                f"{DNC}/{list_id}/importstatus",
            )
            size = server.request("GET", f"{DNC}/{list_id}?includeSize=true", token=token)[1]
            rss_after_import = peak_rss_mb(server.process.pid)
            # The peak starts again from what the process holds now (Linux: clear_refs 5).
            Path(f"/proc/{server.process.pid}/clear_refs").write_text("5")
            rss_before_export = peak_rss_mb(server.process.pid)
            started = time.perf_counter()
            server.request("POST", f"{DNC}/{list_id}/export", token=token)
            while server.request("GET", f"{DNC}/{list_id}/export", token=token)[0] != 200:
                time.sleep(0.25)
            exported = time.perf_counter() - started
            result = {
                "database": "postgresql" if args.postgres else "sqlite",
                "rows": args.rows,
                "file_mb": round(source.stat().st_size / 2**20, 1),
                "state": status["status"],
                "imported": status["importedRecords"],
                "rejected": status["rejectedRecords"],
                "list_size": size["size"],
                "import_seconds": round(seconds, 2),
                "of_which_upload_seconds": round(uploaded, 2),
                "entries_per_second": round(args.rows / seconds),
                "export_seconds": round(exported, 2),
                "server_peak_rss_mb": {
                    "before": round(rss_before, 1),
                    "after_import": round(rss_after_import, 1),
                    "before_export": round(rss_before_export, 1),
                    "after_export": round(peak_rss_mb(server.process.pid), 1),
                },
                "sampled_peak_mb_during_import": {k: round(v, 1) for k, v in peaks.items()},
            }
            log = server.log()
    report(result, log)


if __name__ == "__main__":
    main()
