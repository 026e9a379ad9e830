"""What the send paths read: a sender number by the address a message names, and an
outbound domain with the key that signs its mail (receivers verify it with the published
record)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import dkim
import pytest

from tests.integration.conftest import container_of
from tidings import bootstrap
from tidings.adapters.email.dkim import DkimKey, DkimSigner
from tidings.config import Settings
from tidings.domain.permissions import ALL_DIVISIONS, Access, Grant, find_role
from tidings.services.caller import Caller

ADMIN = find_role("admin")
assert ADMIN
CALLER = Caller("tests", Access("tests", [Grant(ADMIN.id, ALL_DIVISIONS)]), 10**9)


@pytest.fixture
async def app(tmp_path: Path, database_url: str) -> AsyncIterator[bootstrap.Container]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, bounce_host="mx.test")
    async with container_of(settings) as container:
        yield container


async def test_numbers_are_found_by_the_address_a_message_names(
    app: bootstrap.Container,
) -> None:
    local = await app.sms_numbers.provision(CALLER, "(317) 555-0100", "local", None, None)
    await app.sms_numbers.provision(CALLER, "Tidings", "alphanumeric", None, None)
    async with app.unit_of_work() as uow:
        found = await uow.sms_numbers.find_by_address("+13175550100")
        alpha = await uow.sms_numbers.find_by_address("TIDINGS")
        assert await uow.sms_numbers.find_by_address("+13175550101") is None
    assert found is not None and found.id == local.id and found.can_send
    assert alpha is not None and alpha.phone_number == "Tidings"
    await app.sms_numbers.update(CALLER, local.id, status="INVALID")
    async with app.unit_of_work() as uow:
        paused = await uow.sms_numbers.find_by_address("+13175550100")
    assert paused is not None and not paused.can_send


async def test_a_domains_stored_key_signs_mail_its_record_verifies(
    app: bootstrap.Container,
) -> None:
    created = await app.email_domains.create(CALLER, "Example.com", None, None)
    async with app.unit_of_work() as uow:
        domain = await uow.email_domains.get("EXAMPLE.COM")
        assert await uow.email_domains.get("example.org") is None
    assert domain is not None and domain.id == "example.com"
    assert not domain.verified and domain.bounce_domain == "bounce.example.com"
    record = next(r for r in created.records if r.purpose == "dkim")
    signer = DkimSigner(DkimKey(domain.id, domain.dkim_selector, domain.dkim_private_key_pem))
    message = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nHello\r\n"

    def published(name: bytes, timeout: int = 5) -> bytes:
        assert name.decode().rstrip(".") == record.name
        return record.value.encode()

    assert dkim.verify(signer.sign(message), dnsfunc=published)
