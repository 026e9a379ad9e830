"""Outbound e-mail domains through the official SDK, checked against a real DNS server on
127.0.0.1 that serves the records each test chooses."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.conftest import fresh_database
from tests.support.dns_server import DnsResponder
from tests.support.server import Client, Server, running_server
from tidings.adapters.email.dkim import generate_key

DOMAINS = "/api/v2/routing/email/outbound/domains"
BOUNCE_HOST = "bounces.tidings.test"


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsResponder]:
    with DnsResponder().running() as responder:
        yield responder


@pytest.fixture(scope="module")
def mail_server(dns: DnsResponder) -> Iterator[Server]:
    """A server of its own: its DNS questions go to the test's responder."""
    with (
        tempfile.TemporaryDirectory(prefix="tidings-domains-") as directory,
        fresh_database(Path(directory)) as url,
        running_server(url, dns_resolver=dns.address, bounce_host=BOUNCE_HOST) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def token(mail_server: Server) -> str:
    return mail_server.token(mail_server.create_client("domains admin", "admin"))


def _client(server: Server, token: str, role: str) -> Client:
    """A client made through the API (the CLI would cost a process start)."""
    status, created = server.post_client(token, roleDivisions=[{"roleId": role, "divisionId": "*"}])
    assert status == 200, created
    return Client.of(created)


@pytest.fixture(scope="module")
def routing(mail_server: Server, token: str) -> Any:
    client = _client(mail_server, token, "admin")
    api = gc.ApiClient(host=mail_server.base_url).get_client_credentials_token(
        client.id, client.secret
    )
    return gc.RoutingApi(api)


def new_domain() -> str:
    return f"d{uuid.uuid4().hex[:10]}.example"


def _create(routing: Any, domain: str, name: str | None = None) -> Any:
    body = gc.OutboundDomainCreateRequest()
    body.id, body.name, body.sender_type = domain, name or domain, "EmailDomain"
    return routing.post_routing_email_outbound_domains(body)


def _publish(dns: DnsResponder, result: Any) -> None:
    """Publishes what the answer asked for, as the domain's owner would."""
    dkim, bounce = result.dns_txt_sending_record, result.dns_cname_bounce_record
    dns.set(dkim.host, "TXT", dkim.record_contents)
    dns.set(bounce.host, "CNAME", bounce.record_contents)


def test_a_new_domain_answers_the_records_to_publish(
    mail_server: Server, token: str, routing: Any
) -> None:
    domain = new_domain()
    created = _create(routing, domain.upper(), "Receipts")
    assert created.domain_name == domain and created.sender_type == "EmailDomain"
    assert created.sender_status == "Provisioned"
    dkim = created.dns_txt_sending_record
    assert dkim.host.endswith(f"._domainkey.{domain}") and dkim.verification_status == "Pending"
    assert dkim.record_contents.startswith("v=DKIM1; k=rsa; p=MII")
    bounce = created.dns_cname_bounce_record
    assert (bounce.host, bounce.record_contents) == (f"bounce.{domain}", BOUNCE_HOST)
    fetched = routing.get_routing_email_outbound_domain(domain)
    assert fetched.id == domain and fetched.name == "Receipts"
    assert fetched.dkim_verification_result.status == "PENDING"
    record = fetched.dkim_verification_result.records[0]
    assert (record.name, record.type, record.value) == (dkim.host, "TXT", dkim.record_contents)
    assert fetched.cname_verification_result.records[0].type == "CNAME"
    assert fetched.self_uri == f"{DOMAINS}/{domain}"
    # The SPF hint is an extension field; the private key never leaves the server.
    raw = mail_server.request("GET", f"{DOMAINS}/{domain}", token=token)[1]
    assert raw["spfVerificationResult"]["records"][0]["value"] == f"v=spf1 a:{BOUNCE_HOST} ~all"
    for path in (f"{DOMAINS}/{domain}", f"{DOMAINS}/{domain}/activation", DOMAINS):
        assert "PRIVATE KEY" not in str(mail_server.request("GET", path, token=token)[1])


def test_activation_reports_each_record(dns: DnsResponder, routing: Any) -> None:
    domain = new_domain()
    created = _create(routing, domain)
    missing = routing.put_routing_email_outbound_domain_activation(domain)
    assert missing.dns_txt_sending_record.verification_status == "Pending"
    assert missing.dns_cname_bounce_record.verification_status == "Pending"
    assert missing.dmarc_verification_result.status == "NotPresent"

    _publish(dns, created)
    dns.set(domain, "TXT", "v=spf1 mx a:bounces.tidings.test -all")
    dns.set(f"_dmarc.{domain}", "TXT", f"v=DMARC1; p=quarantine; rua=mailto:d@{domain}")
    right = routing.put_routing_email_outbound_domain_activation(domain)
    assert right.dns_txt_sending_record.verification_status == "Verified"
    assert right.dns_cname_bounce_record.verification_status == "Verified"
    assert right.dmarc_verification_result.status == "Valid"
    assert right.dmarc_verification_result.detected_policy == "quarantine"
    # GET reads the stored verdicts; it asks DNS nothing.
    asked = dns.questions
    stored = routing.get_routing_email_outbound_domain_activation(domain)
    assert stored.dns_txt_sending_record.verification_status == "Verified"
    assert dns.questions == asked
    fetched = routing.get_routing_email_outbound_domain(domain)
    assert fetched.dkim_verification_result.status == "VERIFIED"
    assert fetched.cname_verification_result.status == "VERIFIED"
    assert fetched.dmarc_verification_result.date_checked is not None

    _, other_key = generate_key(1024)
    dns.set(created.dns_txt_sending_record.host, "TXT", f"v=DKIM1; k=rsa; p={other_key}")
    dns.set(f"bounce.{domain}", "CNAME")  # removed
    wrong = routing.put_routing_email_outbound_domain_activation(domain)
    assert wrong.dns_txt_sending_record.verification_status == "Failed"
    assert wrong.dns_cname_bounce_record.verification_status == "Pending"
    fetched = routing.get_routing_email_outbound_domain(domain)
    assert fetched.dkim_verification_result.status == "FAILED"


def test_list_filter_and_delete(routing: Any) -> None:
    tag = uuid.uuid4().hex[:6]
    names = [f"{tag}{i}.example" for i in range(3)]
    for name in names:
        _create(routing, name)
    listed = routing.get_routing_email_outbound_domains(filter=tag, page_size=2)
    assert [d.id for d in listed.entities] == names[:2] and listed.total == 3
    assert listed.page_count == 2
    routing.delete_routing_email_outbound_domain(names[0].upper())
    with pytest.raises(ApiException) as gone:
        routing.get_routing_email_outbound_domain(names[0])
    assert gone.value.status == 404
    assert [
        d.id for d in routing.get_routing_email_outbound_domains(filter=f"{tag}*").entities
    ] == names[1:]
    with pytest.raises(ApiException) as gone_check:
        routing.put_routing_email_outbound_domain_activation(names[0])
    assert gone_check.value.status == 404


def test_a_domain_is_created_once_whatever_its_case(routing: Any) -> None:
    domain = new_domain()
    _create(routing, domain)
    with pytest.raises(ApiException) as twice:
        _create(routing, domain.upper() + ".")
    assert twice.value.status == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "localhost"}, "id"),
        ({"id": "-bad-.example"}, "id"),
        ({"id": "under_score.example"}, "id"),
        ({"name": "no id"}, "id"),
        ({"id": "{domain}", "senderType": "outdated_sdk_version"}, "senderType"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(
    mail_server: Server, token: str, body: dict[str, str], field: str
) -> None:
    domain = new_domain()
    sent = {k: v.format(domain=domain) for k, v in body.items()}
    before = mail_server.request("GET", DOMAINS, token=token)[1]["total"]
    status, answer, _ = mail_server.request("POST", DOMAINS, token=token, json_body=sent)
    assert status == 400, answer
    assert [d["fieldName"] for d in answer["details"]] == [field]
    assert mail_server.request("GET", DOMAINS, token=token)[1]["total"] == before
    assert mail_server.request("GET", f"{DOMAINS}/{domain}", token=token)[0] == 404


def test_a_reader_sees_a_domain_but_manages_nothing(
    mail_server: Server, token: str, routing: Any
) -> None:
    domain = new_domain()
    _create(routing, domain)
    reader = mail_server.token(_client(mail_server, token, "reporting"))
    assert mail_server.request("GET", f"{DOMAINS}/{domain}", token=reader)[0] == 200
    for method, path in [
        ("GET", DOMAINS),
        ("PUT", f"{DOMAINS}/{domain}/activation"),
        ("DELETE", f"{DOMAINS}/{domain}"),
    ]:
        status, answer, _ = mail_server.request(method, path, token=reader)
        assert status == 403 and "routing:email:manage" in answer["message"]
