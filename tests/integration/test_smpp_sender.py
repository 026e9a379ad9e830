"""SmppSender against the test SMSC (smpp34.Server): what an operator would see on the
wire and in the events the core receives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.support.server import free_port
from tests.support.smsc import Rules, Smsc, SmscThread
from tidings.adapters.sms.smpp import SmppSender
from tidings.domain.channels import (
    DeliveryReport,
    InboundSms,
    OutboundSms,
    SendOutcome,
    SendResult,
)

PHONE = "+15551230000"
NUMBER = "+15550001111"
# 20 * 12 septets with 4 escape pairs in every 8 characters: parts must not cut a pair.
LONG_GSM = "[test]{}" * 20 + "x"


class EventSink:
    """The core's side of ChannelEvents, in memory; fails the first `failures` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.reports: list[DeliveryReport] = []
        self.inbound: list[InboundSms] = []
        self.failures = failures
        self._changed = asyncio.Condition()

    async def delivery_report(self, report: DeliveryReport) -> None:
        await self._take(self.reports, report)

    async def inbound_sms(self, message: InboundSms) -> None:
        await self._take(self.inbound, message)

    async def _take(self, into: list[object], item: object) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database unavailable")
        async with self._changed:
            into.append(item)
            self._changed.notify_all()

    async def wait(self, reports: int = 0, inbound: int = 0) -> None:
        async with self._changed:
            await self._changed.wait_for(
                lambda: len(self.reports) >= reports and len(self.inbound) >= inbound
            )


@pytest.fixture
async def smsc() -> AsyncIterator[Smsc]:
    async with Smsc(free_port()) as peer:
        yield peer


@asynccontextmanager
async def sender_on(
    port: int, sink: EventSink | None = None, **options: object
) -> AsyncIterator[SmppSender]:
    defaults: dict[str, object] = {
        "reconnect_min": 0.05,
        "reconnect_max": 0.2,
        "throttle_backoff": 0.01,
    }
    query = "&".join(f"{k}={v}" for k, v in {**defaults, **options}.items())
    sender = SmppSender.from_url(f"smpp://tidings:secret@127.0.0.1:{port}?{query}")
    await sender.start(sink or EventSink())
    try:
        yield sender
    finally:
        await sender.close()


def sms(text: str, to: str = PHONE, sender: str = NUMBER, number: int = 1) -> OutboundSms:
    return OutboundSms(f"m{number}", sender, to, text)


async def test_a_short_gsm_message_is_accepted_with_the_smsc_id(smsc: Smsc) -> None:
    async with sender_on(smsc.port) as sender:
        result = await sender.send(sms("Your code is 1234 @ £5"))
    [submit] = smsc.submits
    assert result == SendResult(
        SendOutcome.ACCEPTED, submit.message_id, provider_part_ids=(submit.message_id,)
    )
    assert (submit.text, submit.data_coding, submit.esm_class) == ("Your code is 1234 @ £5", 0, 0)
    assert (submit.source, submit.source_ton, submit.destination) == (
        NUMBER[1:],
        1,
        PHONE[1:],
    )


async def test_an_alphanumeric_sender_goes_out_as_such(smsc: Smsc) -> None:
    async with sender_on(smsc.port) as sender:
        await sender.send(sms("hi", sender="Tidings"))
    assert (smsc.submits[0].source, smsc.submits[0].source_ton) == ("Tidings", 5)


async def test_a_text_outside_gsm_goes_as_ucs2(smsc: Smsc) -> None:
    async with sender_on(smsc.port) as sender:
        result = await sender.send(sms("Привет 👋"))
    assert result.outcome is SendOutcome.ACCEPTED
    assert (smsc.submits[0].text, smsc.submits[0].data_coding) == ("Привет 👋", 8)


async def test_a_long_message_goes_in_udh_parts_the_phone_reassembles(smsc: Smsc) -> None:
    async with sender_on(smsc.port) as sender:
        result = await sender.send(sms(LONG_GSM))
    assert smsc.messages() == [LONG_GSM]
    assert len(smsc.submits) == 2
    assert result.provider_part_ids == tuple(s.message_id for s in smsc.submits)
    for submit in smsc.submits:
        assert submit.esm_class == 0x40 and submit.udh is not None and submit.sar is None
        assert len(submit.text.encode("gsm03.38")) <= 153  # whole escape pairs only


