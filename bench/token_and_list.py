"""Sustained authenticated `GET /api/v2/authorization/divisions` against `tidings serve`.

The load comes from `wrk` (Debian package `wrk`), a C load generator in its own process, so it
does not compete with the server for the GIL. Run: `python bench/token_and_list.py`
(`--database-url postgresql://postgres@127.0.0.1:5432/DB` for PostgreSQL; the database must be
empty or migrated by Tidings).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.server import running_server

PATH = os.environ.get("BENCH_PATH", "/api/v2/authorization/divisions")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with running_server(
        args.database_url, workers=str(args.workers), log_level="WARNING"
    ) as server:
        token = server.token(server.create_client("bench", "admin"))
        url = server.base_url + PATH
        run_wrk(url, token, 3, args.connections)  # warm-up
        result = run_wrk(url, token, args.seconds, args.connections)
    result.update(
        database="postgresql" if args.database_url else "sqlite",
        server_processes=args.workers,
        connections=args.connections,
        seconds=args.seconds,
        machine=f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
