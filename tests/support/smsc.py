"""An SMSC for tests, on smpp34.Server (a third-party SMSC core: framing, binds, windowing
and timers are its own); this fixture only decides the answers.

It records every submit_sm it accepts, answers by the rules a test sets (accept, throttle
the first N, refuse chosen destinations, hold answers a while), sends a receipt per
accepted submit (DELIVRD, or UNDELIV for chosen destinations; text and TLVs), injects
mobile-originated messages, counts binds, and can be stopped and restarted on its port.

Three ways to run it:
- in the test's event loop: `async with Smsc(port) as smsc: ...`
- in a background thread (for tests that drive `tidings serve`): `SmscThread(port)`
  with start()/stop()/restart(), `.submits`, `.inject_mo(...)`
- as its own process: `python -m tests.support.smsc --port 2775`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import threading
import time
from collections import defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

import smpp34

from tidings.adapters.sms import smpp_pdus as pdus

T = TypeVar("T")


@dataclass
class Rules:
    throttle_first: int = 0  # answer the first N submits ESME_RTHROTTLED
    queue_full_first: int = 0  # then the next N ESME_RMSGQFUL
    reject: dict[str, int] = field(default_factory=dict)  # destination -> command_status
    undeliverable: set[str] = field(default_factory=set)  # destinations whose receipt fails
    receipts: bool = True
    receipt_delay: float = 0.0
    answer_delay: float = 0.0  # hold each submit_sm_resp this long (builds a window)
    hold: set[str] = field(default_factory=set)  # destinations whose submit is never answered


@dataclass(frozen=True)
class Concat:
    reference: int
    total: int
    sequence: int


@dataclass(frozen=True)
class Submit:
    message_id: str
    session_id: str
    source: str
    source_ton: int
    destination: str
    text: str
    data_coding: int
    esm_class: int
    udh: Concat | None
    sar: Concat | None
    payload_tlv: bool
    # When it arrived (time.monotonic()), so benchmarks can tell the rate at the peer.
    received_at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Bind:
    session_id: str
    system_id: str
    can_receive: bool


class Smsc:
    def __init__(
        self,
        port: int,
        rules: Rules | None = None,
        host: str = "127.0.0.1",
        system_id: str = "TESTSMSC",
    ) -> None:
        self.host, self.port, self.system_id = host, port, system_id
        self.rules = rules or Rules()
        self.submits: list[Submit] = []
        self.refused: list[tuple[str, int]] = []  # (destination, status) of refused submits
        self.binds: list[Bind] = []
        self.receipts_sent = 0
        self.held = 0
        self.outstanding = 0
        self.max_outstanding = 0
        self._sessions: dict[str, smpp34.Esme] = {}
        self._ids = itertools.count(0x1000)
        self._refusals = 0
        self._server: smpp34.Server | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def bind_count(self) -> int:
        return len(self.binds)

    async def start(self) -> None:
        # A deep inbound queue: smpp34 ends a session whose queue overflows, and a Python
        # peer sharing two cores with the client must not be what drops it under load.
        self._server = smpp34.Server(
            self.host, self.port, system_id=self.system_id, inbound_capacity=65536
        )
        await self._server.start()
        self._loop_task = asyncio.create_task(self._serve(self._server))

    async def stop(self) -> None:
        """Drops every session (as a crashing SMSC would, after an unbind) and stops
        listening. Receipts not yet sent wait for the next bind."""
        if self._server is None:
            return
        server, self._server = self._server, None
        # smpp34 keeps a session bound past Server.stop(), and may still bind one it accepted
        # before: the loop reads on until the SMSC exits and unbinds such a session, which
        # would otherwise wait on a server nobody reads. Listening stops before the unbinds,
        # so a client cannot rebind in between.
        if self._loop_task is not None:
            self._tasks.add(self._loop_task)
            self._loop_task.add_done_callback(self._tasks.discard)
            self._loop_task = None
        await server.stop()
        for esme in list(self._sessions.values()):
            await _unbind(esme)
        self._sessions.clear()

    async def restart(self, down_for: float = 0.2) -> None:
        await self.stop()
        await asyncio.sleep(down_for)
        await self.start()

    async def wait_for(self, count: int, what: str = "submits") -> None:
        """Until `count` submits (or "receipts", "held", "binds") were seen; no timeout of
        its own."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._count(what) >= count)

    def _count(self, what: str) -> int:
        counts = {"receipts": self.receipts_sent, "held": self.held, "binds": len(self.binds)}
        return counts.get(what, len(self.submits))

    async def _changed_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, server: smpp34.Server) -> None:
        while True:
            event = await server.next()
            stopped = self._server is not server
            if isinstance(event, smpp34.Esme) and stopped:
                self._spawn(_unbind(event))
            elif (
                isinstance(event, smpp34.SubmitSmEvent)
                and stopped
                and event.session_id not in self._sessions
            ):
                event.reject(smpp34.ESME_RMSGQFUL)  # from such a session, before its unbind
            elif isinstance(event, smpp34.Esme):
                self._sessions[event.session_id] = event
                self.binds.append(Bind(event.session_id, event.system_id, event.can_receive))
                await self._changed_now()
            elif isinstance(event, smpp34.Unbound):
                self._sessions.pop(event.session_id, None)
            elif isinstance(event, smpp34.SubmitSmEvent):
                self.outstanding += 1
                self.max_outstanding = max(self.max_outstanding, self.outstanding)
                if self.rules.answer_delay or event.destination_addr in self.rules.hold:
                    self._spawn(self._answer(event))
                else:
                    self._decide(event)
                    await self._changed_now()

    async def _answer(self, event: smpp34.SubmitSmEvent) -> None:
        if event.destination_addr in self.rules.hold:
            self.outstanding -= 1
            self.held += 1
            await self._changed_now()
            await asyncio.Event().wait()  # never answered; cancelled at exit
        await asyncio.sleep(self.rules.answer_delay)
        self._decide(event)
        await self._changed_now()

    def _decide(self, event: smpp34.SubmitSmEvent) -> None:
        rules = self.rules
        self.outstanding -= 1
        if self._refusals < rules.throttle_first + rules.queue_full_first:
            self._refusals += 1
            throttled = self._refusals <= rules.throttle_first
            status = smpp34.ESME_RTHROTTLED if throttled else smpp34.ESME_RMSGQFUL
            self.refused.append((event.destination_addr, status))
            event.reject(status)
            return
        if event.destination_addr in rules.reject:
            status = rules.reject[event.destination_addr]
            self.refused.append((event.destination_addr, status))
            event.reject(status)
            return
        message_id = f"{next(self._ids):x}"
        self.submits.append(_record(event, message_id))
        event.accept(message_id)
        if rules.receipts and event.registered_delivery & 1:
            self._spawn(self._receipt(event, message_id))

    async def _receipt(self, event: smpp34.SubmitSmEvent, message_id: str) -> None:
        if self.rules.receipt_delay:
            await asyncio.sleep(self.rules.receipt_delay)
        failed = event.destination_addr in self.rules.undeliverable
        stat, state, err = ("UNDELIV", 5, "001") if failed else ("DELIVRD", 2, "000")
        now = time.strftime("%y%m%d%H%M", time.gmtime())
        text = (
            f"id:{message_id} sub:001 dlvrd:{'000' if failed else '001'} submit date:{now} "
            f"done date:{now} stat:{stat} err:{err} text:"
        ).encode() + event.short_message[:20]
        tlvs = [
            smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\0"),
            smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, bytes([state])),
        ]
        await self._deliver(
            event.session_id,
            destination_addr=event.source_addr,
            source_addr=event.destination_addr,
            esm_class=0x04,
            short_message=text,
            tlvs=tlvs,
        )
        self.receipts_sent += 1
        await self._changed_now()

    async def _deliver(self, session_id: str | None, **pdu: Any) -> None:
        """Sends a deliver_sm and retries (like an SMSC would) until it is acknowledged."""
        delay = 0.01
        while True:
            esme = self._receiver(session_id)
            if esme is not None:
                with contextlib.suppress(smpp34.SmppError):
                    answer = await esme.deliver_sm(**pdu)
                    if answer.is_success:
                        return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _receiver(self, session_id: str | None) -> smpp34.Esme | None:
        preferred = self._sessions.get(session_id or "")
        if preferred is not None and preferred.can_receive:
            return preferred
        return next((e for e in self._sessions.values() if e.can_receive), None)

    async def inject_mo(
        self,
        source: str,
        destination: str,
        text: str,
        *,
        long: str = "udh",
        ton: int | None = None,
        dest_ton: int | None = None,
    ) -> None:
        """A message from a phone: one deliver_sm, or parts with a UDH (or SAR TLVs). The
        source's type of number is international (1) for `+...`, else unknown (0), unless
        `ton` says otherwise; the destination's is smpp34's default unless `dest_ton` says."""
        destination_ton = {} if dest_ton is None else {"dest_addr_ton": dest_ton}
        for submission in pdus.submissions(text, long, next(self._ids) & 0xFF):
            await self._deliver(
                None,
                **destination_ton,
                destination_addr=destination.removeprefix("+"),
                source_addr=source.removeprefix("+"),
                source_addr_ton=(1 if source.startswith("+") else 0) if ton is None else ton,
                source_addr_npi=1,
                data_coding=submission.data_coding,
                esm_class=submission.esm_class,
                short_message=submission.short_message,
                tlvs=[smpp34.Tlv(tag, value) for tag, value in submission.tlvs],
            )

    async def inject_mo_parts(
        self, source: str, destination: str, payloads: list[bytes], data_coding: int
    ) -> None:
        """A long message from a phone as parts it cut itself (a UDH in each), payloads as
        given: a phone may cut where our own splitter never would."""
        reference = next(self._ids) & 0xFF
        for number, payload in enumerate(payloads, 1):
            udh = bytes([0x05, 0x00, 0x03, reference, len(payloads), number])
            await self._deliver(
                None,
                destination_addr=destination.removeprefix("+"),
                source_addr=source.removeprefix("+"),
                source_addr_ton=1,
                source_addr_npi=1,
                data_coding=data_coding,
                esm_class=0x40,
                short_message=udh + payload,
            )

    def messages(self) -> list[str]:
        """The texts the phones would show: parts reassembled by UDH or SAR reference."""
        whole: list[str] = []
        groups: dict[tuple[str, str, int, int], dict[int, str]] = defaultdict(dict)
        for submit in self.submits:
            concat = submit.udh or submit.sar
            if concat is None:
                whole.append(submit.text)
                continue
            key = (submit.source, submit.destination, concat.reference, concat.total)
            groups[key][concat.sequence] = submit.text
            if len(groups[key]) == concat.total:
                texts = groups.pop(key)
                whole.append("".join(texts[n] for n in range(1, concat.total + 1)))
        return whole


