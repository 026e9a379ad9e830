"""`SmtpSender`: the `EmailSender` port over a pool of persistent SMTP connections.

Each send takes an idle connection from the pool (waiting when all are busy), runs one
MAIL/RCPT/DATA transaction on it, and gives it back. A connection is opened on first use
(STARTTLS or implicit TLS and AUTH as configured), kept for later sends, and opened again
when the relay closed it. Where the relay offers PIPELINING, MAIL, RCPT and DATA go out in
one write, and the connection is given back as soon as the body is written: the next
message's commands follow it on the wire while its final reply is on its way (RFC 2920),
one round trip a message. What the relay answered becomes a `SendResult`:

- 250 after the body: ACCEPTED, named by the Message-ID (the relay's reply, which often holds
  its queue id, is kept in `reason` for matching the relay's log);
- 4xx anywhere: RETRY with the code and text; 5xx: REJECTED with the code and text;
- no connection, or the connection lost before DATA's 354: RETRY (nothing was sent). A drop
  of an idle connection is noticed and the send is made once more on a new connection;
- the connection lost or timed out after the body went out, before the final reply: UNKNOWN.
  The relay may have queued it; sending again could deliver it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiosmtplib
from aiosmtplib import SMTPResponse

from tidings.adapters.email.compose import ComposedEmail, UnsendableAddress, compose
from tidings.adapters.email.signing import Signing
from tidings.adapters.email.smtp_replies import ReplyReader, take_over
from tidings.adapters.email.smtp_url import SmtpSettings, parse_smtp_url
from tidings.domain.channels import OutboundEmail, SendOutcome, SendResult
from tidings.ports import ChannelEvents

log = logging.getLogger("tidings.smtp")

# A connection idle this long is checked with NOOP before use: relays drop idle clients
# (postfix after 300 s), and a stale socket should cost a NOOP, not a failed transaction.
IDLE_CHECK_SECONDS = 10.0
# 530 authentication (or STARTTLS) required, 534 mechanism too weak, 535 credentials
# refused, 538 encryption required for the mechanism (RFC 4954, RFC 3207).
_SESSION_REFUSALS = frozenset({530, 534, 535, 538})
_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")
# Ways connections fail; aiosmtplib wraps most in SMTPException subclasses.
_CONNECTION_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)
# What MAIL, RCPT and DATA answer when all is well.
_GOOD_REPLIES = ((250,), (250, 251), (354,))


class _Refused(Exception):
    """The relay answered a command with a refusal (4xx/5xx) or something unexpected."""

    def __init__(self, response: SMTPResponse) -> None:
        super().__init__(response.code, response.message)
        self.response = response


@dataclass(frozen=True)
class _Session:
    client: aiosmtplib.SMTP  # opened the session; from then on `relay` reads the replies
    relay: ReplyReader
    pipelining: bool


@dataclass
class _Connection:
    session: _Session | None = None
    last_used: float = field(default_factory=time.monotonic)
    opened: int = 0  # sessions this slot opened, for logs


# Messages claimed for each connection: one on the wire, the rest composed and signed or
# waiting. Claims and settlements then go in groups of dozens (4 a connection: 427-470/s and
# 2.3-2.5 ms a message in a 15,000-contact campaign; 32: 559-630/s and 1.8-2.0 ms; 64 no
# better).
_AHEAD_PER_CONNECTION = 32


class SmtpSender:
    # Its outcomes come back as bounces to the VERP Return-Path, which names the message,
    # never as receipts naming the relay's id: settlements need not index that id.
    receipts_by_provider_id = False

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._all = [_Connection() for _ in range(settings.connections)]
        # Last in, first out: at low load the same warm connection serves, the rest idle.
        self._idle: asyncio.LifoQueue[_Connection] = asyncio.LifoQueue()
        for connection in self._all:
            self._idle.put_nowait(connection)
        self._tls_context = settings.tls_context() if settings.uses_tls else None
        self._signing = Signing()
        self._closed = False

    @classmethod
    def from_url(cls, url: str) -> SmtpSender:
        return cls(parse_smtp_url(url))

    @property
    def settings(self) -> SmtpSettings:
        return self._settings

    async def start(self, events: ChannelEvents) -> None:
        # Outgoing only: replies and bounces arrive through the inbound SMTP adapter.
        # Connections open on first use, so a relay that is down delays sends, not start-up.
        del events

    @property
    def max_in_flight(self) -> int:
        """Messages under way at once: one on each connection and more per connection being
        composed, signed or waiting, so no connection waits for a signature or a claim. The
        outbox puts no more on the way, so a crash leaves few of unknown outcome."""
        return self._settings.connections * _AHEAD_PER_CONNECTION

    async def send(self, email: OutboundEmail) -> SendResult:
        if self._closed:
            return SendResult(SendOutcome.RETRY, reason="the SMTP sender is closed")
        try:
            if email.dkim is None:
                composed = compose(email)
            else:
                composed = await self._signing.compose(email)
        except UnsendableAddress as exc:
            return SendResult(SendOutcome.REJECTED, reason=str(exc))
        connection = await self._idle.get()
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if not given_back:
                given_back = True
                connection.last_used = time.monotonic()
                self._idle.put_nowait(connection)

        try:
            return await self._send_on(connection, composed, give_back)
        except BaseException:
            if not given_back:
                # Cancelled mid-transaction (or a bug): the session's state is unknown.
                self._drop(connection, connection.session)
            raise
        finally:
            give_back()

    async def close(self) -> None:
        self._closed = True
        self._signing.close()
        for connection in self._all:
            session, connection.session = connection.session, None
            if session is not None and session.relay.usable:
                with contextlib.suppress(*_CONNECTION_ERRORS):
                    async with asyncio.timeout(2):
                        await session.relay.send(b"QUIT\r\n", 1)
            if session is not None:
                session.client.close()

    async def _send_on(
        self, connection: _Connection, composed: ComposedEmail, give_back: Callable[[], None]
    ) -> SendResult:
        # A connection found dead before DATA is replaced once: nothing was sent on it.
        for attempt in (1, 2):
            try:
                session, reused = await self._ready(connection)
            except _Refused as exc:
                # The relay refused us (greeting, STARTTLS, AUTH), not this message: a
                # misconfiguration must not fail a whole campaign for good.
                log.warning("%s refused the session: %s", self._settings.describe(), exc)
                return SendResult(
                    SendOutcome.RETRY,
                    code=str(exc.response.code),
                    reason=f"the relay refused the session: {exc.response.message}",
                )
            except _CONNECTION_ERRORS as exc:
                log.warning("cannot connect to %s: %s", self._settings.describe(), exc)
                return SendResult(SendOutcome.RETRY, reason=f"cannot connect: {exc}")
            try:
                return await self._transaction(connection, session, composed, give_back)
            except _CONNECTION_ERRORS as exc:
                self._drop(connection, session)
                if attempt == 1 and reused:
                    continue
                return SendResult(SendOutcome.RETRY, reason=f"connection lost before DATA: {exc}")
            except _Refused as exc:
                if exc.response.code == 421:  # the relay is closing this connection
                    self._drop(connection, session)
                    if attempt == 1 and reused:
                        continue
                await self._reset(connection, session)
                return _refusal(exc.response)
        raise AssertionError("unreachable")

    async def _ready(self, connection: _Connection) -> tuple[_Session, bool]:
        """The connection's session, and whether it was open already (else it is new)."""
        if self._closed:
            raise aiosmtplib.SMTPServerDisconnected("the SMTP sender is closed")
        session = connection.session
        if session is not None and session.relay.usable:
            if time.monotonic() - connection.last_used < IDLE_CHECK_SECONDS:
                return session, True
            try:
                (noop,) = await session.relay.send(b"NOOP\r\n", 1)
                if noop.code == 250:
                    return session, True
            except _CONNECTION_ERRORS:
                pass
        self._drop(connection, session)
        client = await self._connect()
        try:
            relay = take_over(client, self._settings.timeout)
        except BaseException:
            client.close()
            raise
        session = _Session(client, relay, client.supports_extension("pipelining"))
        connection.session = session
        connection.opened += 1
        return session, False

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self._settings
        client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            local_hostname=settings.helo,
            use_tls=settings.implicit_tls,
            start_tls={"always": True, "never": False, "auto": None}[settings.starttls],
            tls_context=self._tls_context,
            timeout=settings.timeout,
        )
        try:
            await client.connect()
            if client.is_ehlo_or_helo_needed:  # connect() greets only for STARTTLS or AUTH
                try:
                    await client.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await client.helo()
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            raise _Refused(SMTPResponse(exc.code, exc.message)) from exc
        except BaseException:
            client.close()
            raise
        return client

    async def _transaction(
        self,
        connection: _Connection,
        session: _Session,
        composed: ComposedEmail,
        give_back: Callable[[], None],
    ) -> SendResult:
        """MAIL, RCPT, DATA; failures up to DATA's 354 raise, after it they are answers."""
        relay = session.relay
        commands = (
            _path(b"MAIL FROM:", composed.envelope_sender),
            _path(b"RCPT TO:", composed.envelope_recipient),
            b"DATA\r\n",
        )
        if session.pipelining:
            replies = await relay.send(b"".join(commands), len(commands))
        else:
            replies = []
            for command in commands:
                replies += await relay.send(command, 1)
                if replies[-1].code not in _GOOD_REPLIES[len(replies) - 1]:
                    break
        wanted = zip(replies, _GOOD_REPLIES, strict=False)
        refusal = next((reply for reply, good in wanted if reply.code not in good), None)
        if refusal is not None:
            if replies[-1].code == 354:
                # DATA was taken though MAIL or RCPT was refused: end it empty (RFC 2920).
                await relay.send(b".\r\n", 1)
            raise _Refused(refusal)
        payload = _DOT_AT_LINE_START.sub(b"..", composed.data)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        try:
            final = relay.send(payload + b".\r\n", 1)
            if session.pipelining:
                give_back()  # the next message's commands may follow this body at once
            (reply,) = await final
        except _CONNECTION_ERRORS as exc:
            self._drop(connection, session)
            log.warning("no reply to the body of %s: %s", composed.message_id, exc)
            return SendResult(
                SendOutcome.UNKNOWN,
                reason=f"the connection failed after the message was sent: {exc}",
            )
        if reply.code == 250:
            return SendResult(
                SendOutcome.ACCEPTED, composed.message_id, code="250", reason=reply.message
            )
        if reply.code == 421:
            self._drop(connection, session)
        return _refusal(reply)

    async def _reset(self, connection: _Connection, session: _Session) -> None:
        """RSET after a refused transaction, so the next one starts clean (or reconnects)."""
        if not session.relay.usable:
            return
        try:
            await session.relay.send(b"RSET\r\n", 1)
        except _CONNECTION_ERRORS:
            self._drop(connection, session)

    @staticmethod
    def _drop(connection: _Connection, session: _Session | None) -> None:
        """Closes the session; the connection opens a new one when next used. A session the
        connection has replaced already is closed alone (a send whose final reply failed
        after the connection was given back comes here late)."""
        if session is None:
            return
        if connection.session is session:
            connection.session = None
        session.client.close()


def _path(keyword: bytes, address: str) -> bytes:
    # compose() lets no space or control character into an address: nothing can be injected.
    return keyword + b"<" + address.encode("ascii") + b">\r\n"


def _refusal(response: SMTPResponse) -> SendResult:
    # Anything but 5xx (4xx, or a reply no relay should give) is worth another try; so is a
    # 5xx that refuses the session (authentication or TLS wanted), not the message.
    permanent = 500 <= response.code < 600 and response.code not in _SESSION_REFUSALS
    outcome = SendOutcome.REJECTED if permanent else SendOutcome.RETRY
    return SendResult(outcome, code=str(response.code), reason=response.message)
