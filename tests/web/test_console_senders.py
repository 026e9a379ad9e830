"""The senders page's "Check now" against a real DNS server on 127.0.0.1 that serves what
the domain's owner published."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import fresh_database
from tests.support.console import create_user, signed_in
from tests.support.dns_server import DnsResponder
from tests.support.server import Server, running_server

BOUNCE_HOST = "bounces.tidings.test"


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsResponder]:
    with DnsResponder().running() as responder:
        yield responder


@pytest.fixture(scope="module")
def mail_server(dns: DnsResponder) -> Iterator[Server]:
    with (
        tempfile.TemporaryDirectory(prefix="tidings-console-dns-") as directory,
        fresh_database(Path(directory)) as url,
        running_server(url, dns_resolver=dns.address, bounce_host=BOUNCE_HOST) as running,
    ):
        yield running


def test_check_now_verifies_a_domain_once_its_records_are_published(
    mail_server: Server, dns: DnsResponder
) -> None:
    client = signed_in(mail_server, create_user(mail_server, "campaignManager"))
    domain = f"d{uuid.uuid4().hex[:10]}.example"
    assert client.post("/senders/domains", {"domain": domain}).status_code == 303
    page = client.get("/senders").text
    assert f"._domainkey.{domain}" in page
    assert f"bounce.{domain}" in page
    assert "not verified" in page
    token = mail_server.token(mail_server.create_client("dns reader", "admin"))
    _, found, _ = mail_server.request(
        "GET", f"/api/v2/routing/email/outbound/domains/{domain}/activation", token=token
    )
    dkim, bounce = found["dnsTxtSendingRecord"], found["dnsCnameBounceRecord"]
    assert dkim["recordContents"] in page.replace("&#43;", "+")
    dns.set(dkim["host"], "TXT", dkim["recordContents"])
    dns.set(bounce["host"], "CNAME", bounce["recordContents"])
    checked = client.post(f"/senders/domains/{domain}/check", {})
    assert checked.status_code == 303
    page = client.get("/senders").text
    article = page[page.index(f'id="domain-{domain}"') :]
    assert '<span class="badge ok">verified</span>' in article
    assert "Last checked: never" not in article
