"""Messaging campaigns in the console over HTTP: a campaign made with the form and switched
on runs to the end over the simulator while the dashboard's event stream reports it; its
attempt history pages through every attempt once, and its CSV export holds each attempt
once, as UTF-8 with a BOM, with formula-like cells neutralised."""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, text

from tests.support.console import Browserless, create_user, signed_in
from tests.support.numbers import provision_number
from tests.support.server import Server
from tidings.adapters.db.engine import driver_url

CONTACTS = 61  # more than one page of 50
FORMULA_ID = "=1+2"
UNDELIVERABLE = 7  # its number ends in 666: the simulator's receipt says undelivered
REJECTED = 11  # the test records a provider refusal for this one's message


@dataclass
class Ran:
    campaign_id: str
    name: str
    list_name: str
    contact_ids: list[str]
    client: Browserless


def _phone(i: int) -> str:
    return "+13175550666" if i == UNDELIVERABLE else f"+1317555{1000 + i:04d}"


def _contact_id(i: int) -> str:
    return FORMULA_ID if i == 0 else f"c-{i:03d}"


def _contact_list(server: Server, token: str, name: str) -> str:
    status, created, _ = server.request(
        "POST",
        "/api/v2/outbound/contactlists",
        token=token,
        json_body={
            "name": name,
            "columnNames": ["phone", "body"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )
    assert status == 200, created
    contacts = [
        {"id": _contact_id(i), "data": {"phone": _phone(i), "body": f"Hello {i}"}}
        for i in range(CONTACTS)
    ]
    status, body, _ = server.request(
        "POST",
        f"/api/v2/outbound/contactlists/{created['id']}/contacts",
        token=token,
        json_body=contacts,
    )
    assert status == 200, body
    return str(created["id"])


def _form(list_id: str, sender: str, **changes: str) -> dict[str, str]:
    return {
        "name": f"=camp-{uuid.uuid4().hex[:8]}",
        "contact_list_id": list_id,
        "channel": "sms",
        "phone_column": "phone",
        "sender_number": sender,
        "message_column": "body",
        "messages_per_minute": "6000",
        **changes,
    }


def _database(server: Server) -> Any:
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    return create_engine(driver_url(url, asynchronous=False))


def _live(client: Browserless, campaign_id: str) -> list[dict[str, Any]]:
    """The dashboard's event stream for one campaign, read until the server ends it."""
    cookie = f"tidings_session={client.cookies['tidings_session']}"
    seen = []
    with httpx.stream(
        "GET",
        f"{client.server.base_url}/campaigns/live?id={campaign_id}",
        headers={"Cookie": cookie, "Accept": "text/event-stream"},
        timeout=60,
    ) as events:
        assert events.status_code == 200
        for line in events.iter_lines():
            if line.startswith("data: ["):
                seen += orjson.loads(line[len("data: ") :])
    return seen


@pytest.fixture(scope="module")
def ran(server: Server, admin_token: str) -> Iterator[Ran]:
    client = signed_in(server, create_user(server, "campaignManager"))
    list_name = f"console-campaign-{uuid.uuid4().hex[:6]}"
    list_id = _contact_list(server, admin_token, list_name)
    form = _form(list_id, provision_number(server, admin_token)["phoneNumber"])
    made = client.post("/campaigns/new", form)
    assert made.status_code == 303, made.text
    campaign_id = made.headers["location"].split("created=")[1]
    switched = client.post(f"/campaigns/{campaign_id}/switch", {"state": "on"})
    assert switched.status_code == 303
    seen = _live(client, campaign_id)  # until no campaign of the stream runs
    assert seen[-1]["status"] == "complete", seen[-1]
    assert seen[-1]["percent"] == 100
    engine = _database(server)
    deadline = time.monotonic() + 30
    with engine.begin() as connection:
        while True:  # the undeliverable number's receipt comes after the campaign ends
            status = connection.execute(
                text(
                    "SELECT m.status FROM messages m JOIN campaign_attempts a "
                    "ON a.message_id = m.id WHERE a.campaign_id = :c AND a.contact_id = :k"
                ),
                {"c": campaign_id, "k": _contact_id(UNDELIVERABLE)},
            ).scalar()
            if status == "delivery-failed":
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        # The simulator accepts everything; a provider's refusal is recorded as the outbox
        # records one, on one message.
        connection.execute(
            text(
                "UPDATE messages SET status = 'failed', error_code = 'InvalidDestination', "
                "error_message = '=refused by the aggregator' WHERE id = (SELECT message_id "
                "FROM campaign_attempts WHERE campaign_id = :c AND contact_id = :k)"
            ),
            {"c": campaign_id, "k": _contact_id(REJECTED)},
        )
    engine.dispose()
    ids = [_contact_id(i) for i in range(CONTACTS)]
    yield Ran(campaign_id, form["name"], list_name, ids, client)


def _row(page: str, campaign_id: str) -> str:
    found = re.search(rf'<tr data-campaign="{campaign_id}".*?</tr>', page, re.S)
    assert found, page
    return found.group(0)


def test_the_dashboard_shows_a_finished_campaign_with_its_counts(ran: Ran) -> None:
    answer = ran.client.get("/campaigns")
    assert answer.status_code == 200
    row = _row(answer.text, ran.campaign_id)
    assert ran.list_name in row
    assert "SMS" in row and "6000/min" in row
    assert "data-status>complete<" in row
    assert 'value="100"' in row
    assert f"{CONTACTS} of {CONTACTS} (100%)" in row
    assert f"data-messaged>{CONTACTS}<" in row
    assert "Home" in row  # the division's name


def test_a_switch_without_the_csrf_token_is_refused_and_changes_nothing(
    server: Server, ran: Ran
) -> None:
    refused = ran.client.post(f"/campaigns/{ran.campaign_id}/switch", {"state": "on"}, token=False)
    assert refused.status_code == 403
    assert "security token" in refused.text
    assert "data-status>complete<" in _row(ran.client.get("/campaigns").text, ran.campaign_id)


def test_the_form_shows_each_problem_next_to_its_field_and_creates_nothing(
    server: Server, admin_token: str, ran: Ran
) -> None:
    list_id = _contact_list(server, admin_token, f"form-{uuid.uuid4().hex[:6]}")
    form = _form(list_id, "+13175559876", phone_column="", messages_per_minute="0")
    answer = ran.client.post("/campaigns/new", form)
    assert answer.status_code == 400
    problems = dict(re.findall(r'data-problem="([^"]*)">([^<]*)<', answer.text))
    assert problems["phone_column"] == "name a phone column"
    assert "between 1 and" in problems["messages_per_minute"]
    assert f'value="{form["name"]}"' in answer.text  # what was typed stays
    references = ran.client.post(
        "/campaigns/new", _form(list_id, "+13175559876", phone_column="body")
    )
    assert references.status_code == 400
    problems = dict(re.findall(r'data-problem="([^"]*)">([^<]*)<', references.text))
    assert "is not a provisioned SMS number" in problems["sender_number"]
    assert "not a phone column" in problems["phone_column"]
    not_a_number = ran.client.post("/campaigns/new", {**form, "messages_per_minute": "many"})
    assert 'data-problem="messages_per_minute">a whole number<' in not_a_number.text
    assert form["name"] not in ran.client.get("/campaigns").text


def _history(client: Browserless, path: str) -> tuple[list[str], str, str, str]:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    contacts = re.findall(r"<td data-contact>([^<]*)</td>", answer.text)
    following = re.search(r'href="\?after=([\d.]+)" rel="next"', answer.text)
    earlier = re.search(r'href="\?before=([\d.]+)" rel="prev"', answer.text)
    return (
        contacts,
        following.group(1) if following else "",
        earlier.group(1) if earlier else "",
        answer.text,
    )


def test_the_attempt_history_pages_through_every_attempt_once(ran: Ran) -> None:
    base = f"/campaigns/{ran.campaign_id}/attempts"
    first, after, before, first_page = _history(ran.client, base)
    assert len(first) == 50 and after and not before
    assert f"{CONTACTS} attempts · {CONTACTS - 1} accepted · 1 rejected" in first_page
    second, after_second, before_second, second_page = _history(ran.client, f"{base}?after={after}")
    assert len(second) == CONTACTS - 50 and not after_second and before_second
    assert sorted(first + second) == sorted(ran.contact_ids)
    back, _, _, _ = _history(ran.client, f"{base}?before={before_second}")
    assert back == first
    whole = dict(
        re.findall(r"<td data-contact>([^<]*)</td>(.*?)</tr>", first_page + second_page, re.S)
    )
    undeliverable = whole[_contact_id(UNDELIVERABLE)]
    assert "OUTBOUND_MESSAGE_SENT" in undeliverable and "delivery-failed" in undeliverable
    assert "accepted" in undeliverable and "+13175550666" in undeliverable
    rejected = whole[_contact_id(REJECTED)]
    assert "rejected" in rejected and "InvalidDestination" in rejected
    assert "delivery-success" in whole[_contact_id(1)]
    assert "&#34;" not in undeliverable  # nothing double-escaped


def test_the_csv_export_holds_each_attempt_once_with_neutralised_cells(ran: Ran) -> None:
    answer = ran.client.get(f"/campaigns/{ran.campaign_id}/attempts.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(answer.content[len(codecs.BOM_UTF8) :].decode())))
    contacts = [row["contact_id"] for row in rows]
    assert len(contacts) == CONTACTS
    assert sorted(contacts) == sorted(["'" + FORMULA_ID, *ran.contact_ids[1:]])
    assert {row["campaign"] for row in rows} == {"'" + ran.name}
    by_contact = {row["contact_id"]: row for row in rows}
    refused = by_contact[_contact_id(REJECTED)]
    assert refused["aggregator"] == "rejected"
    assert refused["aggregator_error"] == "InvalidDestination: =refused by the aggregator"
    assert by_contact[_contact_id(UNDELIVERABLE)]["receipt"] == "delivery-failed"
    assert by_contact[_contact_id(UNDELIVERABLE)]["address"] == "+13175550666"  # a number stays
    assert all(row["settled_at"].endswith("Z") for row in rows)


def _division(server: Server, token: str) -> str:
    status, body, _ = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=token,
        json_body={"name": f"campaigns-{uuid.uuid4().hex[:8]}"},
    )
    assert status == 200, body
    return str(body["id"])


def test_without_campaign_view_every_campaign_page_is_403(server: Server, ran: Ran) -> None:
    client = signed_in(server, create_user(server, "sender"))
    for path in (
        "/campaigns",
        f"/campaigns/{ran.campaign_id}/attempts",
        f"/campaigns/{ran.campaign_id}/attempts.csv",
        f"/campaigns/live?id={ran.campaign_id}",
    ):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert 'href="/campaigns"' not in answer.text
    refused = client.post(f"/campaigns/{ran.campaign_id}/switch", {"state": "off"})
    assert refused.status_code == 403


def test_another_divisions_campaign_is_404_and_not_listed(
    server: Server, admin_token: str, ran: Ran
) -> None:
    division = _division(server, admin_token)
    client = signed_in(server, create_user(server, f"campaignManager@{division}"))
    for path in (
        f"/campaigns/{ran.campaign_id}/attempts",
        f"/campaigns/{ran.campaign_id}/attempts.csv",
        f"/campaigns/{ran.campaign_id}/edit",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/campaigns/{ran.campaign_id}/switch", {"state": "on"}).status_code == 404
    assert ran.name not in client.get("/campaigns").text


def test_the_edit_form_shows_the_campaign_and_saves_a_change(ran: Ran) -> None:
    form = ran.client.get(f"/campaigns/{ran.campaign_id}/edit")
    assert form.status_code == 200
    assert 'name="phone_column" value="phone"' in form.text
    version = re.search(r'name="version" value="(\d+)"', form.text)
    sender = re.search(r'name="sender_number" value="([^"]+)"', form.text)
    assert version and sender
    fields = {
        "name": ran.name,
        "contact_list_id": re.findall(r'<option value="([^"]+)" selected>', form.text)[0],
        "channel": "sms",
        "phone_column": "phone",
        "sender_number": sender.group(1),
        "message_column": "body",
        "messages_per_minute": "1234",
        "version": version.group(1),
    }
    saved = ran.client.post(f"/campaigns/{ran.campaign_id}/edit", fields)
    assert saved.status_code == 303, saved.text
    assert "1234/min" in _row(ran.client.get("/campaigns").text, ran.campaign_id)
    stale = ran.client.post(f"/campaigns/{ran.campaign_id}/edit", fields)
    assert stale.status_code == 409  # the version it was edited from is gone


@dataclass
class _Stream:
    """A dashboard's event stream read in a thread: each event's rows, until it ends."""

    client: Browserless
    campaign_id: str
    events: list[list[dict[str, Any]]] = field(default_factory=list)
    ended: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        cookie = f"tidings_session={self.client.cookies['tidings_session']}"
        try:
            with httpx.stream(
                "GET",
                f"{self.client.server.base_url}/campaigns/live?id={self.campaign_id}",
                headers={"Cookie": cookie, "Accept": "text/event-stream"},
                timeout=60,
            ) as events:
                for line in events.iter_lines():
                    if line.startswith("data: ["):
                        self.events.append(orjson.loads(line[len("data: ") :]))
        finally:
            self.ended.set()

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.events) < count:
            assert not self.ended.is_set(), self.events
            assert time.monotonic() < deadline, self.events
            time.sleep(0.05)


def test_dashboards_share_updates_but_each_ends_with_its_own_session(
    server: Server, admin_token: str
) -> None:
    """Every open dashboard reads one shared snapshot a second; a dashboard whose user signs
    out stops getting it at once, the others go on until their campaigns stop."""
    first = signed_in(server, create_user(server, "campaignManager"))
    second = signed_in(server, create_user(server, "campaignManager"))
    list_id = _contact_list(server, admin_token, f"console-live-{uuid.uuid4().hex[:6]}")
    # One message a minute: the campaign runs for as long as the test needs.
    made = first.post(
        "/campaigns/new",
        _form(
            list_id, provision_number(server, admin_token)["phoneNumber"], messages_per_minute="1"
        ),
    )
    assert made.status_code == 303, made.text
    campaign_id = made.headers["location"].split("created=")[1]
    assert first.post(f"/campaigns/{campaign_id}/switch", {"state": "on"}).status_code == 303
    try:
        leaving, staying = _Stream(first, campaign_id), _Stream(second, campaign_id)
        leaving.wait_for(2)
        staying.wait_for(2)
        assert leaving.events[-1][0]["id"] == campaign_id and leaving.events[-1][0]["running"]

        assert first.post("/sign-out", {}).status_code == 303
        assert leaving.ended.wait(30), "the stream outlived its session"
        seen = len(staying.events)
        staying.wait_for(seen + 2)  # the other dashboard goes on
    finally:
        switched = second.post(f"/campaigns/{campaign_id}/switch", {"state": "off"})
        assert switched.status_code == 303
    assert staying.ended.wait(60), "the stream outlived its campaign"
    assert not staying.events[-1][0]["running"]
