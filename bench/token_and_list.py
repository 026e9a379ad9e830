"""Authenticated `GET /api/v2/authorization/divisions` (and token issuance) against a real
`tidings serve`, with the load from `wrk` (Debian package `wrk`): a C load generator in its
own process, so it does not compete with the server for the GIL.

    python bench/token_and_list.py                      # SQLite, 2 API processes, 8 connections
    python bench/token_and_list.py --postgres --workers 1 2 --connections 4 8 16

Prints one Markdown table row per configuration, ready for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.server import Server, running_server

LIST_PATH = "/api/v2/authorization/divisions"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]


def wrk_counted(
    url: str, seconds: int, connections: int, *args: str
) -> tuple[float, float, float, int]:
    """Requests a second, p50 ms, p99 ms and how many requests wrk completed; fails on any
    non-2xx answer."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *args, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw error answers:\n{out}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    made = re.search(r"(\d+) requests in", out)
    assert rate and made, out
    return float(rate.group(1)), _ms(latency["50"]), _ms(latency["99"]), int(made.group(1))


def wrk(url: str, seconds: int, connections: int, *args: str) -> tuple[float, float, float]:
    """Requests a second, p50 ms, p99 ms; fails on any non-2xx answer."""
    rate, p50, p99, _ = wrk_counted(url, seconds, connections, *args)
    return rate, p50, p99


@contextlib.contextmanager
def database(postgres: bool) -> Iterator[str | None]:
    if not postgres:
        yield None
        return
    import psycopg

    name = f"tidings_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def token_script(server: Server, directory: Path) -> Path:
    client = server.create_client("bench-token", "reporting")
    script = directory / "token.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.body = "grant_type=client_credentials&client_id={client.id}'
        f'&client_secret={client.secret}"\n'
    )
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, nargs="+", default=[8])
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--postgres", action="store_true", help="a fresh database on :5432")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")

    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"<!-- {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC -->"
    )
    print("| database | API processes | what | connections | requests/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for workers in args.workers:
        with (
            tempfile.TemporaryDirectory() as directory,
            database(args.postgres) as url,
            running_server(url, workers=str(workers), log_level="WARNING") as server,
        ):
            bearer = f"Authorization: Bearer {server.token(server.create_client('b', 'admin'))}"
            wrk(server.base_url + LIST_PATH, 3, 8, "-H", bearer)  # warm-up
            for connections in args.connections:
                rate, p50, p99 = wrk(
                    server.base_url + LIST_PATH, args.seconds, connections, "-H", bearer
                )
                print(
                    f"| {backend} | {workers} | GET divisions | {connections} | {rate:,.0f} "
                    f"| {p50:.1f} | {p99:.1f} |",
                    flush=True,
                )
            script = token_script(server, Path(directory))
            rate, p50, p99 = wrk(
                server.base_url + "/oauth/token", args.seconds, 8, "-s", str(script)
            )
            print(
                f"| {backend} | {workers} | POST /oauth/token | 8 | {rate:,.0f} "
                f"| {p50:.1f} | {p99:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
