"""The console's live campaigns dashboard: 100 campaigns running while 0, 1, 5 and 20
dashboards follow them over their server-sent event streams.

    python bench/dashboard_live.py                       # SQLite
    python bench/dashboard_live.py --postgres
    python bench/dashboard_live.py --dashboards 0 1 5 20 --seconds 30

Two servers share the database. `tidings serve` (a child process) runs the dispatcher: its
100 campaigns, switched on over one contact list of --contacts numbers at --per-minute
messages a minute each, keep sending into the SMS simulator for the whole run. The console
that the dashboards read is served by uvicorn inside this process (no dispatcher), so
everything this process does during a measurement is the dashboards' work: a SQLAlchemy
listener on its engine counts the statements it sends, and its CPU time is theirs (the
dashboards themselves are separate processes, one per dashboard, each signed in as its own
console user session, following the 100 campaigns on one stream as the page's script does).
On PostgreSQL the CPU of the database server's processes is measured too; it includes the
dispatcher's work, so the dashboards' share is the difference to the run without dashboards.

Each dashboard records when each event arrived: the update interval is the time between
two events, as a browser sees it.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import multiprocessing
import os
import platform
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import httpx
from sqlalchemy import event
from tests.support.asgi_thread import serving
from tests.support.console import PASSWORD, create_user
from tests.support.server import running_server

from bench.campaign_common import CAMPAIGNS, LISTS, Api, cpu_seconds
from bench.token_and_list import database
from tidings.bootstrap import build
from tidings.config import Settings
from tidings.server import compose

SENDER = "+13175550100"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def phone(n: int) -> str:
    return f"+1463{200 + n // 10_000:03d}{n % 10_000:04d}"


def set_up_campaigns(api: Api, campaigns: int, contacts: int, per_minute: int) -> list[str]:
    """`campaigns` campaigns over one list, switched on; their ids."""
    api(
        "POST",
        "/api/v2/routing/sms/phonenumbers",
        {"phoneNumber": SENDER, "phoneNumberType": "local", "countryCode": "US"},
    )
    created = api(
        "POST",
        LISTS,
        {
            "name": "dashboard bench",
            "columnNames": ["phone", "body"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )
    list_id = created["id"]
    for start in range(0, contacts, 1000):
        batch = [
            {"id": f"c{n}", "data": {"phone": phone(n), "body": f"Reminder {n}"}}
            for n in range(start, min(start + 1000, contacts))
        ]
        api("POST", f"{LISTS}/{list_id}/contacts", batch)
    ids = []
    for n in range(campaigns):
        campaign = api(
            "POST",
            CAMPAIGNS,
            {
                "name": f"dashboard {n:03d}",
                "contactList": {"id": list_id},
                "messagesPerMinute": per_minute,
                "smsConfig": {
                    "phoneColumn": "phone",
                    "senderSmsPhoneNumber": {"phoneNumber": SENDER},
                    "messageColumn": "body",
                },
            },
        )
        ids.append(campaign["id"])
    for campaign_id in ids:
        api("POST", f"{CAMPAIGNS}/{campaign_id}/start", ok=204)
    return ids


# --- one dashboard, in its own process --------------------------------------------------


def sign_in(client: httpx.Client, email: str) -> None:
    form = client.get("/sign-in")
    token = _CSRF.search(form.text)
    assert token, form.text
    answer = client.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "email": email, "password": PASSWORD, "next": "/"},
    )
    assert answer.status_code == 303, answer.text


def dashboard(base_url: str, email: str, ids: list[str], pipe: Connection) -> None:
    """Signs in, then follows `ids` on the live stream (opened again when it ends, as
    EventSource does) until told to stop; sends back each event's arrival time and the
    campaigns' processed counts."""
    stop, ready = threading.Event(), threading.Event()
    arrivals: list[float] = []
    processed: list[int] = []
    running: list[int] = []

    def listen() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            sign_in(client, email)
            query = "&".join(f"id={i}" for i in ids)
            while not stop.is_set():
                with client.stream("GET", f"/campaigns/live?{query}") as stream:
                    assert stream.status_code == 200, stream.read()
                    for line in stream.iter_lines():
                        if stop.is_set():
                            return
                        if line.startswith("data: ") and line != "data: {}":
                            arrivals.append(time.monotonic())
                            rows = json.loads(line[6:])
                            processed.append(sum(r["processed"] for r in rows))
                            running.append(sum(1 for r in rows if r["running"]))
                            ready.set()

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    # Signed in (argon2 takes its time) and following: only then does the measurement start.
    assert ready.wait(300), "no event within 5 minutes"
    pipe.send("started")
    pipe.recv()  # "stop"
    stop.set()
    pipe.send({"arrivals": arrivals, "processed": processed, "running": running})


@contextlib.contextmanager
def dashboards(base_url: str, emails: list[str], ids: list[str]) -> Iterator[list[Connection]]:
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for email in emails:
        ours, theirs = context.Pipe()
        process = context.Process(target=dashboard, args=(base_url, email, ids, theirs))
        process.start()
        pipes.append(ours)
        processes.append(process)
    try:
        for pipe in pipes:
            assert pipe.recv() == "started"
        yield pipes
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()


# --- the measurement --------------------------------------------------------------------

CONSOLE = "tidings-dashboard-console"  # the application_name of the console's connections


