"""The inbound receiver's durability rule, on the real database: a mail is acknowledged
(250) only once it is committed; when it cannot be stored the sender hears 451 and keeps
it, and its next try is stored whole, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosmtplib
import pytest
from sqlalchemy import func, select

from tests.integration.conftest import container_of
from tests.support.server import free_port
from tidings import bootstrap
from tidings.adapters.db.tables import inbound_emails, messages
from tidings.config import Settings

MAIL = (
    b"From: ann@example.org\r\nTo: hello@reply.tidings.test\r\nSubject: Hi\r\n"
    b"Message-ID: <durable-1@example.org>\r\n\r\nIs my order on its way?\r\n"
)


@pytest.fixture
async def app(tmp_path: Path, database_url: str) -> AsyncIterator[bootstrap.Container]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        inbound_smtp=f"127.0.0.1:{free_port()}",
        inbound_domains="reply.tidings.test",
    )
    async with container_of(settings) as container:
        [receiver] = container.inbound_receivers()
        await receiver.start(container.channel_events)
        yield container
        await receiver.close()


async def _send(app: bootstrap.Container) -> int:
    host, _, port = app.settings.inbound_smtp.rpartition(":")
    client = aiosmtplib.SMTP(hostname=host, port=int(port), start_tls=False)
    async with client:
        await client.mail("ann@example.org")
        await client.rcpt("hello@reply.tidings.test")
        try:
            return (await client.data(MAIL)).code
        except aiosmtplib.SMTPDataError as refused:
            return refused.code


async def _count(app: bootstrap.Container) -> tuple[int, int]:
    async with app.engine.connect() as connection:
        kept = (await connection.execute(select(func.count()).select_from(inbound_emails))).scalar()
        made = (
            await connection.execute(
                select(func.count())
                .select_from(messages)
                .where(messages.c.provider_message_id == "<durable-1@example.org>")
            )
        ).scalar()
    return int(kept or 0), int(made or 0)


async def test_a_mail_is_acknowledged_only_once_it_is_stored(app: bootstrap.Container) -> None:
    # The store fails (its table is gone): the sender is told to try again, nothing is kept.
    async with app.engine.begin() as connection:
        await connection.run_sync(inbound_emails.drop)
    assert await _send(app) == 451
    async with app.engine.begin() as connection:
        await connection.run_sync(inbound_emails.create)
    assert await _count(app) == (0, 0)

    # The sender's next try is stored, bytes and meaning, and only then acknowledged.
    assert await _send(app) == 250
    assert await _count(app) == (1, 1)
    async with app.engine.connect() as connection:
        data = (await connection.execute(select(inbound_emails.c.data))).scalar()
    assert data is not None and bytes(data).rstrip(b"\r\n") == MAIL.rstrip(b"\r\n")