async def test_a_long_message_can_go_with_sar_tlvs(smsc: Smsc) -> None:
    async with sender_on(smsc.port, long="sar") as sender:
        result = await sender.send(sms("Ж" * 150))
    assert smsc.messages() == ["Ж" * 150]
    assert len(result.provider_part_ids) == len(smsc.submits) == 3
    assert all(s.sar is not None and s.udh is None and s.esm_class == 0 for s in smsc.submits)


async def test_a_long_message_can_go_whole_in_message_payload(smsc: Smsc) -> None:
    async with sender_on(smsc.port, long="payload") as sender:
        result = await sender.send(sms(LONG_GSM))
    [submit] = smsc.submits
    assert (submit.text, submit.payload_tlv) == (LONG_GSM, True)
    assert result.provider_part_ids == (submit.message_id,)


async def test_receipts_reach_the_core_with_the_provider_ids(smsc: Smsc) -> None:
    smsc.rules.undeliverable = {"15559990000"}
    sink = EventSink()
    async with sender_on(smsc.port, sink) as sender:
        delivered = await sender.send(sms("a"))
        failed = await sender.send(sms("b", to="+15559990000"))
        await sink.wait(reports=2)
    states = {r.receipt.message_id: (r.receipt.state, r.receipt.outcome) for r in sink.reports}
    assert states == {
        delivered.provider_message_id: ("DELIVRD", "delivery-success"),
        failed.provider_message_id: ("UNDELIV", "delivery-failed"),
    }


async def test_replies_arrive_single_and_in_parts(smsc: Smsc) -> None:
    sink = EventSink()
    long_reply = "Please call me back tomorrow about the appointment, " * 4
    async with sender_on(smsc.port, sink):
        await smsc.wait_for(1, "binds")
        await smsc.inject_mo(PHONE, NUMBER, "STOP")
        await smsc.inject_mo(PHONE, NUMBER, long_reply)
        await sink.wait(inbound=3)
    single, *parts = sink.inbound
    assert (single.from_address, single.to_address, single.text, single.part) == (
        PHONE,
        NUMBER,
        "STOP",
        None,
    )
    assert [p.part.sequence for p in parts if p.part] == [1, 2]
    assert {p.part.total for p in parts if p.part} == {2}
    assert "".join(p.text for p in parts) == long_reply


@pytest.mark.parametrize(
    ("source", "ton", "region", "seen_as"),
    [
        ("447911123456", 0, "US", "+447911123456"),  # international, without its +
        ("3175550123", 0, "US", "+13175550123"),  # national, type unknown
        ("07911123456", 2, "GB", "+447911123456"),  # national
        ("447911123456", 1, "US", "+447911123456"),
        ("72015", 0, "US", "72015"),  # a short code stays as sent
        # In Germany almost any digits read as a national number: international wins, unless
        # the number starts with the trunk prefix; short codes stay short codes.
        ("447911123456", 0, "DE", "+447911123456"),
        ("015112345678", 0, "DE", "+4915112345678"),
        ("40404", 0, "DE", "40404"),
    ],
)
async def test_a_reply_from_a_number_written_without_its_country_is_seen_in_e164(
    smsc: Smsc, source: str, ton: int, region: str, seen_as: str
) -> None:
    """A STOP must reach the opt-out of the number we send to, however the SMSC writes it."""
    stop = await _stop_seen(smsc, region, source, NUMBER, ton=ton)
    assert stop.from_address == seen_as
    assert stop.to_address == NUMBER  # ours, sent as international


@pytest.mark.parametrize(
    ("destination", "ton", "region", "seen_as"),
    [
        ("3175550999", 2, "US", "+13175550999"),  # national
        ("3175550999", 0, "US", "+13175550999"),  # national, type unknown
        ("13175550999", 0, "US", "+13175550999"),  # international, without its +
        ("07911123456", 2, "GB", "+447911123456"),
        ("72015", 0, "US", "72015"),  # a short code stays as sent
    ],
)
async def test_a_reply_to_our_number_written_nationally_is_seen_to_our_number_in_e164(
    smsc: Smsc, destination: str, ton: int, region: str, seen_as: str
) -> None:
    """A STOP to our number, however the SMSC writes it, must stop what that number sends."""
    stop = await _stop_seen(smsc, region, PHONE, destination, dest_ton=ton)
    assert stop.to_address == seen_as


