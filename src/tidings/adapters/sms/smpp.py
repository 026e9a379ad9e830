"""The SMPP 3.4 channel: `SmppSender` submits over smpp34 and reports receipts and replies.

Outcomes of `send` (see `domain.channels.SendOutcome`):
- ACCEPTED: every part got a submit_sm_resp with status 0; the ids of all parts are kept.
- REJECTED: the SMSC refused a part with a permanent status (the code, e.g. 0x0000000B).
- RETRY: certainly nothing of the message was taken: no bind within `wait` seconds, a
  transient status (system error, submit failed), or throttled past `deadline`.
- UNKNOWN: a submit_sm was handed to the connection but no answer came back (the connection
  dropped, or smpp34's 30 s response timer ran out). smpp34 reports every such failure as
  ESME_RSYSERR without saying whether the PDU left, so the core must not resend blindly.
  A long message with some parts taken and a later one not is UNKNOWN too (REJECTED if the
  later part was refused for good), with the ids of the parts that were taken.

Throttling (ESME_RTHROTTLED, ESME_RMSGQFUL) never fails a message by itself: the rate of
the bind is lowered for a while and the same part is submitted again after a backoff.

Acknowledgements: smpp34 answers every deliver_sm itself, before Python sees it (its
`DeliverSmEvent` has no way to choose the deliver_sm_resp, so we cannot answer only after
`ChannelEvents` returned, nor answer an error when it raised). It answers ESME_RMSGQFUL
only when its inbound queue (`inbound` in the URL) is full, and with smpp34 1.5.0 the
session ends right after such an answer (measured), so the queue must not fill: it is
large, and we hand events on 16 at a time. What we do instead of an error answer: an
event whose hand-on raises is retried with backoff until it is taken. The cost: receipts
and replies already acknowledged but not yet taken (at most `inbound` + 16 a bind) are
lost if the process dies; a receipt lost so leaves its message `sent`. `close()` unbinds
first, then waits (10 s) for what was already acknowledged to be handed on.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
from datetime import UTC, datetime

import phonenumbers
import smpp34

from tidings.adapters.addresses import AddressNormalizer
from tidings.adapters.sms import smpp_pdus as pdus
from tidings.adapters.sms.smpp_flow import RateGate
from tidings.adapters.sms.smpp_link import Session, SmppLink, log
from tidings.adapters.sms.smpp_url import SmppSettings, parse_smpp_url
from tidings.domain.channels import (
    DeliveryReport,
    InboundSms,
    OutboundSms,
    SendOutcome,
    SendResult,
)
from tidings.ports import ChannelEvents

_STATUS_IN_ERROR = re.compile(r"\(0x([0-9A-Fa-f]{8})\)")
_MAX_THROTTLE_BACKOFF = 5.0


class SmppSender:
    def __init__(self, settings: SmppSettings, region: str = "US") -> None:
        self.settings = settings
        self._numbers = AddressNormalizer(region)  # replies' numbers written as national ones
        self._events: ChannelEvents | None = None
        self._window = asyncio.Semaphore(settings.window)
        self._gate = RateGate(settings.tps, settings.slow_seconds)
        self._references = itertools.count(random.randrange(0x10000))
        self._links: list[SmppLink] = []
        self._tx: SmppLink | None = None

    @classmethod
    def from_url(cls, url: str, region: str = "US") -> SmppSender:
        return cls(parse_smpp_url(url), region)

    @property
    def binds(self) -> int:
        """Binds made so far (a reconnect adds one per link)."""
        return sum(link.binds for link in self._links)

    async def start(self, events: ChannelEvents) -> None:
        """Binds (waiting for the first attempt only: a down SMSC does not stop start-up;
        sends wait for the bind) and starts handing on receipts and replies."""
        self._events = events
        if self.settings.bind == "tx+rx":
            self._tx = SmppLink(self.settings, "TX", None)
            self._links = [self._tx, SmppLink(self.settings, "RX", self._on_deliver)]
        else:
            self._tx = SmppLink(self.settings, "TRX", self._on_deliver)
            self._links = [self._tx]
        for link in self._links:
            link.start()
        await asyncio.gather(*(link.first_attempt() for link in self._links))

    async def close(self) -> None:
        await asyncio.gather(*(link.close() for link in self._links))

    @property
    def max_in_flight(self) -> int:
        """Submits that can await their answer at once (the window): the outbox puts no
        more on the way, so a crash leaves few messages of unknown outcome."""
        return self.settings.window

    async def send(self, sms: OutboundSms) -> SendResult:
        if self._tx is None:
            raise RuntimeError("SmppSender.send before start")
        loop = asyncio.get_running_loop()
        throttle_deadline = loop.time() + self.settings.deadline_seconds
        parts = pdus.submissions(sms.text, self.settings.long, next(self._references))
        ids: list[str] = []
        for number, part in enumerate(parts, start=1):
            answer = await self._submit(sms, part, throttle_deadline)
            if isinstance(answer, str):
                ids.append(answer)
                continue
            if not ids:
                return answer
            return _partial(answer, number, len(parts), ids)
        return SendResult(SendOutcome.ACCEPTED, ids[0], provider_part_ids=tuple(ids))

    async def _submit(
        self, sms: OutboundSms, part: pdus.Submission, throttle_deadline: float
    ) -> str | SendResult:
        """One part: its provider id, or the SendResult that ends the message."""
        assert self._tx is not None
        loop = asyncio.get_running_loop()
        backoff = self.settings.throttle_backoff
        while True:
            session = await self._tx.session(self.settings.wait_seconds)
            if session is None:
                return SendResult(
                    SendOutcome.RETRY,
                    reason=f"no SMPP bind to {self.settings.host} within "
                    f"{self.settings.wait_seconds:g} s",
                    retry_after_seconds=self.settings.reconnect_min,
                )
            for link in self._links:
                await link.caught_up()
            async with self._window:
                await self._gate.acquire()
                if not session.alive:
                    continue  # it dropped while we waited our turn: nothing was sent
                status, message_id = await self._submit_on(session, sms, part)
            if status is None:
                await session.check()
                return SendResult(
                    SendOutcome.UNKNOWN,
                    code=pdus.status_code(pdus.ESME_RSYSERR),
                    reason="the SMPP connection failed before the SMSC answered the submit",
                )
            if status == pdus.ESME_ROK:
                return message_id
            if status in pdus.THROTTLING:
                self._gate.slow_down()
                if loop.time() + backoff > throttle_deadline:
                    return SendResult(
                        SendOutcome.RETRY,
                        code=pdus.status_code(status),
                        reason="still throttled after "
                        f"{self.settings.deadline_seconds:g} s: {pdus.status_reason(status)}",
                        retry_after_seconds=backoff,
                    )
                await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
                backoff = min(backoff * 2, _MAX_THROTTLE_BACKOFF)
                continue
            outcome = SendOutcome.RETRY if pdus.is_transient(status) else SendOutcome.REJECTED
            return SendResult(
                outcome, code=pdus.status_code(status), reason=pdus.status_reason(status)
            )

    async def _submit_on(
        self, session: Session, sms: OutboundSms, part: pdus.Submission
    ) -> tuple[int | None, str]:
        """(command_status, message_id); status None when the answer never came."""
        source, source_ton, source_npi = pdus.address_type(sms.from_address)
        destination = sms.to_address.removeprefix("+")
        try:
            response = await session.smsc.submit_sm(
                destination,
                part.short_message,
                source_addr=source,
                source_addr_ton=_pick(self.settings.source_ton, source_ton),
                source_addr_npi=_pick(self.settings.source_npi, source_npi),
                dest_addr_ton=self.settings.dest_ton,
                dest_addr_npi=self.settings.dest_npi,
                esm_class=part.esm_class,
                registered_delivery=1,
                data_coding=part.data_coding,
                tlvs=[smpp34.Tlv(tag, value) for tag, value in part.tlvs],
            )
        except smpp34.SmppError as exc:
            log.debug("submit_sm failed: %s", exc)
            found = _STATUS_IN_ERROR.search(str(exc))
            status = int(found.group(1), 16) if found else pdus.ESME_RSYSERR
            # A generic_nack with a real status is an answer (the PDU was refused);
            # ESME_RSYSERR is also what smpp34 says for a lost connection or a timeout.
            return (None, "") if status == pdus.ESME_RSYSERR else (status, "")
        return response.command_status, response.message_id or ""

    async def _on_deliver(self, event: smpp34.DeliverSmEvent) -> None:
        assert self._events is not None
        tlvs = {tlv.tag: tlv.value for tlv in event.tlvs}
        now = datetime.now(UTC)
        if pdus.is_receipt(event.esm_class):
            receipt = pdus.read_receipt(event.short_message, tlvs)
            if receipt is None:
                log.warning("SMPP: unreadable delivery receipt %r", event.short_message[:200])
                return
            await self._events.delivery_report(DeliveryReport(receipt, now))
            return
        message = pdus.read_message(event.esm_class, event.data_coding, event.short_message, tlvs)
        await self._events.inbound_sms(
            InboundSms(
                from_address=_phone(event.source_addr, event.source_addr_ton, self._numbers),
                # Ours: the core finds it among the provisioned numbers, `+` or not.
                to_address=_phone(event.destination_addr, event.dest_addr_ton, self._numbers),
                text=message.text,
                received_at=now,
                part=message.part,
                metadata=message.metadata,
            )
        )


def _pick(configured: int | None, worked_out: int) -> int:
    return worked_out if configured is None else configured


def _international(address: str, ton: int) -> str:
    return "+" + address if ton == 1 and address.isdigit() else address


# Short codes are 3 to 6 digits; in some regions they would also read as a valid national
# number (40404 in Germany as +4940404).
_SHORTEST_NUMBER = 7


def _phone(address: str, ton: int, numbers: AddressNormalizer) -> str:
    """A number as we store numbers (E.164): a phone's, so that its STOP finds the number
    we send to, and ours, so that the STOP stops what we send from it. International (TON
    1) as is; national (TON 2) in the deployment's region; unknown (TON 0, often
    international without its `+`): as international, unless it reads as a national number
    that starts with the trunk prefix 0, or only as a national one, or as the ten digits of
    a North American number in a North American region. Short codes and alphanumeric
    senders stay as sent."""
    if ton == 1 or not address.isdigit() or len(address) < _SHORTEST_NUMBER:
        return _international(address, ton)
    national = numbers.phone(address, zones=False).address
    if ton == 2:
        return national or address
    if ton != 0:
        return address
    international = numbers.phone("+" + address, zones=False).address
    nanp_region = phonenumbers.country_code_for_region(numbers.default_region) == 1
    north_american = nanp_region and len(address) == 10
    if national and (address.startswith("0") or not international or north_american):
        return national
    return international or address


def _partial(failure: SendResult, number: int, total: int, ids: list[str]) -> SendResult:
    """Some parts were taken, part `number` was not: sending the text again would repeat
    the parts already out, so only a permanent refusal stays REJECTED."""
    outcome = (
        SendOutcome.REJECTED if failure.outcome is SendOutcome.REJECTED else SendOutcome.UNKNOWN
    )
    return SendResult(
        outcome,
        ids[0],
        code=failure.code,
        reason=f"part {number} of {total} not sent: {failure.reason}",
        provider_part_ids=tuple(ids),
    )
