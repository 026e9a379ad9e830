"""An SMS campaign into the SMSC (smpp34.Server) and an e-mail campaign into an SMTP relay
(aiosmtpd), driven with the official SDK through `tidings serve`: over a list with DNC'd,
invalid, opted-out and out-of-window contacts, every other contact gets exactly one message
with its own content, each skip is recorded with its reason, and progress matches."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import PureCloudPlatformClientV2 as gc
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import fresh_database
from tests.support.sdk import eventually, model, ref
from tests.support.server import Server, free_port, running_server
from tests.support.smsc import Rules, SmscThread
from tests.support.smtp_peer import SmtpPeer
from tidings.adapters.db.engine import driver_url

SENDER = "+13175550100"
LISTS = "/api/v2/outbound/contactlists"
DNC = "/api/v2/outbound/dnclists"
DOMAINS = "/api/v2/routing/email/outbound/domains"


@pytest.fixture(scope="module")
def smsc() -> Iterator[SmscThread]:
    with SmscThread(free_port(), Rules()) as running:
        yield running


@pytest.fixture(scope="module")
def relay() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


@pytest.fixture(scope="module")
def served(
    smsc: SmscThread, relay: SmtpPeer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("campaigns")
    with (
        fresh_database(directory) as url,
        running_server(
            url,
            data_dir=directory,
            sms_url=f"smpp://tidings:secret@127.0.0.1:{smsc.port}?window=20",
            smtp_url=f"smtp://127.0.0.1:{relay.port}?starttls=never&connections=4",
            # Behind an https proxy: campaign e-mails carry a one-click unsubscribe link.
            public_url="https://tidings.test",
        ) as server,
    ):
        yield server


@pytest.fixture(scope="module")
def token(served: Server) -> str:
    return served.token(served.create_client("campaign admin", "admin"))


@pytest.fixture(scope="module")
def sdk(served: Server, token: str) -> Any:
    client = gc.ApiClient(host=served.base_url)
    client.access_token = token
    return client


def _call(server: Server, token: str, method: str, path: str, body: Any = None) -> Any:
    status, answer, _ = server.request(method, path, token=token, json_body=body)
    assert status in (200, 204), (status, answer)
    return answer


def _opt_out(server: Server, channel: str, address: str, sender: str) -> None:
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    engine = create_engine(driver_url(url, asynchronous=False))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO opt_outs (channel, address, sender, reason, created_at) "
                "VALUES (:c, :a, :s, 'STOP', :t)"
            ),
            {"c": channel, "a": address, "s": sender, "t": datetime.now(UTC).replace(tzinfo=None)},
        )
    engine.dispose()


def _tokyo_tomorrow() -> dict[str, Any]:
    day = (datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=1)).isoweekday()
    return {
        "timeZoneId": "Asia/Tokyo",
        "timeSlots": [{"day": day, "startTime": "10:00:00", "stopTime": "11:00:00"}],
    }


def _time_set(server: Server, token: str) -> str:
    anywhere_else = {
        "timeZoneId": "UTC",
        "timeSlots": [
            {"day": d, "startTime": "00:00:00", "stopTime": "23:59:59"} for d in range(1, 8)
        ],
    }
    body = {
        "name": f"t-{uuid.uuid4().hex[:6]}",
        "callableTimes": [anywhere_else, _tokyo_tomorrow()],
    }
    return str(_call(server, token, "POST", "/api/v2/outbound/callabletimesets", body)["id"])


def _template(sdk: Any, response_type: str, texts: list[Any]) -> str:
    api = gc.ResponseManagementApi(sdk)
    library = api.post_responsemanagement_libraries(
        model(gc.Library, name=f"lib-{uuid.uuid4().hex[:6]}")
    )
    body = model(
        gc.Response,
        name=f"r-{uuid.uuid4().hex[:6]}",
        libraries=[ref(library.id)],
        texts=texts,
        response_type=response_type,
    )
    return str(api.post_responsemanagement_responses(body).id)


def _text(content: str, content_type: str = "text/plain", kind: str = "body") -> Any:
    return model(gc.ResponseText, content=content, content_type=content_type, type=kind)


def _exported(server: Server, token: str, list_id: str) -> list[dict[str, str]] | None:
    status, body, _ = server.request("GET", f"{LISTS}/{list_id}/export", token=token)
    if status != 200:
        return None
    with urllib.request.urlopen(body["uri"], timeout=30) as answer:
        content = answer.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def _settled(api: Any, campaign_id: str, called: int) -> Any:
    def check() -> Any:
        progress = api.get_outbound_messagingcampaign_progress(campaign_id)
        return progress if progress.number_of_contacts_called == called else None

    found = _eventually_long(check)
    assert found is not None, api.get_outbound_messagingcampaign_progress(campaign_id)
    return found


def test_an_sms_campaign_into_the_smsc(
    served: Server, token: str, sdk: Any, smsc: SmscThread
) -> None:
    _call(
        served,
        token,
        "POST",
        "/api/v2/routing/sms/phonenumbers",
        {"phoneNumber": SENDER, "phoneNumberType": "local", "countryCode": "US"},
    )
    template = _template(
        sdk, "CampaignSmsTemplate", [_text("{{first}}, your table for {{size}} is ready")]
    )
    contact_list = _call(
        served,
        token,
        "POST",
        LISTS,
        {
            "name": "diners",
            "columnNames": ["first", "size", "mobile"],
            "phoneColumns": [{"columnName": "mobile", "type": "cell"}],
        },
    )
    people = {
        "ann": "+13175550201",
        "ben": "+13175550202",
        "cat": "+13175550203",  # on the DNC list
        "dan": "31",  # not a phone number
        "eve": "+13175550205",  # texted STOP earlier
        "fay": "+81 90 1111 2222",  # in Tokyo, outside the callable hours
        "gus": "+13175550207",
    }
    rows = [
        {"id": name, "data": {"first": name.title(), "size": str(n + 2), "mobile": phone}}
        for n, (name, phone) in enumerate(people.items())
    ]
    _call(served, token, "POST", f"{LISTS}/{contact_list['id']}/contacts", rows)
    dnc = _call(
        served,
        token,
        "POST",
        "/api/v2/outbound/dnclists",
        {"name": "dnc", "dncSourceType": "rds", "contactMethod": "Any"},
    )
    _call(
        served, token, "POST", f"/api/v2/outbound/dnclists/{dnc['id']}/phonenumbers", ["3175550203"]
    )
    _opt_out(served, "sms", "+13175550205", SENDER)

    api = gc.OutboundApi(sdk)
    campaign = api.post_outbound_messagingcampaigns(
        model(
            gc.MessagingCampaign,
            name="tables",
            contact_list=ref(contact_list["id"]),
            dnc_lists=[ref(dnc["id"])],
            callable_time_set=ref(_time_set(served, token)),
            messages_per_minute=600,
            campaign_status="on",
            sms_config=model(
                gc.SmsConfig,
                phone_column="mobile",
                sender_sms_phone_number=model(gc.SmsPhoneNumberRef, phone_number=SENDER),
                content_template=ref(template),
            ),
        )
    )
    progress = _settled(api, campaign.id, 6)
    assert progress.number_of_contacts_messaged == 3
    assert progress.number_of_contacts_skipped == {
        "ININ_OUTBOUND_DNC_SKIPPED": 1,
        "OUTBOUND_INVALID_PHONE_NUMBER": 1,
        "ININ_OUTBOUND_ON_DO_NOT_CALL_LIST": 1,
    }
    assert (
        api.get_outbound_messagingcampaign_diagnostics(
            campaign.id
        ).time_zone_rescheduled_contacts_count
        == 1
    )
    received = Counter((s.destination, s.text) for s in smsc.submits)
    assert received == Counter(
        {
            ("13175550201", "Ann, your table for 2 is ready"): 1,
            ("13175550202", "Ben, your table for 3 is ready"): 1,
            ("13175550207", "Gus, your table for 8 is ready"): 1,
        }
    )
    dan = api.get_outbound_contactlist_contact(contact_list["id"], "dan")
    assert dan.latest_sms_evaluations["mobile"].wrapup_code_id == "OUTBOUND_INVALID_PHONE_NUMBER"

    # The list's export shows every contact's outcome, skips with their reason.
    api.post_outbound_contactlist_export(contact_list["id"])
    exported = _eventually_long(lambda: _exported(served, token, contact_list["id"]))
    by_id = {row["inin-outbound-id"]: row for row in exported}
    assert {name: row["LastResult-SMS"] for name, row in by_id.items()} == {
        "ann": "OUTBOUND_MESSAGE_SENT",
        "ben": "OUTBOUND_MESSAGE_SENT",
        "cat": "ININ_OUTBOUND_DNC_SKIPPED",
        "dan": "OUTBOUND_INVALID_PHONE_NUMBER",
        "eve": "ININ_OUTBOUND_ON_DO_NOT_CALL_LIST",
        "fay": "",  # waiting for the morning in Tokyo
        "gus": "OUTBOUND_MESSAGE_SENT",
    }
    assert by_id["dan"]["Problem-mobile"]  # and why the number is not one
    assert by_id["ann"]["Attempts-SMS"] == "1" and by_id["fay"]["Attempts-SMS"] == "0"
    assert by_id["ann"]["LastAttempt-SMS"].endswith("Z")


def test_an_email_campaign_into_the_relay(
    served: Server, token: str, sdk: Any, relay: SmtpPeer
) -> None:
    domain = f"news-{uuid.uuid4().hex[:6]}.example.com"
    _call(
        served,
        token,
        "POST",
        "/api/v2/routing/email/outbound/domains",
        {"id": domain, "name": domain},
    )
    template = _template(
        sdk,
        "CampaignEmailTemplate",
        [
            _text("Your statement, {{first}}", kind="subject"),
            _text("<p>Dear {{first}},</p><p>your balance is {{balance}}.</p>", "text/html"),
        ],
    )
    contact_list = _call(
        served,
        token,
        "POST",
        LISTS,
        {
            "name": "customers",
            "columnNames": ["first", "balance", "work", "home"],
            "emailColumns": [
                {"columnName": "work", "type": "work"},
                {"columnName": "home", "type": "personal"},
            ],
        },
    )
    rows = [
        {"id": "ann", "data": {"first": "Ann", "balance": "10", "work": "ann@corp.example"}},
        {
            "id": "bob",
            "data": {"first": "Bob", "balance": "20", "work": "bad", "home": "bob@home.example"},
        },
        {"id": "cy", "data": {"first": "Cy", "balance": "30", "work": "cy@corp.example"}},
        {"id": "di", "data": {"first": "Di", "balance": "40", "work": "nope"}},
        {"id": "ed", "data": {"first": "<Ed>", "balance": "50", "work": "ed@corp.example"}},
    ]
    _call(served, token, "POST", f"{LISTS}/{contact_list['id']}/contacts", rows)
    dnc = _call(
        served,
        token,
        "POST",
        "/api/v2/outbound/dnclists",
        {"name": "email dnc", "dncSourceType": "rds", "contactMethod": "Email"},
    )
    _call(
        served,
        token,
        "POST",
        f"/api/v2/outbound/dnclists/{dnc['id']}/emailaddresses",
        ["CY@corp.example"],
    )

    api = gc.OutboundApi(sdk)
    campaign = api.post_outbound_messagingcampaigns(
        model(
            gc.MessagingCampaign,
            name="statements",
            contact_list=ref(contact_list["id"]),
            dnc_lists=[ref(dnc["id"])],
            messages_per_minute=600,
            email_config=model(
                gc.EmailConfig,
                email_columns=["work", "home"],
                content_template=ref(template),
                from_address=model(
                    gc.FromEmailAddress,
                    domain=ref(domain),
                    local_part="billing",
                    friendly_name="Billing",
                ),
            ),
        )
    )
    assert [e.error for e in campaign.errors] == ["domain.not.verified"]
    api.post_outbound_messagingcampaign_start(campaign.id)
    assert _eventually_long(
        lambda: api.get_outbound_messagingcampaign(campaign.id).campaign_status == "complete"
    )
    progress = api.get_outbound_messagingcampaign_progress(campaign.id)
    assert progress.number_of_contacts_messaged == 3
    assert progress.number_of_contacts_skipped == {
        "ININ_OUTBOUND_DNC_SKIPPED": 1,
        "OUTBOUND_CONTACT_ADDRESS_UNCONTACTABLE_SKIPPED": 1,
    }
    mine = [
        email.message_from_bytes(m.data, policy=email.policy.default)
        for m in relay.messages
        if f"@{domain}" in m.data.decode("utf-8", "replace")
    ]
    got = sorted((str(m["To"]), str(m["Subject"])) for m in mine)
    assert got == [
        ("ann@corp.example", "Your statement, Ann"),
        ("bob@home.example", "Your statement, Bob"),
        ("ed@corp.example", "Your statement, <Ed>"),
    ]
    ed = next(m for m in mine if str(m["To"]) == "ed@corp.example")
    html = ed.get_body(("html",)).get_content()
    assert "Dear &lt;Ed&gt;," in html and "your balance is 50." in html
    assert str(ed["From"]) == f"Billing <billing@{domain}>"

    # Ed leaves by the one-click link (RFC 8058), as his mail provider would POST it.
    assert str(ed["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    [link] = [u.strip(" <>") for u in str(ed["List-Unsubscribe"]).split(",")]
    assert link.startswith("https://tidings.test/unsubscribe/")
    path = link.removeprefix("https://tidings.test")
    asked = httpx.get(served.base_url + path)  # a link scanner's GET changes nothing
    assert asked.status_code == 200 and "<form" in asked.text
    other = path[:-1] + ("1" if path[-1] != "1" else "2")  # another tag
    forged = httpx.post(served.base_url + other, data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 404
    left = httpx.post(served.base_url + path, data={"List-Unsubscribe": "One-Click"})
    assert left.status_code == 200, left.text
    # The campaign run again messages Ann and Bob; Ed is skipped as opted out.
    api.delete_outbound_messagingcampaign_progress(campaign.id)
    api.post_outbound_messagingcampaign_start(campaign.id)
    assert _eventually_long(
        lambda: api.get_outbound_messagingcampaign(campaign.id).campaign_status == "complete"
    )
    again = api.get_outbound_messagingcampaign_progress(campaign.id)
    assert again.number_of_contacts_messaged == 2
    assert again.number_of_contacts_skipped["ININ_OUTBOUND_ON_DO_NOT_CALL_LIST"] == 1


def _eventually_long(check: Callable[[], Any]) -> Any:
    return eventually(check, seconds=60.0)
