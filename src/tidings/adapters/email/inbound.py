"""`InboundSmtpReceiver`: the SMTP server replies and bounces come back to (aiosmtpd).

It listens on `TIDINGS_INBOUND_SMTP` in the process that runs the dispatcher. The rules:

- a recipient is refused at RCPT (550 5.1.1) unless the core says it is ours
  (`InboundMail.accepts`), so mail for anyone else never gets as far as its body;
- a message over `TIDINGS_INBOUND_MAX_BYTES` is refused with 552 (aiosmtpd announces the
  limit in EHLO's SIZE, refuses a larger MAIL FROM SIZE=, and stops reading a longer DATA);
- 250 is answered only after the core has committed the message (`InboundMail.receive`);
  if it could not (the database is down), 451: the sending server keeps the mail and tries
  again later. Nothing acknowledged is lost; nothing is acknowledged before it is kept;
- nothing a client sends ends the server: the bytes are read in a worker thread by a
  reader that falls back to keeping them raw, and aiosmtpd answers protocol errors itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from aiosmtpd.smtp import SMTP, Envelope, Session

from tidings.adapters.email.inbound_parse import parse
from tidings.domain.ids import utcnow
from tidings.domain.inbound_email import ReceivedEmail
from tidings.ports import ChannelEvents, InboundMail

log = logging.getLogger("tidings.inbound")

MAX_RECIPIENTS = 100


class _Handler:
    def __init__(self, mail: InboundMail) -> None:
        self._mail = mail

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            ours = await self._mail.accepts(address)
        except Exception:
            log.exception("checking an inbound recipient failed")
            return "451 4.3.0 Cannot check the recipient now; try again later"
        if not ours:
            return f"550 5.1.1 <{address}>: no such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        if isinstance(data, str):  # only with decode_data, which is off; for the type
            data = data.encode("utf-8", "surrogateescape")
        mail = ReceivedEmail(
            mail_from=envelope.mail_from or "",
            recipients=tuple(envelope.rcpt_tos),
            data=data,
            received_at=utcnow(),
        )
        bounce = any(self._mail.is_bounce_address(r) for r in mail.recipients)
        try:
            parsed = await asyncio.to_thread(parse, data, mail.mail_from, bounce)
            await self._mail.receive(mail, parsed)
        except Exception:
            log.exception("an inbound e-mail could not be stored; the sender is told to retry")
            return "451 4.3.0 The message could not be stored; try again later"
        return "250 2.0.0 OK: stored"


class InboundSmtpReceiver:
    """A `Connection` of the dispatcher: `start` listens, `close` stops listening."""

    def __init__(
        self, host: str, port: int, mail: InboundMail, *, max_bytes: int, hostname: str = ""
    ) -> None:
        self._host = host
        self._port = port
        self._handler = _Handler(mail)
        self._max_bytes = max_bytes
        self._hostname = hostname or socket.getfqdn()
        self._server: asyncio.Server | None = None

    def _protocol(self) -> SMTP:
        return SMTP(
            self._handler,
            data_size_limit=self._max_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self._hostname,
            ident="Tidings inbound",
            timeout=300,
        )

    async def start(self, events: ChannelEvents) -> None:
        # SO_REUSEPORT: a `tidings worker` beside `serve` on the same host may listen too;
        # the kernel shares connections between them and each stores what it takes.
        try:
            self._server = await asyncio.get_running_loop().create_server(
                self._protocol, self._host, self._port, reuse_port=hasattr(socket, "SO_REUSEPORT")
            )
        except OSError:
            # Sending goes on without the receiver; the log says why replies do not arrive.
            log.exception("inbound smtp cannot listen on %s:%s", self._host, self._port)
            return
        log.info("inbound smtp listening", extra={"host": self._host, "port": self._port})

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Open sessions end with their transaction or their timeout; stopping waits a little.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), timeout=5)
        self._server = None