def _record(event: smpp34.SubmitSmEvent, message_id: str) -> Submit:
    tlvs = {tlv.tag: tlv.value for tlv in event.tlvs}
    message = pdus.read_message(event.esm_class, event.data_coding, event.short_message, tlvs)
    udh = sar = None
    if message.part is not None:
        concat = Concat(message.part.reference, message.part.total, message.part.sequence)
        udh, sar = (concat, None) if event.esm_class & pdus.ESM_UDHI else (None, concat)
    return Submit(
        message_id=message_id,
        session_id=event.session_id,
        source=event.source_addr,
        source_ton=event.source_addr_ton,
        destination=event.destination_addr,
        text=message.text,
        data_coding=event.data_coding,
        esm_class=event.esm_class,
        udh=udh,
        sar=sar,
        payload_tlv=pdus.TLV_MESSAGE_PAYLOAD in tlvs,
    )


class SmscThread:
    """The same SMSC on its own event loop in a daemon thread."""

    def __init__(self, port: int, rules: Rules | None = None) -> None:
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.smsc: Smsc = self._call(self._make(port, rules))

    @staticmethod
    async def _make(port: int, rules: Rules | None) -> Smsc:
        return Smsc(port, rules)

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    @property
    def rules(self) -> Rules:
        return self.smsc.rules

    @property
    def submits(self) -> list[Submit]:
        return list(self.smsc.submits)

    @property
    def bind_count(self) -> int:
        return self.smsc.bind_count

    def start(self) -> Self:
        self._call(self.smsc.start())
        return self

    def stop(self) -> None:
        self._call(self.smsc.stop())

    def restart(self, down_for: float = 0.2) -> None:
        self._call(self.smsc.restart(down_for))

    def inject_mo(self, source: str, destination: str, text: str, *, long: str = "udh") -> None:
        self._call(self.smsc.inject_mo(source, destination, text, long=long))

    def inject_mo_parts(
        self, source: str, destination: str, payloads: list[bytes], data_coding: int
    ) -> None:
        self._call(self.smsc.inject_mo_parts(source, destination, payloads, data_coding))

    def close(self) -> None:
        self._call(self.smsc.__aexit__(None, None, None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()


async def _unbind(esme: smpp34.Esme) -> None:
    with contextlib.suppress(smpp34.SmppError):
        await esme.unbind()


async def _main(host: str, port: int, rules: Rules) -> None:
    async with Smsc(port, rules, host=host):
        print(f"SMSC listening on {host}:{port}", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Test SMSC on smpp34.Server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2775)
    parser.add_argument("--no-receipts", action="store_true")
    parser.add_argument("--receipt-delay", type=float, default=0.0)
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        rules = Rules(receipts=not arguments.no_receipts, receipt_delay=arguments.receipt_delay)
        asyncio.run(_main(arguments.host, arguments.port, rules))
