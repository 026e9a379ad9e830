"""Reading an SMTP transaction's replies ourselves, so commands can go out together.

With PIPELINING (RFC 2920) MAIL, RCPT and DATA leave in one write and their three replies
come back together: one round trip where there were three. aiosmtplib reads one reply per
command it sent and drops what arrives while no command of its own waits, so replies to
commands written together would be lost. For the length of one transaction the
connection's transport is therefore handed to a `ReplyReader`, which keeps every reply in
order, and then handed back to aiosmtplib's protocol; a connection lost meanwhile is passed
on to that protocol, so the client knows it is closed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import aiosmtplib
from aiosmtplib import SMTPResponse

# Longer than any reply a relay gives (EHLO's, the longest, is a few hundred bytes): a peer
# streaming without line ends is cut off instead of filling memory.
_MAX_PENDING = 65_536


class ReplyReader(asyncio.Protocol):
    def __init__(
        self, transport: asyncio.Transport, protocol: asyncio.BaseProtocol, timeout: float | None
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        self._timeout = timeout  # for each call of `replies`
        self._buffer = bytearray()
        self._lines: list[str] = []  # of a multi-line reply not complete yet
        self._replies: deque[SMTPResponse] = deque()
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._transport.write(data)

    async def replies(self, count: int) -> list[SMTPResponse]:
        """The next `count` replies, in the order their commands were sent."""
        loop = asyncio.get_running_loop()
        deadline = None if self._timeout is None else loop.time() + self._timeout
        while len(self._replies) < count:
            if self._error is not None:
                raise self._error
            self._waiter = loop.create_future()
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            try:
                await asyncio.wait_for(self._waiter, remaining)
            except TimeoutError as exc:
                raise aiosmtplib.SMTPReadTimeoutError("timed out waiting for the relay") from exc
        return [self._replies.popleft() for _ in range(count)]

    # asyncio.Protocol ----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        try:
            self._parse()
        except aiosmtplib.SMTPResponseException as exc:
            self._fail(exc)
            self._transport.close()
        self._wake()

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

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


@contextmanager
def reading_replies(client: aiosmtplib.SMTP, timeout: float | None) -> Iterator[ReplyReader]:
    """The client's connection, its replies read by a `ReplyReader` until the block ends;
    each wait for replies gives up after `timeout` seconds."""
    protocol = client.protocol
    # Not an isinstance check: uvloop's transports do not derive from asyncio's classes.
    transport = cast("asyncio.Transport | None", None if protocol is None else protocol.transport)
    if protocol is None or transport is None or transport.is_closing():
        raise aiosmtplib.SMTPServerDisconnected("not connected")
    reader = ReplyReader(transport, protocol, timeout)
    transport.set_protocol(reader)
    try:
        yield reader
    finally:
        if not transport.is_closing():
            transport.set_protocol(protocol)
