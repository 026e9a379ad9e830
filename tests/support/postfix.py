"""A real postfix for one test, in a private directory: never the system's /etc/postfix.

`postfix -c DIR start` with its own main.cf and master.cf: its smtpd listens on 127.0.0.1 at a
free port, it delivers nothing locally (`mydestination` is empty), and it relays everything
to `relayhost=[127.0.0.1]:<sink port>`. Queue, data and log live under the same temporary
directory, which is removed after `postfix stop`. Postfix must run as root (its master drops
to the `postfix` user the Debian package creates); `.ci/run` installs the package.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import free_port

SERVICES = """\
{listen} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


def postfix_command() -> str | None:
    found = shutil.which("postfix") or "/usr/sbin/postfix"
    return found if os.access(found, os.X_OK) else None


def why_postfix_cannot_run() -> str | None:
    """None when this machine can run a private postfix, else the reason."""
    if postfix_command() is None:
        return "postfix is not installed (.ci/run installs it)"
    if os.geteuid() != 0:
        return "postfix's master must start as root"
    return None


@dataclass(frozen=True)
class Postfix:
    port: int
    directory: Path

    @property
    def log(self) -> str:
        path = self.directory / "postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for_log(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in (log := self.log):
                return log
            time.sleep(0.05)
        raise AssertionError(f"postfix never logged {text!r}; its log:\n{self.log}")


@contextlib.contextmanager
def running_postfix(relayhost_port: int) -> Iterator[Postfix]:
    command = postfix_command()
    assert command is not None, "postfix is not installed"
    # Short path: postfix's unix sockets live under the queue (108-byte sun_path limit).
    # Its daemons run as `postfix`, so every directory on the way must let them through.
    directory = Path(tempfile.mkdtemp(prefix="tpfx-", dir="/tmp"))
    directory.chmod(0o755)
    conf, queue, data = directory / "conf", directory / "queue", directory / "data"
    for path in (conf, queue, data):
        path.mkdir()
    shutil.chown(data, "postfix", "postfix")
    port = free_port()
    (conf / "main.cf").write_text(
        "\n".join(
            [
                "compatibility_level = 3.6",
                f"config_directory = {conf}",
                f"queue_directory = {queue}",
                f"data_directory = {data}",
                f"maillog_file = {directory}/postfix.log",
                "maillog_file_prefixes = /tmp",
                "mail_owner = postfix",
                "setgid_group = postdrop",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "myhostname = relay.tidings.test",
                "mydomain = tidings.test",
                "mydestination =",
                "local_recipient_maps =",
                "alias_maps =",
                "alias_database =",
                "mynetworks = 127.0.0.0/8",
                "smtpd_relay_restrictions = permit_mynetworks, reject",
                f"relayhost = [127.0.0.1]:{relayhost_port}",
                "smtp_tls_security_level = none",
                "smtpd_tls_security_level = none",
                "biff = no",
                "",
            ]
        )
    )
    (conf / "master.cf").write_text(SERVICES.format(listen=f"127.0.0.1:{port}"))
    running = Postfix(port, directory)
    try:
        started = subprocess.run(
            [command, "-c", str(conf), "start"], capture_output=True, text=True, timeout=60
        )
        if started.returncode != 0:
            raise AssertionError(
                f"postfix did not start ({started.returncode}): {started.stderr}\n{running.log}"
            )
        _wait_for_port(port, running)
        yield running
    finally:
        subprocess.run(
            [command, "-c", str(conf), "stop"], capture_output=True, text=True, timeout=60
        )
        shutil.rmtree(directory, ignore_errors=True)


def _wait_for_port(port: int, running: Postfix, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise AssertionError(f"postfix's smtpd never listened on {port}; its log:\n{running.log}")
