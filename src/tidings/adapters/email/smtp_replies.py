"""Reading an SMTP session's replies ourselves, so commands can go out together.

With PIPELINING (RFC 2920) MAIL, RCPT and DATA leave in one write and their three replies
come back together, and the next message's commands may follow a body before its final
reply. aiosmtplib reads one reply per command it sent and drops what arrives while no
command of its own waits, so replies to commands written together would be lost. Once
aiosmtplib has opened a session (TLS, STARTTLS, AUTH, EHLO), its transport is handed to a
`ReplyReader` for good: each write names how many replies it expects, and replies go to
the writers in the order they wrote. A connection lost is passed on to aiosmtplib's
protocol too, so the client knows it is closed.

A reply that does not come within the timeout ends the session (every waiter gets
`SMTPReadTimeoutError`, as the replies behind it cannot come first). One timer a session
watches the oldest waiter, instead of a timer armed and cancelled for every reply: those
cost 5% of the event loop in an e-mail campaign.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from typing import cast

import aiosmtplib
from aiosmtplib import SMTPResponse

# Longer than any reply a relay gives (EHLO's, the longest, is a few hundred bytes): a peer
# streaming without line ends is cut off instead of filling memory.
_MAX_PENDING = 65_536


class ReplyReader(asyncio.Protocol):
    def __init__(
        self,
        transport: asyncio.Transport,
        protocol: asyncio.BaseProtocol,
        timeout: float | None = None,
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        self._timeout = timeout
        self._watchdog: asyncio.TimerHandle | None = None
        self._buffer = bytearray()
        self._lines: list[str] = []  # of a multi-line reply not complete yet
        self._replies: deque[SMTPResponse] = deque()
        # Each write's expected number of replies, who waits for them and until when, in
        # wire order.
        self._waiting: deque[tuple[int, asyncio.Future[list[SMTPResponse]], float]] = deque()
        self._error: Exception | None = None

    @property
    def usable(self) -> bool:
        return self._error is None and not self._transport.is_closing()

    def send(self, data: bytes, replies: int) -> asyncio.Future[list[SMTPResponse]]:
        """Writes `data` and returns what will hold its `replies` replies. A waiter that
        gives up (cancels) leaves its replies to be read and dropped, not handed to the
        next writer."""
        if self._error is not None:
            raise self._error
        if self._transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("the connection is closing")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[SMTPResponse]] = loop.create_future()
        deadline = loop.time() + self._timeout if self._timeout is not None else math.inf
        self._waiting.append((replies, future, deadline))
        self._transport.write(data)
        if self._watchdog is None and self._timeout is not None:
            self._watchdog = loop.call_at(deadline, self._check_deadline)
        return future

    # asyncio.Protocol ----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        try:
            self._parse()
        except aiosmtplib.SMTPResponseException as exc:
            self._fail(exc)
            self._transport.close()
            return
        while self._waiting and len(self._replies) >= self._waiting[0][0]:
            count, future, _ = self._waiting.popleft()
            replies = [self._replies.popleft() for _ in range(count)]
            if not future.done():
                future.set_result(replies)

    def eof_received(self) -> bool:
        self._fail(aiosmtplib.SMTPServerDisconnected("the relay closed the connection"))
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        lost = aiosmtplib.SMTPServerDisconnected("connection lost")
        lost.__cause__ = exc
        self._fail(lost)
        self._protocol.connection_lost(exc)

    def pause_writing(self) -> None:
        self._protocol.pause_writing()

    def resume_writing(self) -> None:
        self._protocol.resume_writing()

    # ---------------------------------------------------------------------------------------

    def _parse(self) -> None:
        while (end := self._buffer.find(b"\n")) != -1:
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            try:
                code = int(line[:3])
            except ValueError:
                raise aiosmtplib.SMTPResponseException(
                    -1, f"malformed reply line: {line.decode('utf-8', 'replace')!r}"
                ) from None
            self._lines.append(line[4:].strip(b" \t\r\n").decode("utf-8", "surrogateescape"))
            if line[3:4] != b"-":  # the last line of the reply
                self._replies.append(SMTPResponse(code, "\n".join(self._lines)))
                self._lines = []
        if len(self._buffer) > _MAX_PENDING:
            raise aiosmtplib.SMTPResponseException(-1, "reply line too long")

    def _check_deadline(self) -> None:
        self._watchdog = None
        if not self._waiting or self._error is not None:
            return  # armed again by the next write
        loop = asyncio.get_running_loop()
        deadline = self._waiting[0][2]
        if loop.time() < deadline:  # the waiter it was armed for has its replies
            self._watchdog = loop.call_at(deadline, self._check_deadline)
            return
        self._fail(aiosmtplib.SMTPReadTimeoutError("timed out waiting for the relay"))
        self._transport.close()

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        while self._waiting:
            _, future, _ = self._waiting.popleft()
            if not future.done():
                future.set_exception(error)
                future.exception()  # nobody may be waiting any more: no "never retrieved"


def take_over(client: aiosmtplib.SMTP, timeout: float | None = None) -> ReplyReader:
    """Reads the replies of the client's open session from now on; a reply not come
    within `timeout` seconds of its command ends the session."""
    protocol = client.protocol
    # Not an isinstance check: uvloop's transports do not derive from asyncio's classes.
    transport = cast("asyncio.Transport | None", None if protocol is None else protocol.transport)
    if protocol is None or transport is None or transport.is_closing():
        raise aiosmtplib.SMTPServerDisconnected("not connected")
    reader = ReplyReader(transport, protocol, timeout)
    transport.set_protocol(reader)
    return reader
