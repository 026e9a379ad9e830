"""One bind to the SMSC, kept up: bind, watch the session, bind again after a drop with
exponential backoff. Inbound deliver_sm are handed on one at a time, in arrival order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

import smpp34

from tidings.adapters.sms.smpp_url import SmppSettings

log = logging.getLogger("tidings.sms.smpp")

DeliverHandler = Callable[[smpp34.DeliverSmEvent], Awaitable[None]]
# How often a session is asked whether it is still alive: the Disconnected event that
# smpp34 queues on a drop can be lost when its inbound queue is full.
_WATCH_SECONDS = 0.5
# deliver_sm handed on to ChannelEvents at once (each one retried until it is taken). The
# sink commits receipts in groups, one group for all that wait: with 16 at a time the groups
# stayed small, receipts were absorbed slower than a fast SMSC sent them (1,700/s here), and
# smpp34's inbound queue filled until the session dropped.
_HAND_ON_AT_ONCE = 1024
# Sends wait (SmppSender) while more than this many are still being handed on.
_CAUGHT_UP = 256
# Calls of smpp34's next() outstanding on a session at once. Each event's future is
# completed through the event loop, so one caller takes about one event a turn of the
# loop: on a busy loop (a campaign) one caller held receipts to ~1,200/s while the SMSC
# took submits at 1,550/s, and the run ended 21 s after its last submit.
_READERS = 4
# Once one caller got Disconnected, the others may still be handed the events smpp34 took
# from the queue before it; after this long, calls still waiting can only wait forever.
_DRAIN_SECONDS = 0.5


class Session:
    """A bound session. `dead` is set once it dropped; it is never used again after."""

    def __init__(self, client: smpp34.Client, smsc: smpp34.Smsc) -> None:
        self.client = client
        self.smsc = smsc
        self.dead = asyncio.Event()

    @property
    def alive(self) -> bool:
        return not self.dead.is_set()

    async def check(self) -> None:
        if self.alive and not await self.client.is_alive():
            self.dead.set()


class _Reading:
    """What the readers of one session share: their calls of next() under way."""

    def __init__(self) -> None:
        self.calls: set[asyncio.Future[smpp34.DeliverSmEvent | smpp34.Disconnected]] = set()
        self.disconnected = False

    def stop_waiting(self) -> None:
        for call in list(self.calls):
            if not call.done():
                call.cancel()


class SmppLink:
    def __init__(
        self, settings: SmppSettings, bind_type: str, on_deliver: DeliverHandler | None
    ) -> None:
        self._settings = settings
        self.bind_type = bind_type
        self._on_deliver = on_deliver
        self._session: Session | None = None
        self._ready = asyncio.Event()
        self._tried = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._readers: set[asyncio.Task[None]] = set()
        self._hand_ons: set[asyncio.Task[None]] = set()
        self._caught_up = asyncio.Event()
        self._handing = asyncio.Semaphore(_HAND_ON_AT_ONCE)
        self.binds = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"smpp-{self.bind_type}")

    async def first_attempt(self) -> None:
        await self._tried.wait()

    async def session(self, wait: float) -> Session | None:
        """The bound session, waiting up to `wait` seconds for one; None if there is none."""
        deadline = asyncio.get_running_loop().time() + wait
        while not self._closing:
            current = self._session
            if current is not None and current.alive:
                return current
            self._ready.clear()  # the session died before its watcher noticed
            try:
                async with asyncio.timeout_at(deadline):
                    await self._ready.wait()
            except TimeoutError:
                return None
        return None

    async def _run(self) -> None:
        delay = self._settings.reconnect_min
        while not self._closing:
            client = self._client()
            try:
                smsc = await client.connect()
            except smpp34.SmppError as exc:
                log.warning("SMPP %s bind failed: %s; again in %.1f s", self.bind_type, exc, delay)
                self._tried.set()
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, self._settings.reconnect_max)
                continue
            session = Session(client, smsc)
            self.binds += 1
            self._session = session
            self._ready.set()
            self._tried.set()
            delay = self._settings.reconnect_min
            log.info("SMPP %s bound to %s", self.bind_type, self._settings.host)
            reading = _Reading()
            for _ in range(_READERS):
                reader = asyncio.create_task(self._read(session, reading))
                self._readers.add(reader)
                reader.add_done_callback(self._readers.discard)
            await self._watch(session)
            self._ready.clear()
            if self._closing:
                return
            log.warning("SMPP %s session dropped; binding again in %.1f s", self.bind_type, delay)
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self._settings.reconnect_max)

    def _client(self) -> smpp34.Client:
        return smpp34.Client(
            self._settings.host,
            self._settings.port,
            self._settings.system_id,
            self._settings.password,
            bind_type=self.bind_type,
            system_type=self._settings.system_type,
            tls=self._settings.tls,
            # smpp34's own window does not hold submits back (measured: 20 outstanding
            # with window_size=5); ours is the semaphore in SmppSender.
            window_size=self._settings.window,
            inbound_capacity=self._settings.inbound,
            connect_timeout_ms=int(max(1.0, self._settings.wait_seconds) * 1000),
        )

    async def _watch(self, session: Session) -> None:
        while session.alive:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_WATCH_SECONDS):
                    await session.dead.wait()
            await session.check()

    async def _read(self, session: Session, reading: _Reading) -> None:
        """One of the session's readers: drains its inbound queue until its Disconnected,
        even after a new session took over: what smpp34 acknowledged must still be handed
        on. Many are handed on at once, so a slow sink does not fill smpp34's queue (when it
        is full, smpp34 answers ESME_RMSGQFUL and, as measured with 1.5.0, the session then
        ends)."""
        while not reading.disconnected:
            call = asyncio.ensure_future(session.smsc.next())
            reading.calls.add(call)
            try:
                event = await call
            except asyncio.CancelledError:
                if reading.disconnected:  # stopped waiting: nothing was left to take
                    return
                raise
            finally:
                reading.calls.discard(call)
            if isinstance(event, smpp34.Disconnected):
                session.dead.set()
                reading.disconnected = True
                asyncio.get_running_loop().call_later(_DRAIN_SECONDS, reading.stop_waiting)
                return
            if self._on_deliver is None:
                continue
            await self._handing.acquire()
            task = asyncio.create_task(self._hand_on(event))
            self._hand_ons.add(task)
            task.add_done_callback(self._handed_on)

    def _handed_on(self, task: asyncio.Task[None]) -> None:
        self._hand_ons.discard(task)
        self._handing.release()
        if len(self._hand_ons) <= _CAUGHT_UP:
            self._caught_up.set()

    async def caught_up(self) -> None:
        """Waits while receipts and replies arrive faster than the sink takes them: every
        message sent brings a receipt back, so sending on would only grow the backlog until
        smpp34's queue overflows and the session drops."""
        while len(self._hand_ons) > _CAUGHT_UP:
            self._caught_up.clear()
            await self._caught_up.wait()

    async def _hand_on(self, event: smpp34.DeliverSmEvent) -> None:
        assert self._on_deliver is not None
        delay = 0.5
        while True:
            try:
                await self._on_deliver(event)
                return
            except Exception:
                # smpp34 has acknowledged this deliver_sm already; dropping it would lose a
                # receipt or a reply, so keep trying until it is taken (or we are closed).
                log.exception("SMPP: handing on a deliver_sm failed; again in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def close(self, grace: float = 10.0) -> None:
        self._closing = True
        self._ready.set()  # wake waiting senders: they answer RETRY
        session, self._session = self._session, None
        if session is not None and session.alive:
            with contextlib.suppress(smpp34.SmppError, TimeoutError):
                async with asyncio.timeout(grace):
                    await session.smsc.unbind()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # Let the readers hand on what was already acknowledged (each ends at Disconnected).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        if self._readers:
            await asyncio.wait(list(self._readers), timeout=grace)
        if self._hand_ons:
            await asyncio.wait(list(self._hand_ons), timeout=max(0.1, deadline - loop.time()))
        leftovers = [*self._readers, *self._hand_ons]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
