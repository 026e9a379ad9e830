"""An SMTP relay for tests: aiosmtpd in its own thread, recording what arrives and answering
as the test says.

It runs on its own event loop in a background thread (aiosmtpd's `Controller`), so it serves
the test's own asyncio code and a `tidings serve` subprocess alike:

    with SmtpPeer() as peer:
        peer.refuse("gone@example.org", 550, "5.1.1 no such user")
        peer.fail_next(2)              # the next two messages get 451
        peer.drop_after_data(1)        # the next message: body taken, connection cut, no reply
        ... send to peer.host, peer.port ...
        peer.wait_for(3); peer.messages[0].data

Options: `tls_context` plus `require_starttls` (STARTTLS), `implicit_tls` (the context wraps
the listener), `users` (AUTH PLAIN/LOGIN accepted for these user -> password pairs),
`pipelining` (EHLO offers PIPELINING, as Postfix and the big relays do: aiosmtpd reads
commands in order from a buffer, so it serves pipelined clients; it just does not say so).
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.server import free_port


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # the message as it came, before any Received header is added
    session: int  # which connection carried it (1, 2, ... in order of their first MAIL)
    login: str | None  # the authenticated user, if any
    tls: bool


class _Handler:
    def __init__(self, peer: SmtpPeer) -> None:
        self._peer = peer

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname  # this hook takes over what aiosmtpd does without it
        if self._peer.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if getattr(session, "peer_number", None) is None:
            session.peer_number = next(self._peer._session_numbers)  # type: ignore[attr-defined]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        with self._peer._lock:
            envelope.mails_before = self._peer._mails  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        refusal = self._peer._refusals.get(address.lower())
        if refusal is not None:
            if self._peer.data_after_refused_rcpt:
                envelope.rcpt_tos.append(address)  # so aiosmtpd answers DATA with 354
            return f"{refusal[0]} {refusal[1]}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        peer = self._peer
        if peer.hold_body_replies:
            # Counted as they arrive: this transaction's own MAIL is in `mails_before`.
            seen = envelope.mails_before  # type: ignore[attr-defined]
            peer.next_mail_before_reply.append(await peer._mail_arrives_after(seen))
        if all(address.lower() in peer._refusals for address in envelope.rcpt_tos):
            with peer._lock:
                peer.refused_data.append(bytes(envelope.original_content or b""))
            return "554 5.5.1 no valid recipients"
        with peer._lock:
            if peer._failures:
                peer._failures -= 1
                return f"{peer._failure_reply[0]} {peer._failure_reply[1]}"
            drop = peer._drops > 0
            if drop:
                peer._drops -= 1
            silent = not drop and peer._silences > 0
            if silent:
                peer._silences -= 1
        received = Received(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content or b""),
            session=getattr(session, "peer_number", 0),
            login=_login(session),
            tls=session.ssl is not None or _over_tls(server),
        )
        with peer._lock:
            peer.messages.append(received)
            peer.dropped += drop
        if drop:
            # The body is in, the reply never comes: the client cannot know the outcome.
            assert server.transport is not None
            server.transport.abort()
            await asyncio.sleep(3600)
        if silent:  # the body is in, the connection stays open and nothing is answered
            await asyncio.sleep(3600)
        number = len(peer.messages)
        return f"250 2.0.0 Ok: queued as PEER{number:06d}"


def _over_tls(server: SMTP) -> bool:
    transport = server.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


def _login(session: Session) -> str | None:
    data = session.auth_data
    if isinstance(data, LoginPassword):
        return data.login.decode()
    return None


class _RecordingSmtp(SMTP):
    peer: SmtpPeer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        with self.peer._lock:
            self.peer._open.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        with self.peer._lock:
            self.peer._open.discard(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.peer.record_packets:
            with self.peer._lock:
                self.peer.packets.append(data)
                self.peer._mails += data.count(b"MAIL FROM:")
        super().data_received(data)


class _Controller(Controller):
    def __init__(self, peer: SmtpPeer, **kwargs: Any) -> None:
        self._peer = peer
        super().__init__(_Handler(peer), **kwargs)

    def factory(self) -> SMTP:
        server = _RecordingSmtp(self.handler, **self.SMTP_kwargs)
        server.peer = self._peer
        return server


class SmtpPeer:
    def __init__(
        self,
        *,
        tls_context: ssl.SSLContext | None = None,
        require_starttls: bool = False,
        implicit_tls: bool = False,
        users: dict[str, str] | None = None,
        port: int | None = None,
        pipelining: bool = False,
    ) -> None:
        self.host = "127.0.0.1"
        self.pipelining = pipelining
        self.port = port or free_port()
        self.messages: list[Received] = []
        self.dropped = 0
        # What the clients sent, as each read from the socket returned it: shows which
        # commands a client wrote together. Off unless a test turns it on.
        self.record_packets = False
        self.packets: list[bytes] = []
        # A relay that takes DATA after refusing every RCPT (RFC 2920 warns of it): what came
        # as the body of such transactions, then refused.
        self.data_after_refused_rcpt = False
        self.refused_data: list[bytes] = []
        # With packets recorded: each body's reply waits (up to 5 s) for another MAIL to
        # arrive, and whether one did is noted: shows a client sending on before a reply.
        self.hold_body_replies = False
        self.next_mail_before_reply: list[bool] = []
        self._mails = 0
        self.auth_mechanisms: list[str] = []  # of the successful logins
        self._lock = threading.Lock()
        self._session_numbers = itertools.count(1)
        self._refusals: dict[str, tuple[int, str]] = {}
        self._failures = 0
        self._failure_reply = (451, "4.3.0 try again later")
        self._drops = 0
        self._silences = 0
        self._open: set[_RecordingSmtp] = set()
        self._users = users
        kwargs: dict[str, Any] = {"hostname": self.host, "port": self.port}
        if implicit_tls:
            kwargs["ssl_context"] = tls_context
        elif tls_context is not None:
            kwargs["tls_context"] = tls_context
            kwargs["require_starttls"] = require_starttls
        if users is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_require_tls"] = False
        # Messages of any size; a crawl of CPU-heavy tests must not time sessions out.
        kwargs.update(data_size_limit=None, timeout=600)
        self._controller = _Controller(self, **kwargs)

    # Rules -------------------------------------------------------------------------------

    def refuse(self, address: str, code: int, text: str) -> None:
        """RCPT TO this address gets `code text` (4xx or 5xx)."""
        with self._lock:
            self._refusals[address.lower()] = (code, text)

    def fail_next(self, count: int, code: int = 451, text: str = "4.3.0 try again later") -> None:
        """The next `count` messages get `code text` after their body."""
        with self._lock:
            self._failures, self._failure_reply = count, (code, text)

    def drop_after_data(self, count: int = 1) -> None:
        """The next `count` messages are recorded, then their connection is cut unanswered."""
        with self._lock:
            self._drops = count

    def silent_after_data(self, count: int = 1) -> None:
        """The next `count` messages are recorded and never answered; their connection
        stays open."""
        with self._lock:
            self._silences = count

    def close_connections(self) -> None:
        """Closes every open session, as a relay restarting or timing clients out would."""
        with self._lock:
            servers = list(self._open)
        for server in servers:
            if server.transport is not None:
                self._controller.loop.call_soon_threadsafe(server.transport.close)
        self.wait_closed()

    async def _mail_arrives_after(self, seen: int) -> bool:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            with self._lock:
                if self._mails > seen:
                    return True
            await asyncio.sleep(0.01)
        return False

    # Observations ------------------------------------------------------------------------

    @property
    def sessions(self) -> int:
        """Connections that carried at least one MAIL command."""
        with self._lock:
            return len({m.session for m in self.messages})

    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def wait_closed(self, timeout: float = 10.0) -> int:
        """Waits (a while) for every session to end; the number still open."""
        deadline = time.monotonic() + timeout
        while self.open_connections() and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.open_connections()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Blocks until `count` messages arrived (for messages relayed by another process)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.messages)} of {count} messages arrived in {timeout} s")

    # Lifecycle ---------------------------------------------------------------------------

    def start(self) -> SmtpPeer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpPeer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        users = self._users or {}
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if users.get(login) == password:
                with self._lock:
                    self.auth_mechanisms.append(mechanism)
                return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)
