"""What becomes of a sent message when receipts and bounces arrive in awkward orders: before
the send is settled, out of order across the parts of a long SMS, with bytes the database
refuses, or after housekeeping gave the send up. Against the real database."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import orjson
import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.integration.conftest import container_of
from tests.support.messages import SENDER, queued, subscribe
from tidings import bootstrap
from tidings.adapters.db import lock_keys
from tidings.adapters.db.tables import message_receipts
from tidings.config import Settings
from tidings.domain import verp
from tidings.domain.channels import DeliveryReport, SendOutcome, SendResult
from tidings.domain.errors import Conflict, InvalidInput
from tidings.domain.ids import new_id, utcnow
from tidings.domain.inbound_email import DeliveryStatus, ParsedEmail, ReceivedEmail
from tidings.domain.messages import (
    DELIVERY_FAILED,
    DELIVERY_SUCCESS,
    EMAIL,
    FAILED,
    QUEUED,
    SENT,
    SMS,
    Conversation,
    Message,
    settle,
)
from tidings.domain.receipts import Receipt, parse_receipt
from tidings.domain.webhooks import MESSAGE_STATUS
from tidings.services import inbound_email
from tidings.services.inbound_email import InboundEmailService


async def _queued(app: bootstrap.Container, media: str = SMS, to: str = "+13175550100") -> Message:
    sender = SENDER if media == SMS else "news@mail.example"
    conversation, message = queued(
        to, sender=sender, media=media, text_body="hello " * 60, segment_count=3
    )
    async with app.unit_of_work() as uow:
        await uow.messages.add(conversation, message)
        await uow.messages.claim("here", media, 10, utcnow(), timedelta(minutes=10))
        await uow.commit()
    return message


async def _settle_accepted(
    app: bootstrap.Container, message: Message, *part_ids: str, media: str = SMS
) -> None:
    result = SendResult(SendOutcome.ACCEPTED, part_ids[0], provider_part_ids=part_ids)
    settlement = settle(message.id, 1, result, utcnow(), receipts_by_provider_id=media == SMS)
    async with app.unit_of_work() as uow:
        await uow.messages.settle(media, [settlement], utcnow())
        await uow.commit()


async def _receipt(app: bootstrap.Container, receipt: Receipt) -> None:
    await app.channel_events.delivery_report(DeliveryReport(receipt, utcnow()))


async def _read(app: bootstrap.Container, message: Message) -> Message:
    async with app.unit_of_work() as uow:
        [found] = await uow.messages.messages_of(message.conversation_id, [message.id])
    return found


async def _errors_of_receipts(app: bootstrap.Container, message: Message) -> list[str | None]:
    async with app.unit_of_work() as uow:
        found = (await uow.messages.receipts([message.id])).get(message.id, [])
    return [receipt.error for receipt in found]


async def test_parts_reporting_before_the_settlement_count_in_the_order_they_came(
    app: bootstrap.Container,
) -> None:
    # Part 2 fails, then part 1 is delivered, both before the send is settled: the first
    # final word decides, as when they come after the settlement.
    message = await _queued(app)
    await _receipt(app, Receipt("1001", "UNDELIV"))
    await _receipt(app, Receipt("1000", "DELIVRD"))
    await _settle_accepted(app, message, "1000", "1001")
    assert (await _read(app, message)).status == DELIVERY_FAILED


async def test_a_receipt_stored_while_its_send_waits_to_be_settled_reaches_the_message(
    app: bootstrap.Container, database_url: str
) -> None:
    # The settlement waits for the lock that receipts hold while they look for their
    # messages; a receipt committed meanwhile found no message yet, so the settlement must
    # see it once the lock is granted.
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's writers take turns on the whole database")
    message = await _queued(app)
    async with app.engine.connect() as receipt_batch:
        await receipt_batch.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_keys.RECEIPTS}
        )
        settling = asyncio.create_task(_settle_accepted(app, message, "900"))
        await _until_a_lock_is_waited_for(receipt_batch, settling)
        await receipt_batch.execute(
            insert(message_receipts).values(
                channel=SMS,
                provider_message_id="900",
                state="DELIVRD",
                status=DELIVERY_SUCCESS,
                final=True,
                received_at=utcnow(),
            )
        )
        await receipt_batch.commit()
        await asyncio.wait_for(settling, 10)
    assert (await _read(app, message)).status == DELIVERY_SUCCESS


async def _until_a_lock_is_waited_for(
    connection: AsyncConnection, waiter: asyncio.Task[None]
) -> None:
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    for _ in range(1000):
        if (await connection.execute(query)).scalar():
            return
        if waiter.done():  # it failed, or took no lock
            await waiter
            break
        await asyncio.sleep(0.01)
    raise AssertionError("nobody waited for the lock")


async def test_a_receipt_with_bytes_the_database_refuses_is_kept_and_fails_no_other(
    app: bootstrap.Container,
) -> None:
    # Some SMSCs send a C string's NUL along; an error code may be long. Neither may stop
    # the receipts written in the same batch (the SMSC link would retry them for ever).
    good, odd = await _queued(app), await _queued(app, to="+13175550101")
    await _settle_accepted(app, good, "80")
    await _settle_accepted(app, odd, "81")
    nul = parse_receipt("id:81 sub:001 dlvrd:000 stat:UNDELIV err:012\x00")
    assert nul is not None
    await asyncio.gather(
        _receipt(app, Receipt("80", "DELIVRD")), _receipt(app, nul), _receipt(app, nul)
    )
    assert (await _read(app, good)).status == DELIVERY_SUCCESS
    assert (await _read(app, odd)).status == DELIVERY_FAILED
    assert await _errors_of_receipts(app, odd) == ["012", "012"]
    long_error = Receipt("80", "DELIVRD", "9" * 500)
    await _receipt(app, long_error)
    assert len(long_error.error or "") == 64


@pytest.mark.parametrize("late", ["accepted", "partly-sent"])
async def test_a_send_given_up_as_unknown_stays_so_and_takes_no_receipt(
    app: bootstrap.Container, late: str
) -> None:
    # Housekeeping failed the send as unknown (its campaign contact is ambiguous on that);
    # the dispatcher's late settlement and the receipt after it leave it so.
    message = await _queued(app)
    async with app.unit_of_work() as uow:
        assert await uow.messages.abandon(["another dispatcher"], utcnow()) == 1
        await uow.commit()
    if late == "accepted":
        await _settle_accepted(app, message, "55")
    else:
        result = SendResult(
            SendOutcome.UNKNOWN, "55", reason="part 2 of 2 not sent", provider_part_ids=("55",)
        )
        async with app.unit_of_work() as uow:
            await uow.messages.settle(SMS, [settle(message.id, 1, result, utcnow())], utcnow())
            await uow.commit()
    await _receipt(app, Receipt("55", "DELIVRD"))
    found = await _read(app, message)
    assert (found.status, found.provider_message_id) == (FAILED, None)
    assert await _errors_of_receipts(app, message) == []


def _bounce(app: bootstrap.Container, message: Message) -> tuple[ReceivedEmail, ParsedEmail]:
    return_path = verp.return_path(app.verp_key, message.id, "bounce.example")
    mail = ReceivedEmail("", (return_path,), b"x", utcnow())
    report = DeliveryStatus(message.to_address, "failed", "5.1.1", "no such user")
    parsed = ParsedEmail(
        "mailer-daemon@x.example", None, "Undelivered", "", None, "", (), False, (report,), True
    )
    return mail, parsed


async def _events(app: bootstrap.Container, subscription_id: str) -> dict[str, str]:
    async with app.unit_of_work() as uow:
        found = await uow.webhooks.deliveries(subscription_id, 100)
    bodies = [orjson.loads(d.body)["eventBody"] for d in found]
    return {body["status"]: body["timestamp"] for body in bodies}


async def test_a_bounce_that_came_before_the_settlement_is_reported_after_the_send(
    app: bootstrap.Container,
) -> None:
    subscription = await subscribe(app, MESSAGE_STATUS)
    message = await _queued(app, EMAIL, "someone@example.com")
    service = InboundEmailService(app.unit_of_work, app.verp_key)
    bounced = asyncio.create_task(service.receive(*_bounce(app, message)))
    await asyncio.sleep(0.3)  # the relay bounced at once; the bounce waits for the settlement
    await _settle_accepted(app, message, "<m@x>", media=EMAIL)
    await bounced

    found = await _read(app, message)
    assert found.status == DELIVERY_FAILED
    assert found.sent_at is not None and found.status_changed_at is not None
    assert found.status_changed_at >= found.sent_at
    events = await _events(app, subscription)
    assert set(events) == {QUEUED, SENT, DELIVERY_FAILED}
    assert events[SENT] <= events[DELIVERY_FAILED]


async def test_a_bounce_that_outwaited_the_settlement_keeps_its_outcome(
    app: bootstrap.Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbound_email, "SETTLE_WAIT_SECONDS", 0.1)
    message = await _queued(app, EMAIL, "someone@example.com")
    service = InboundEmailService(app.unit_of_work, app.verp_key)
    await service.receive(*_bounce(app, message))
    await _settle_accepted(app, message, "<m@x>", media=EMAIL)
    found = await _read(app, message)
    assert found.status == DELIVERY_FAILED
    assert found.error_message is not None and "no such user" in found.error_message


async def test_a_mail_to_a_messages_unsubscribe_address_opts_its_recipient_out_of_that_sender(
    app: bootstrap.Container,
) -> None:
    message = await _queued(app, EMAIL, "Someone@Example.com")
    address = verp.unsubscribe_address(app.verp_key, message.id, "bounce.example")
    service = InboundEmailService(app.unit_of_work, app.verp_key)
    assert await service.accepts(address)
    forged = address.replace(f"-{message.id}-", f"-{new_id()}-")
    assert not await service.accepts(forged)
    mail = ReceivedEmail("someone@example.com", (address,), b"x", utcnow())
    parsed = ParsedEmail("someone@example.com", None, "", "", None, "", (), False, (), False)
    assert await service.receive(mail, parsed) == "unsubscribe"
    async with app.unit_of_work() as uow:
        assert await uow.messages.opted_out(EMAIL, "someone@example.com", message.from_address)
        assert not await uow.messages.opted_out(EMAIL, "someone@example.com", "other@x.example")


async def test_the_parts_of_a_long_message_that_went_out_before_it_failed_keep_their_receipts(
    app: bootstrap.Container,
) -> None:
    message = await _queued(app)
    failed = SendResult(
        SendOutcome.REJECTED,
        "300",
        code="0x0000000B",
        reason="part 2 of 2 not sent: invalid destination",
        provider_part_ids=("300",),
    )
    async with app.unit_of_work() as uow:
        await uow.messages.settle(SMS, [settle(message.id, 1, failed, utcnow())], utcnow())
        await uow.commit()
    await _receipt(app, Receipt("300", "DELIVRD"))
    assert (await _read(app, message)).status == FAILED
    assert await _errors_of_receipts(app, message) == [None]


async def test_many_messages_stored_at_once_read_back_as_given(app: bootstrap.Container) -> None:
    # A batch this size goes to PostgreSQL as COPY: every kind of value comes back the same,
    # and a batch that repeats a message stores none of it.
    now = utcnow()
    pairs = []
    for n in range(40):
        conversation, message = queued(
            f"+1317555{n:04d}",
            at=now + timedelta(microseconds=n),
            text_body=f'Grüße {n} \\ \t tab, "quotes", new\nline, 日本語 😀' if n % 2 else None,
            segment_count=n % 3 + 1,
            encoding="UCS2" if n % 2 else None,
            campaign_id=None if n % 3 else new_id(),
            keyword_reply=bool(n % 5 == 0),
        )
        pairs.append((conversation, message))
    async with app.unit_of_work() as uow:
        await uow.messages.add_many(pairs)
        await uow.commit()
    async with app.unit_of_work() as uow:
        for conversation, message in pairs:
            [found] = await uow.messages.messages_of(conversation.id, [message.id])
            assert dataclasses.replace(found, status_changed_at=None) == message

    fresh = Conversation(new_id(), SMS, "+13175550999", "+13175559999", now)
    again = [
        *pairs[:20],
        (fresh, dataclasses.replace(pairs[0][1], id=new_id(), conversation_id=fresh.id)),
    ]
    with pytest.raises(Conflict):
        async with app.unit_of_work() as uow:
            await uow.messages.add_many(again)
            await uow.commit()
    async with app.unit_of_work() as uow:
        assert await uow.messages.conversation(fresh.id) is None


async def test_status_times_are_kept_whatever_the_database_sessions_time_zone(
    tmp_path: Path, database_url: str
) -> None:
    # A PostgreSQL server's sessions take the server's zone unless told otherwise; a time
    # handed over with its zone would be stored in that one, hours off.
    if database_url.startswith("postgresql"):
        separator = "&" if "?" in database_url else "?"
        database_url += f"{separator}options={quote('-c TimeZone=Asia/Tokyo')}"
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    async with container_of(settings) as app:
        sms = await _queued(app)
        settled_at = utcnow()
        accepted = SendResult(SendOutcome.ACCEPTED, "700", provider_part_ids=("700",))
        async with app.unit_of_work() as uow:
            await uow.messages.settle(SMS, [settle(sms.id, 1, accepted, settled_at)], settled_at)
            await uow.commit()
        delivered_at = settled_at + timedelta(seconds=3)
        report = DeliveryReport(Receipt("700", "DELIVRD"), delivered_at)
        await app.channel_events.delivery_report(report)
        found = await _read(app, sms)
        assert (found.status, found.sent_at, found.status_changed_at) == (
            DELIVERY_SUCCESS,
            settled_at,
            delivered_at,
        )

        email = await _queued(app, EMAIL, "someone@example.com")
        await _settle_accepted(app, email, "<m@x>", media=EMAIL)
        mail, parsed = _bounce(app, email)
        await InboundEmailService(app.unit_of_work, app.verp_key).receive(mail, parsed)
        found = await _read(app, email)
        assert (found.status, found.status_changed_at) == (DELIVERY_FAILED, mail.received_at)


@pytest.mark.parametrize("batch", [1, 20], ids=["one", "copy"])
async def test_a_value_postgresql_cannot_store_is_bad_input_not_a_server_error(
    app: bootstrap.Container, database_url: str, batch: int
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite stores NUL in text")
    pairs = [
        queued(f"+1317555{n:04d}", text_body="null \x00 byte" if n == batch - 1 else "fine")
        for n in range(batch)
    ]
    with pytest.raises(InvalidInput, match="refused a value"):
        async with app.unit_of_work() as uow:
            await uow.messages.add_many(pairs)
            await uow.commit()
    async with app.unit_of_work() as uow:
        assert await uow.messages.conversation(pairs[0][0].id) is None
