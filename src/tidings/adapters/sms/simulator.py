"""The built-in simulator (`simulator:`): a provider that accepts everything and answers
with receipts, so a newcomer sees the whole flow with no aggregator.

Numbers ending in 666 are reported undelivered (UNDELIV), so failures can be seen too.
`simulator:?delay=0.5` sets the receipt delay in seconds.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from urllib.parse import parse_qs, urlsplit

from tidings.domain.channels import (
    DeliveryReport,
    OutboundEmail,
    OutboundSms,
    SendResult,
)
from tidings.domain.ids import utcnow
from tidings.domain.receipts import Receipt
from tidings.ports import ChannelEvents

UNDELIVERABLE_SUFFIX = "666"


def receipt_delay(url: str) -> float:
    query = parse_qs(urlsplit(url).query)
    try:
        return max(float(query.get("delay", ["0.2"])[0]), 0.0)
    except ValueError as exc:
        raise ValueError(f"simulator URL {url!r}: delay must be a number of seconds") from exc


class _Simulator:
    channel = "sms"
    # E-mail has no delivery receipts: only a bounce says anything, so only failures report.
    reports_delivery = True

    def __init__(self, url: str = "simulator:") -> None:
        self._delay = receipt_delay(url)
        self._events: ChannelEvents | None = None
        self._ids = itertools.count(1)
        self._prefix = f"sim-{utcnow():%H%M%S}-"
        self._tasks: set[asyncio.Task[None]] = set()
        # The latest messages it took, newest last: what the console's simulator page shows.
        self.received: deque[OutboundSms | OutboundEmail] = deque(maxlen=1000)

    async def start(self, events: ChannelEvents) -> None:
        self._events = events

    def _accept(self, message: OutboundSms | OutboundEmail, address: str) -> SendResult:
        self.received.append(message)
        provider_id = f"{self._prefix}{next(self._ids)}"
        state = "UNDELIV" if address.split("@")[0].endswith(UNDELIVERABLE_SUFFIX) else "DELIVRD"
        if state != "DELIVRD" or self.reports_delivery:
            task = asyncio.get_running_loop().create_task(self._report(provider_id, state))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return SendResult.accepted(provider_id)

    async def _report(self, provider_id: str, state: str) -> None:
        await asyncio.sleep(self._delay)
        if self._events is not None:
            receipt = Receipt(provider_id, state, None if state == "DELIVRD" else "001")
            await self._events.delivery_report(
                DeliveryReport(receipt, utcnow(), channel=self.channel)
            )

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=self._delay + 5)


class SimulatorSms(_Simulator):
    async def send(self, sms: OutboundSms) -> SendResult:
        return self._accept(sms, sms.to_address)


class SimulatorEmail(_Simulator):
    channel = "email"
    reports_delivery = False

    async def send(self, email: OutboundEmail) -> SendResult:
        return self._accept(email, email.to_address.email)
