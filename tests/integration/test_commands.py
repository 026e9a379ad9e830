"""The `tidings` commands as an operator runs them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from tests.support.server import run_cli, running_server, tidings_env
from tidings.adapters.db.engine import driver_url
from tidings.adapters.db.tables import dispatchers


def _dispatcher_rows(url: str) -> int:
    engine = create_engine(driver_url(url, asynchronous=False))
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(dispatchers)).scalar() or 0
            )
    finally:
        engine.dispose()


def _wait_for(predicate, seconds: float = 20) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_serve_on_a_fresh_directory_creates_and_migrates_it(tmp_path: Path) -> None:
    with running_server(None, data_dir=tmp_path) as server:
        assert (server.data_dir / "tidings.db").exists()
        client = server.create_client("first", "admin")
        token = server.token(client)
        status, body, _ = server.request("GET", "/api/v2/authorization/divisions", token=token)
        assert status == 200 and body["entities"][0]["name"] == "Home"


def test_oauth_client_create_prints_json(tmp_path: Path, database_url: str) -> None:
    env = tidings_env(tmp_path / "data", database_url)
    out = run_cli(env, "oauth-client", "create", "--name", "crm", "--role", "sender", "--json")
    created = json.loads(out.stdout)
    assert set(created) == {"id", "secret", "name"} and created["name"] == "crm"


def test_oauth_client_create_refuses_an_unknown_role(tmp_path: Path, database_url: str) -> None:
    env = tidings_env(tmp_path / "data", database_url)
    out = run_cli(env, "oauth-client", "create", "--name", "x", "--role", "root", check=False)
    assert out.returncode == 2 and "no role 'root'" in out.stderr


def test_db_upgrade_is_repeatable(tmp_path: Path, database_url: str) -> None:
    env = tidings_env(tmp_path / "data", database_url)
    assert run_cli(env, "db", "upgrade").returncode == 0
    assert run_cli(env, "db", "upgrade").returncode == 0


def test_a_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    env = tidings_env(tmp_path / "data", None, port="eighty")
    out = run_cli(env, "db", "upgrade", check=False)
    assert out.returncode == 2 and "port" in out.stderr


def test_worker_refuses_an_unmigrated_database(tmp_path: Path, database_url: str) -> None:
    env = tidings_env(tmp_path / "data", database_url)
    out = run_cli(env, "worker", check=False)
    assert out.returncode == 1 and "tidings db upgrade" in out.stderr


def test_worker_announces_itself_and_leaves_cleanly_on_sigterm(
    tmp_path: Path, database_url: str
) -> None:
    env = tidings_env(tmp_path / "data", database_url, dispatcher_poll_seconds="0.1")
    run_cli(env, "db", "upgrade")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tidings", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert _wait_for(lambda: _dispatcher_rows(database_url) == 1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _dispatcher_rows(database_url) == 0


def test_serve_with_two_workers_runs_one_dispatcher_and_sums_metrics(
    tmp_path: Path, database_url: str
) -> None:
    with running_server(database_url, data_dir=tmp_path, workers="2") as server:
        assert _wait_for(lambda: _dispatcher_rows(database_url) == 1)
        time.sleep(1.5)
        assert _dispatcher_rows(database_url) == 1
        token = server.token(server.create_client("m", "admin"))
        for _ in range(20):
            server.request("GET", "/api/v2/authorization/divisions", token=token)

        def counted() -> float:
            text = server.request("GET", "/metrics")[1]
            line = next(
                entry
                for entry in text.splitlines()
                if entry.startswith("tidings_http_requests_total")
                and 'route="/api/v2/authorization/divisions"' in entry
            )
            return float(line.rsplit(" ", 1)[1])

        # A request is counted once its answer has gone out, so the last one may still be
        # on its way into the counter when the client already has its answer.
        assert _wait_for(lambda: counted() == 20.0, seconds=5)
        assert counted() == 20.0


def test_a_second_dispatcher_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    with running_server(url, data_dir=tmp_path) as server:
        out = run_cli(server.env, "worker", check=False)
    assert out.returncode == 1 and "SQLite takes one dispatcher" in out.stderr


def test_contacts_import_reads_a_csv_into_a_list_beside_a_running_server(
    tmp_path: Path, database_url: str
) -> None:
    with running_server(database_url, data_dir=tmp_path) as server:
        token = server.token(server.create_client("importer", "admin"))
        created = server.request(
            "POST",
            "/api/v2/outbound/contactlists",
            token=token,
            json_body={
                "name": "From the CLI",
                "columnNames": ["id", "phone", "name"],
                "phoneColumns": [{"columnName": "phone", "type": "cell"}],
            },
        )[1]
        source = tmp_path / "contacts.csv"
        source.write_text(
            "id,phone,name\n"
            + "".join(f"c{n},(317) 555-{n:04d},Person {n}\n" for n in range(2000))
            + "bad,+13175550000,"
            + "x" * 600
            + "\n"
        )
        done = server.cli(
            "contacts", "import", created["id"], str(source), "--contact-id-name", "id"
        )
        assert "imported 2000 contacts from 2001 rows (1 refused" in done.stdout
        # The progress bar (drawn once at the end when the output is not a terminal).
        assert "rows read" in done.stdout and "2001/2001" in done.stdout
        rejects = Path(done.stdout.split("refused rows: ", 1)[1].strip())
        assert "over 512 characters" in rejects.read_text()
        size = server.request(
            "GET", f"/api/v2/outbound/contactlists/{created['id']}?includeSize=true", token=token
        )[1]["size"]
        assert size == 2000
        assert source.exists()  # the user's file stays where it was

        again = server.cli("contacts", "import", created["id"], str(source), "--quiet")
        assert "rows read" not in again.stdout and "imported 2000 contacts" in again.stdout

        broken = tmp_path / "broken.csv"
        broken.write_text("name\nAnn\n")
        refused = server.cli("contacts", "import", created["id"], str(broken), check=False)
        assert refused.returncode == 1
        assert "'phone'" in refused.stderr