async def _stop_seen(
    smsc: Smsc, region: str, source: str, destination: str, **tons: int
) -> InboundSms:
    """A STOP the SMSC delivers as it writes numbers, as a sender in `region` hears it."""
    sink = EventSink()
    sender = SmppSender.from_url(f"smpp://tidings:secret@127.0.0.1:{smsc.port}", region)
    await sender.start(sink)
    try:
        await smsc.wait_for(1, "binds")
        await smsc.inject_mo(source, destination, "STOP", **tons)
        await sink.wait(inbound=1)
    finally:
        await sender.close()
    return sink.inbound[0]


async def test_a_ucs2_reply_with_sar_tlvs_is_read(smsc: Smsc) -> None:
    sink = EventSink()
    async with sender_on(smsc.port, sink):
        await smsc.wait_for(1, "binds")
        await smsc.inject_mo(PHONE, NUMBER, "Да" * 40, long="sar")
        await sink.wait(inbound=2)
    assert "".join(m.text for m in sink.inbound) == "Да" * 40
    assert all(m.part is not None and m.part.total == 2 for m in sink.inbound)


async def test_a_receipt_is_not_lost_when_the_core_fails_to_take_it_once(smsc: Smsc) -> None:
    sink = EventSink(failures=1)
    async with sender_on(smsc.port, sink) as sender:
        result = await sender.send(sms("a"))
        await sink.wait(reports=1)
    assert sink.reports[0].receipt.message_id == result.provider_message_id


async def test_throttling_slows_down_but_does_not_fail_the_message(smsc: Smsc) -> None:
    smsc.rules.throttle_first = 3
    smsc.rules.queue_full_first = 2
    async with sender_on(smsc.port, slow_seconds=0.1) as sender:
        result = await sender.send(sms("patience"))
    assert result.outcome is SendOutcome.ACCEPTED
    assert [status for _, status in smsc.refused] == [0x58] * 3 + [0x14] * 2
    assert [s.text for s in smsc.submits] == ["patience"]


async def test_throttled_past_the_deadline_is_retry(smsc: Smsc) -> None:
    smsc.rules.throttle_first = 1_000_000
    async with sender_on(smsc.port, deadline=0.05, slow_seconds=0.01) as sender:
        result = await sender.send(sms("later"))
    assert (result.outcome, result.code) == (SendOutcome.RETRY, "0x00000058")
    assert smsc.submits == []


async def test_a_permanent_error_is_rejected_with_its_code(smsc: Smsc) -> None:
    smsc.rules.reject = {"15550009999": 0x0B}
    async with sender_on(smsc.port) as sender:
        result = await sender.send(sms("x", to="+15550009999"))
    assert result.outcome is SendOutcome.REJECTED
    assert result.code == "0x0000000B"
    assert result.reason is not None and "invalid destination address" in result.reason


async def test_no_smsc_means_retry() -> None:
    async with sender_on(free_port(), wait=0.1) as sender:
        result = await sender.send(sms("x"))
    assert result.outcome is SendOutcome.RETRY


async def test_a_submit_whose_answer_is_lost_is_unknown(smsc: Smsc) -> None:
    smsc.rules.hold = {"15550004444"}
    async with sender_on(smsc.port, wait=0.1) as sender:
        sending = asyncio.create_task(sender.send(sms("x", to="+15550004444")))
        await smsc.wait_for(1, "held")
        await smsc.stop()
        result = await sending
    assert result.outcome is SendOutcome.UNKNOWN


async def sends_across_a_restart(
    sender: SmppSender, smsc: Smsc, *, count: int, restart_after: int
) -> list[SendResult]:
    """Sends `count` messages ("message n") at once; the SMSC restarts once it has taken
    `restart_after` of them."""

    async def restart() -> None:
        await smsc.wait_for(restart_after)
        await smsc.restart(down_for=0.3)

    restarting = asyncio.create_task(restart())
    results = await asyncio.gather(
        *(sender.send(sms(f"message {n}", number=n)) for n in range(count))
    )
    await restarting
    return list(results)


