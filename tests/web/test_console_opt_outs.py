"""The opt-out and keyword pages: the list filtered and paged, an address's history (which
message, which keyword, which sender), an opt-out set and cleared by form with a reason,
keyword settings saved or refused field by field, and the API's permissions."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any
from urllib.parse import quote

import phonenumbers
import pytest

from tests.support.console import Browserless, create_user, signed_in
from tests.support.numbers import fresh_number, fresh_recipient, provision_number
from tests.support.server import Server

NUMBERS = "/api/v2/routing/sms/phonenumbers"
OPT_OUTS = "/api/v2/routing/sms/optouts"
INBOUND = "/api/v2/simulator/sms/inbound"


@pytest.fixture(scope="module")
def number(server: Server, admin_token: str) -> dict[str, Any]:
    return provision_number(server, admin_token)


@pytest.fixture(scope="module")
def manager(server: Server) -> Browserless:
    return signed_in(server, create_user(server, "campaignManager"))


def _detail(address: str) -> str:
    return f"/opt-outs/{quote(address, safe='')}"


def _prefix() -> str:
    """`+1463NXX`: a prefix no other test's numbers use (fresh_number takes 317)."""
    while True:
        prefix = f"+1463{random.randint(2, 9)}{random.randint(0, 99):02d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(prefix + "1234")):
            return prefix


