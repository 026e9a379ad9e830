"""What the campaign benchmarks share: a contact list loaded by CSV upload, the campaign
switched on and followed to its last settled message, and the CPU time of the processes
that did the work (the server, its workers and, on PostgreSQL, the database server)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from tests.support.server import Server

from bench.contact_import import timed_upload
from tidings.adapters.db.engine import driver_url

LISTS = "/api/v2/outbound/contactlists"
CAMPAIGNS = "/api/v2/outbound/messagingcampaigns"
DNC = "/api/v2/outbound/dnclists"


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far (Linux: /proc/PID/stat, in clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process we may read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        found[int(entry.name)] = (int(stat.rpartition(")")[2].split()[1]), name)
    return found


def tree(pids: list[int]) -> list[int]:
    """The processes and all their descendants (uvicorn's workers, spawned helpers)."""
    table = _processes()
    found, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        todo.extend(child for child, (parent, _) in table.items() if parent == pid)
    return sorted(found)


def postgres_pids() -> list[int]:
    return [pid for pid, (_, name) in _processes().items() if name in {"postgres", "postmaster"}]


class CpuMeter:
    """CPU seconds spent by our processes (and PostgreSQL's) between start() and stop()."""

    def __init__(self, roots: list[int], postgres: bool) -> None:
        self._roots, self._postgres = roots, postgres

    def _now(self) -> dict[str, dict[int, float]]:
        ours = {pid: cpu_seconds(pid) for pid in tree(self._roots)}
        theirs = {pid: cpu_seconds(pid) for pid in postgres_pids()} if self._postgres else {}
        return {"tidings": ours, "postgres": theirs}

    def start(self) -> None:
        self._before = self._now()

    def stop(self) -> dict[str, float]:
        after = self._now()
        # A process that started meanwhile counts from zero.
        return {
            kind: sum(cpu - self._before[kind].get(pid, 0.0) for pid, cpu in after[kind].items())
            for kind in after
        }


def database_url(server: Server) -> str:
    return server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"


class Api:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.token = server.token(server.create_client("bench admin", "admin"))

    def __call__(self, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        status, answer, _ = self.server.request(method, path, token=self.token, json_body=body)
        assert status == ok, (status, answer)
        return answer

    def upload(self, fields: dict[str, str], source: Path, status_path: str) -> float:
        seconds, _, status, _ = timed_upload(self.server, self.token, fields, source, status_path)
        assert status["status"] == "COMPLETE", status
        return seconds

    def template(self, response_type: str, texts: list[dict[str, str]]) -> str:
        library = self("POST", "/api/v2/responsemanagement/libraries", {"name": "bench"})
        created = self(
            "POST",
            "/api/v2/responsemanagement/responses",
            {
                "name": "bench",
                "libraries": [{"id": library["id"]}],
                "texts": texts,
                "responseType": response_type,
            },
        )
        return str(created["id"])

    def contact_list(self, columns: list[str], source: Path, **address_columns: Any) -> str:
        created = self("POST", LISTS, {"name": "bench", "columnNames": columns, **address_columns})
        list_id = str(created["id"])
        self.upload(
            {"id": list_id, "fileType": "contactlist"}, source, f"{LISTS}/{list_id}/importstatus"
        )
        return list_id

    def dnc_list(self, method: str, source: Path | None) -> tuple[str, float]:
        """A DNC list, filled from `source` by CSV upload; its id and the upload's seconds."""
        body = {"name": "bench dnc", "dncSourceType": "rds", "contactMethod": method}
        list_id = str(self("POST", DNC, body)["id"])
        seconds = 0.0
        if source is not None:
            seconds = self.upload(
                {"id": list_id, "fileType": "dnclist"}, source, f"{DNC}/{list_id}/importstatus"
            )
        return list_id, seconds


@dataclass
class Outcome:
    started: datetime  # switch-on, UTC
    clock: float  # switch-on, time.monotonic() (the same clock in every process)
    seconds: float  # switch-on to the last message's final status in the database
    complete_seconds: float  # switch-on until the campaign row said `complete`
    statuses: dict[str, int]
    attempts: dict[str, int]


def _status(url: str, campaign_id: str) -> str:
    engine = create_engine(driver_url(url, asynchronous=False))
    try:
        with engine.connect() as connection:
            return str(
                connection.execute(
                    text("SELECT status FROM messaging_campaigns WHERE id = :c"), {"c": campaign_id}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _counts(url: str, campaign_id: str) -> tuple[dict[str, int], dict[str, int], datetime | None]:
    engine = create_engine(driver_url(url, asynchronous=False))
    try:
        with engine.connect() as connection:
            statuses = dict(
                connection.execute(
                    text(
                        "SELECT status, count(*) FROM messages WHERE campaign_id = :c "
                        "GROUP BY status"
                    ),
                    {"c": campaign_id},
                ).all()
            )
            attempts = dict(
                connection.execute(
                    text(
                        "SELECT coalesce(wrapup, state), count(*) FROM campaign_attempts "
                        "WHERE campaign_id = :c GROUP BY coalesce(wrapup, state)"
                    ),
                    {"c": campaign_id},
                ).all()
            )
            last = connection.execute(
                text("SELECT max(status_changed_at) FROM messages WHERE campaign_id = :c"),
                {"c": campaign_id},
            ).scalar_one()
    finally:
        engine.dispose()
    if isinstance(last, str):
        last = datetime.fromisoformat(last)
    return statuses, attempts, last


def run_campaign(
    api: Api, campaign_id: str, expected: int, final_status: str, timeout: float = 600
) -> Outcome:
    """Switches the campaign on and waits until it is complete and `expected` of its messages
    reached `final_status`. The end is the last status change written, so the polling does
    not blur it."""
    url = database_url(api.server)
    started = datetime.now(UTC)
    clock = time.monotonic()
    api("POST", f"{CAMPAIGNS}/{campaign_id}/start", ok=204)
    complete = None
    deadline = clock + timeout
    # Until the campaign is complete only its status is read, from its row: polling the API
    # and counting the messages every half second cost the server and the cores it shares
    # several percent of a run (a profile put the API's share of the server at 6-8%).
    while True:
        time.sleep(0.5)
        if time.monotonic() > deadline:
            raise SystemExit(f"not finished in {timeout} s: {_counts(url, campaign_id)}")
        if complete is None:
            if _status(url, campaign_id) != "complete":
                continue
            complete = time.monotonic() - clock
        statuses, attempts, last = _counts(url, campaign_id)
        if statuses.get(final_status, 0) >= expected:
            break
    assert last is not None
    seconds = (last.replace(tzinfo=UTC) - started).total_seconds()
    return Outcome(started, clock, seconds, complete, statuses, attempts)


@contextlib.contextmanager
def workers(server: Server, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` `tidings worker` processes beside the server (which runs no dispatcher)."""
    processes = []
    try:
        for n in range(count):
            log = open(server.data_dir.parent / f"worker-{n}.log", "ab")  # noqa: SIM115
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tidings", "worker"],
                    env=server.env,
                    stdout=log,
                    stderr=log,
                )
            )
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_dispatchers(api: Api, count: int, timeout: float = 30) -> None:
    engine = create_engine(driver_url(database_url(api.server), asynchronous=False))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                live = connection.execute(text("SELECT count(*) FROM dispatchers")).scalar_one()
            if live >= count:
                return
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise SystemExit(f"{count} dispatchers did not announce themselves")