def backends(url: str | None) -> dict[str, list[int]]:
    """PostgreSQL's server processes for the bench database: the console's and all."""
    if url is None:
        return {"console": [], "all": []}
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchall()
    return {"console": [p for p, name in rows if name == CONSOLE], "all": [p for p, _ in rows]}


def cpu_of(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in pids}


def delta(before: dict[int, float], after: dict[int, float]) -> float:
    # A process that started meanwhile counts from zero.
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


class Statements:
    """Counts what the console's engine sends, by the first table it names."""

    def __init__(self) -> None:
        self.count = 0
        self.kinds: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        found = re.search(r"\bFROM\s+\"?(\w+)", statement, re.IGNORECASE)
        kind = statement.split(None, 1)[0].upper() + (f" {found.group(1)}" if found else "")
        with self._lock:
            self.count += 1
            self.kinds[kind] += 1

    def snapshot(self) -> tuple[int, Counter[str]]:
        with self._lock:
            return self.count, Counter(self.kinds)


def measure(
    base_url: str,
    emails: list[str],
    ids: list[str],
    statements: Statements,
    url: str | None,
    warm: float,
    seconds: float,
) -> dict[str, Any]:
    me = os.getpid()
    with dashboards(base_url, emails, ids) as pipes:
        time.sleep(warm)
        count0, kinds0 = statements.snapshot()
        cpu0 = cpu_seconds(me)
        pids0 = backends(url)
        pg0 = {kind: cpu_of(pids) for kind, pids in pids0.items()}
        load0 = os.getloadavg()[0]
        start = time.monotonic()
        time.sleep(seconds)
        end = time.monotonic()
        count1, kinds1 = statements.snapshot()
        cpu1 = cpu_seconds(me)
        pids1 = backends(url)
        pg1 = {kind: cpu_of(pids) for kind, pids in pids1.items()}
        load1 = os.getloadavg()[0]
        for pipe in pipes:
            pipe.send("stop")
        seen = [pipe.recv() for pipe in pipes]
    elapsed = end - start
    gaps: list[float] = []
    moved = []
    running = []
    for one in seen:
        inside = [
            (t, p, r)
            for t, p, r in zip(one["arrivals"], one["processed"], one["running"], strict=True)
            if start <= t <= end
        ]
        times = [t for t, _, _ in inside]
        gaps += [b - a for a, b in itertools.pairwise(times)]
        if inside:
            moved.append(inside[-1][1] - inside[0][1])
            running.append(min(r for _, _, r in inside))
    kinds = {
        k: round((kinds1[k] - kinds0[k]) / elapsed, 2) for k in kinds1 if kinds1[k] > kinds0[k]
    }
    return {
        "dashboards": len(emails),
        "seconds": round(elapsed, 1),
        "statements_per_second": round((count1 - count0) / elapsed, 2),
        "statements_by_kind_per_second": kinds,
        "console_cpu_per_second": round((cpu1 - cpu0) / elapsed, 4),
        # The database server's processes serving the console, and all of the bench
        # database's (with the dispatcher's).
        "postgres_console_cpu_per_second": round(delta(pg0["console"], pg1["console"]) / elapsed, 4)
        if url
        else None,
        "postgres_all_cpu_per_second": round(delta(pg0["all"], pg1["all"]) / elapsed, 4)
        if url
        else None,
        "events": len(gaps) + len(seen),
        "interval_mean": round(statistics.fmean(gaps), 3) if gaps else None,
        "interval_p95": round(statistics.quantiles(gaps, n=20)[-1], 3) if len(gaps) > 20 else None,
        "interval_max": round(max(gaps), 3) if gaps else None,
        "processed_moved_min": min(moved) if moved else None,
        "running_min": min(running) if running else None,
        "load_average": round((load0 + load1) / 2, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dashboards", type=int, nargs="+", default=[0, 1, 5, 20])
    parser.add_argument("--campaigns", type=int, default=100)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--per-minute", type=int, default=10)
    parser.add_argument("--warm", type=float, default=4.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="tidings-dashboard-") as directory,
        database(args.postgres) as url,
        running_server(url, data_dir=Path(directory)) as server,
    ):
        api = Api(server)
        ids = set_up_campaigns(api, args.campaigns, args.contacts, args.per_minute)
        emails = [create_user(server, "admin").email for _ in range(max(args.dashboards))]
        shared = url or f"sqlite:///{server.data_dir}/tidings.db"
        if url:  # the console's connections are told apart by their application_name
            shared = f"{url}?application_name={CONSOLE}"
        container = build(
            Settings(
                data_dir=Path(directory) / "console",
                database_url=shared,
                console_secure_cookies=False,
            )
        )
        statements = Statements()
        event.listen(container.engine.sync_engine, "before_cursor_execute", statements)
        results = []
        with serving(compose(container, run_dispatcher=False)) as base_url:
            for n in args.dashboards:
                found = measure(base_url, emails[:n], ids, statements, url, args.warm, args.seconds)
                print(json.dumps(found), flush=True)
                results.append(found)
    print(
        json.dumps(
            {
                "database": "postgresql" if args.postgres else "sqlite",
                "machine": f"{platform.node()} {os.cpu_count()} cores",
                "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                "campaigns": args.campaigns,
                "per_minute": args.per_minute,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
