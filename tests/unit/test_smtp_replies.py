"""The reader of an SMTP session's replies: who gets which reply, and when a reply is late."""

from __future__ import annotations

import asyncio
from typing import Any

import aiosmtplib
import pytest

from tidings.adapters.email.smtp_replies import ReplyReader


class _Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def _reader(timeout: float | None) -> tuple[ReplyReader, _Transport]:
    transport = _Transport()
    protocol: Any = asyncio.Protocol()
    return ReplyReader(transport, protocol, timeout), transport  # type: ignore[arg-type]


async def test_replies_go_to_the_writers_in_the_order_they_wrote() -> None:
    reader, _ = _reader(timeout=None)
    commands = reader.send(b"MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n", 3)
    noop = reader.send(b"NOOP\r\n", 1)
    reader.data_received(b"250 ok\r\n250-first\r\n250 second\r\n354 go")
    assert not commands.done()
    reader.data_received(b" on\r\n250 noop\r\n")
    assert [(r.code, r.message) for r in await commands] == [
        (250, "ok"),
        (250, "first\nsecond"),
        (354, "go on"),
    ]
    assert [r.message for r in await noop] == ["noop"]


async def test_each_reply_has_the_whole_timeout_from_its_own_command() -> None:
    # One timer watches the oldest waiter: a reply that came in time moves it on to the
    # next waiter's own deadline, so a session busy for longer than the timeout lives.
    reader, transport = _reader(timeout=2.0)
    first = reader.send(b"NOOP\r\n", 1)
    await asyncio.sleep(1.0)
    second = reader.send(b"NOOP\r\n", 1)
    reader.data_received(b"250 one\r\n")
    await asyncio.sleep(1.5)  # 2.5 s after the first command, 1.5 s after the second
    reader.data_received(b"250 two\r\n")
    assert [r.message for r in await first] == ["one"]
    assert [r.message for r in await second] == ["two"]
    assert not transport.closed and reader.usable


async def test_a_late_reply_ends_the_session_for_every_waiter() -> None:
    reader, transport = _reader(timeout=0.2)
    late = reader.send(b"DATA\r\n", 1)
    behind = reader.send(b"NOOP\r\n", 1)
    for waiter in (late, behind):
        with pytest.raises(aiosmtplib.SMTPReadTimeoutError):
            await asyncio.wait_for(waiter, timeout=10)
    assert transport.closed and not reader.usable
    with pytest.raises(aiosmtplib.SMTPReadTimeoutError):
        reader.send(b"NOOP\r\n", 1)
