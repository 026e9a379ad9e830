"""A real `tidings serve` in a child process, for tests and benchmarks."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# CI runs the SQLite and the PostgreSQL suites side by side. Each picks its servers' ports
# from its own range, below the kernel's ephemeral ports (32768 up), so neither a port the
# other suite picked nor the source port of an outgoing connection can take one before the
# server that was given it binds it.
_PORTS = (
    range(26000, 32000)
    if os.environ.get("TIDINGS_TEST_DATABASE") == "postgresql"
    else range(20000, 26000)
)


# Ports handed out already: a test may take two before it starts either server.
_GIVEN: set[int] = set()


def free_port() -> int:
    if len(_GIVEN) > len(_PORTS) // 2:
        _GIVEN.clear()
    while True:
        port = random.choice(_PORTS)
        if port in _GIVEN:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port


def tidings_env(data_dir: Path, database_url: str | None, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIDINGS_")}
    env.update({f"TIDINGS_{k.upper()}": v for k, v in settings.items()})
    env["TIDINGS_DATA_DIR"] = str(data_dir)
    if database_url:
        env["TIDINGS_DATABASE_URL"] = database_url
    return env


def run_cli(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tidings", *args],
        env=env,
        check=check,
        capture_output=True,
        text=True,
        timeout=120,
    )


@dataclass
class Client:
    id: str
    secret: str
    name: str

    @classmethod
    def of(cls, created: dict[str, Any]) -> Client:
        return cls(created["id"], created["secret"], created["name"])


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    _tokens: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_cli(self.env, *args, check=check)

    def create_client(self, name: str, *roles: str) -> Client:
        args = ["oauth-client", "create", "--name", name, "--json"]
        for role in roles:
            args += ["--role", role]
        created = json.loads(self.cli(*args).stdout)
        return Client(created["id"], created["secret"], created["name"])

    def post_client(self, token: str, **fields: Any) -> tuple[int, Any]:
        """POST /api/v2/oauth/clients: a unique name, the client-credentials grant, `fields`."""
        body = {
            "name": f"client-{uuid.uuid4().hex[:8]}",
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            **fields,
        }
        status, answer, _ = self.request(
            "POST", "/api/v2/oauth/clients", token=token, json_body=body
        )
        return status, answer

    def token_response(self, client: Client) -> tuple[int, Any, dict[str, str]]:
        """The client-credentials grant as the SDK sends it (HTTP Basic, form body)."""
        basic = base64.b64encode(f"{client.id}:{client.secret}".encode()).decode()
        return self.request(
            "POST",
            "/oauth/token",
            body=b"grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

    def token(self, client: Client) -> str:
        status, body, _ = self.token_response(client)
        if status != 200:
            raise AssertionError(f"token refused: {status} {body}")
        return str(body["access_token"])

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body: Any = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """One HTTP call; returns status, parsed JSON (or text) and headers."""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=sent
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, raw, got = answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            status, raw, got = error.code, error.read(), dict(error.headers)
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return status, parsed, {k.lower(): v for k, v in got.items()}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# Generous: with `workers` the children import the whole application only once the parent
# is up, and on these 2 cores beside a second test suite that took 25 s (on a quiet machine
# 9). A server that never gets healthy fails the same way, later; one that exits fails at once.
STARTUP_SECONDS = 120.0


def wait_healthy(
    base_url: str, process: subprocess.Popen[bytes], seconds: float = STARTUP_SECONDS
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"tidings serve exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError("tidings serve did not become healthy") from None
            time.sleep(0.05)


@contextlib.contextmanager
def running_server(
    database_url: str | None = None, data_dir: Path | None = None, **settings: str
) -> Iterator[Server]:
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tidings-")))
        port = free_port()
        settings.setdefault("log_level", "INFO")
        env = tidings_env(data_dir / "data", database_url, port=str(port), **settings)
        log_path = data_dir / "serve.log"
        log = stack.enter_context(open(log_path, "wb"))
        process = subprocess.Popen(
            [sys.executable, "-m", "tidings", "serve"], env=env, stdout=log, stderr=log
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base_url, process)
            yield Server(base_url, env, data_dir / "data", process, log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