def test_the_list_is_filtered_by_address_and_paged_keeping_the_filter(
    server: Server, admin_token: str, manager: Browserless
) -> None:
    prefix = _prefix()
    for i in range(27):
        status, body, _ = server.request(
            "POST", OPT_OUTS, token=admin_token, json_body={"address": f"{prefix}{i:04d}"}
        )
        assert status == 200, body
    first = manager.get(f"/opt-outs?address={quote(prefix)}")
    assert first.status_code == 200
    assert "27 opt-outs" in first.text
    assert first.text.count(f"<code>{prefix}") == 25
    assert "Page 1 of 2" in first.text
    assert f"page_number=2&amp;address={quote(prefix, safe='')}" in first.text
    second = manager.get(f"/opt-outs?address={quote(prefix)}&page_number=2").text
    assert second.count(f"<code>{prefix}") == 2
    assert "No opt-out matches." in manager.get("/opt-outs?address=%2B19999999").text
    export = manager.get("/opt-outs/export.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert f"{prefix}0026,*," in export.text


def test_a_keyword_opt_out_shows_its_message_keyword_and_sender_in_the_history(
    server: Server, admin_token: str, manager: Browserless, number: dict[str, Any]
) -> None:
    consumer, sender = fresh_recipient(), str(number["phoneNumber"])
    status, body, _ = server.request(
        "POST",
        INBOUND,
        token=admin_token,
        json_body={"fromAddress": consumer, "toAddress": sender, "textBody": "stop."},
    )
    assert status == 202, body
    deadline = time.monotonic() + 20
    while (found := manager.get(_detail(consumer))).status_code == 404:
        assert time.monotonic() < deadline, "the STOP was never recorded"
        time.sleep(0.05)
    history = found.text[found.text.index("data-history") :]
    assert "opted out" in history
    assert "<td>STOP</td>" in history
    assert f"<td>{sender}</td>" in history
    assert "<td>keyword</td>" in history
    _, api, _ = server.request("GET", f"{OPT_OUTS}/{consumer}", token=admin_token)
    message_id = api["history"][0]["messageId"]
    assert message_id and f"<code>{message_id}</code>" in history


def test_an_opt_out_set_and_cleared_by_form_keeps_both_reasons_in_its_history(
    manager: Browserless, number: dict[str, Any]
) -> None:
    consumer, sender = fresh_recipient(), str(number["phoneNumber"])
    assert f'<option value="{sender}">' in manager.get("/opt-outs").text
    made = manager.post(
        "/opt-outs", {"address": consumer, "sender": sender, "reason": "asked on the phone"}
    )
    assert made.status_code == 303
    assert made.headers["location"] == _detail(consumer)
    page = manager.get(_detail(consumer)).text
    in_force = page[page.index("data-in-force") : page.index("data-history")]
    assert f"<td>{sender}</td>" in in_force and "asked on the phone" in in_force
    assert f"<code>{consumer}</code>" in manager.get(f"/opt-outs?address={quote(consumer)}").text
    cleared = manager.post(
        _detail(consumer) + "/clear", {"sender": "", "reason": "consent by letter"}
    )
    assert cleared.status_code == 303
    page = manager.get(_detail(consumer)).text
    assert "No opt-out in force" in page
    history = page[page.index("data-history") :]
    assert "opted in" in history and "consent by letter" in history
    assert "asked on the phone" in history
    assert (
        f"<code>{consumer}</code>" not in manager.get(f"/opt-outs?address={quote(consumer)}").text
    )


def test_forms_without_the_csrf_token_change_nothing(manager: Browserless) -> None:
    consumer = fresh_recipient()
    refused = manager.post("/opt-outs", {"address": consumer}, token=False)
    assert refused.status_code == 403
    assert manager.get(_detail(consumer)).status_code == 404
    assert manager.post("/opt-outs", {"address": consumer}).status_code == 303
    refused = manager.post(_detail(consumer) + "/clear", {}, token=False)
    assert refused.status_code == 403
    assert "No opt-out in force" not in manager.get(_detail(consumer)).text


def test_a_bad_address_is_refused_naming_the_field(manager: Browserless) -> None:
    refused = manager.post("/opt-outs", {"address": "not a number"})
    assert refused.status_code == 400
    assert "<code>address</code>" in refused.text


def test_markup_in_a_reason_is_shown_as_text(manager: Browserless) -> None:
    consumer = fresh_recipient()
    reason = '<script>alert("x")</script><b>bold</b>'
    assert manager.post("/opt-outs", {"address": consumer, "reason": reason}).status_code == 303
    for path in (_detail(consumer), f"/opt-outs?address={quote(consumer)}"):
        page = manager.get(path).text
        assert "<script>alert" not in page and "<b>bold</b>" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page


def test_a_numbers_keyword_settings_are_saved_and_shown_in_force(
    manager: Browserless, number: dict[str, Any]
) -> None:
    path = f"/keywords/numbers/{number['id']}"
    assert f'href="{path}"' in manager.get("/senders").text
    saved = manager.post(
        path, {"opt_out_keywords": "halt, Arrêt", "help_text": "Call 555 0100 for help."}
    )
    assert saved.status_code == 303
    page = manager.get(path).text
    assert 'value="HALT, ARRÊT"' in page
    in_force = page[page.index("data-in-force") :]
    assert "HALT" in in_force and "Call 555 0100 for help." in in_force
    assert manager.post(path + "/clear", {}).status_code == 303
    assert 'value="HALT, ARRÊT"' not in manager.get(path).text


def test_contradictory_keyword_settings_are_shown_by_their_field_and_not_saved(
    manager: Browserless,
) -> None:
    before = manager.get("/keywords").text
    word = f"W{uuid.uuid4().hex[:6].upper()}"
    refused = manager.post(
        "/keywords", {"help_keywords": f"stop, {word}", "opt_in_text": "Welcome back"}
    )
    assert refused.status_code == 400
    assert 'data-problem="helpKeywords">STOP is a standard optOut keyword' in refused.text
    assert f'value="stop, {word}"' in refused.text  # what was typed stays in the form
    assert 'data-problem="optInText"' not in refused.text
    after = manager.get("/keywords").text
    assert word not in after and after.count("Welcome back") == before.count("Welcome back")


def test_without_the_permission_the_pages_answer_403_and_are_not_in_the_menu(
    server: Server,
) -> None:
    sender = signed_in(server, create_user(server, "sender"))
    for path in ("/opt-outs", _detail(fresh_number()), "/opt-outs/export.csv", "/keywords"):
        answer = sender.get(path)
        assert answer.status_code == 403, path
        assert 'href="/opt-outs"' not in answer.text
    assert sender.post("/opt-outs", {"address": fresh_number()}).status_code == 403
    reader = signed_in(server, create_user(server, "reporting"))
    listing = reader.get("/opt-outs")
    assert listing.status_code == 200 and "Opt a number out" not in listing.text
    refused = reader.post("/opt-outs", {"address": fresh_number()})
    assert refused.status_code == 403 and "sms:optOut:edit" in refused.text
    assert reader.post("/keywords", {"help_text": "x"}).status_code == 403
