"""Starts a real `tidings serve` for a benchmark and gives it an admin client."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Server:
    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "tidings", *args],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def token(self, role: str = "admin") -> str:
        client = json.loads(self.cli("oauth-client", "create", "--name", "bench", "--role", role, "--json"))
        basic = base64.b64encode(f"{client['id']}:{client['secret']}".encode()).decode()
        request = urllib.request.Request(
            f"{self.base_url}/oauth/token",
            data=b"grant_type=client_credentials",
            headers={"Authorization": f"Basic {basic}"},
        )
        with urllib.request.urlopen(request) as answer:
            return str(json.load(answer)["access_token"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(database_url: str | None = None, **settings: str) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="tidings-bench-") as data_dir:
        port = free_port()
        env = dict(os.environ)
        env.update({f"TIDINGS_{k.upper()}": v for k, v in settings.items()})
        env.update(
            TIDINGS_DATA_DIR=data_dir, TIDINGS_PORT=str(port), TIDINGS_LOG_LEVEL="WARNING"
        )
        if database_url:
            env["TIDINGS_DATABASE_URL"] = database_url
        log = open(Path(data_dir) / "serve.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "tidings", "serve"], env=env, stdout=log, stderr=log
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base_url}/healthz", timeout=1):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("tidings serve did not start") from None
                    time.sleep(0.1)
            yield Server(base_url, env, process)
        finally:
            process.terminate()
            process.wait(timeout=15)
            log.close()