async def test_a_restart_mid_run_neither_loses_nor_doubles_a_message(smsc: Smsc) -> None:
    smsc.rules.answer_delay = 0.001
    async with sender_on(smsc.port, window=20, wait=30) as sender:
        results = await sends_across_a_restart(sender, smsc, count=500, restart_after=100)
        binds = sender.binds
    received = [s.text for s in smsc.submits]
    assert len(received) == len(set(received)), "the SMSC got a message twice"
    outcomes = {r.outcome for r in results}
    assert outcomes <= {SendOutcome.ACCEPTED, SendOutcome.RETRY, SendOutcome.UNKNOWN}
    by_id = {s.message_id: s.text for s in smsc.submits}
    for n, result in enumerate(results):
        if result.outcome is SendOutcome.ACCEPTED:
            assert by_id[result.provider_message_id or ""] == f"message {n}"
        if result.outcome is SendOutcome.RETRY:
            assert f"message {n}" not in received
    assert binds == 2 and smsc.bind_count == 2
    assert sum(r.outcome is SendOutcome.ACCEPTED for r in results) >= 400


async def test_receipts_read_by_several_readers_all_arrive_across_a_restart(
    smsc: Smsc,
) -> None:
    sink = EventSink()
    async with sender_on(smsc.port, sink, window=50, wait=30) as sender:
        results = await sends_across_a_restart(sender, smsc, count=600, restart_after=200)
        assert sum(r.outcome is SendOutcome.ACCEPTED for r in results) >= 400
        # The SMSC sends a receipt for every submit it took (some of them answered to a
        # session that dropped) and resends each until it is acknowledged.
        await smsc.wait_for(len(smsc.submits), "receipts")
        # The dropped session's readers have all ended (the one that read its Disconnected
        # and, a moment later, those left waiting); only the new session's read on.
        await asyncio.sleep(1.0)
        readers = [len(link._readers) for link in sender._links]
    # Every receipt reached the core (one sent again after the drop may come twice:
    # receipts are idempotent there).
    assert {r.receipt.message_id for r in sink.reports} == {s.message_id for s in smsc.submits}
    assert readers == [4]


async def test_transmitter_and_receiver_binds(smsc: Smsc) -> None:
    sink = EventSink()
    async with sender_on(smsc.port, sink, bind="tx+rx") as sender:
        result = await sender.send(sms("two binds"))
        await sink.wait(reports=1)
    assert sorted(b.can_receive for b in smsc.binds) == [False, True]
    transmitter = next(b for b in smsc.binds if not b.can_receive)
    assert smsc.submits[0].session_id == transmitter.session_id
    assert sink.reports[0].receipt.message_id == result.provider_message_id


async def test_the_window_bounds_the_submits_in_flight(smsc: Smsc) -> None:
    smsc.rules = Rules(answer_delay=0.005)
    async with sender_on(smsc.port, window=5) as sender:
        results = await asyncio.gather(*(sender.send(sms(f"{n}", number=n)) for n in range(60)))
    assert {r.outcome for r in results} == {SendOutcome.ACCEPTED}
    assert 1 <= smsc.max_outstanding <= 5


async def test_the_peer_also_runs_in_a_thread_and_restarts_there() -> None:
    sink = EventSink()
    with SmscThread(free_port()) as peer:
        async with sender_on(peer.port, sink) as sender:
            first = await sender.send(sms("before"))
            await asyncio.to_thread(peer.restart)
            second = await sender.send(sms("after"))
            await asyncio.to_thread(peer.inject_mo, PHONE, NUMBER, "YES")
            await sink.wait(reports=2, inbound=1)
        assert [s.text for s in peer.submits] == ["before", "after"]
        assert peer.bind_count == 2
    assert {r.receipt.message_id for r in sink.reports} == {
        first.provider_message_id,
        second.provider_message_id,
    }
    assert sink.inbound[0].text == "YES"
