"""A messaging campaign in Chromium: made with the form, switched on from the dashboard, and
followed there to the end while the page stays as it was loaded."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.support.numbers import provision_number
from tests.support.server import Server

CONTACTS = 30


def _contact_list(server: Server, token: str, name: str) -> None:
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
        {"id": f"b-{i:03d}", "data": {"phone": f"+1317555{2000 + i:04d}", "body": f"Hi {i}"}}
        for i in range(CONTACTS)
    ]
    status, body, _ = server.request(
        "POST",
        f"/api/v2/outbound/contactlists/{created['id']}/contacts",
        token=token,
        json_body=contacts,
    )
    assert status == 200, body


def test_a_campaign_made_with_the_form_runs_to_100_percent_live(
    admin_page: Any, server: Server, admin_token: str
) -> None:
    list_name = f"0 browser list {uuid.uuid4().hex[:6]}"  # first in the form's choice
    _contact_list(server, admin_token, list_name)
    sender = provision_number(server, admin_token)["phoneNumber"]
    name = f"0 spring reminder {uuid.uuid4().hex[:6]}"  # first on the dashboard's page
    page = admin_page
    page.goto("/campaigns")
    page.click("text=New campaign")
    page.fill("input[name=name]", name)
    page.select_option("select[name=contact_list_id]", label=list_name)
    page.select_option("select[name=channel]", "sms")
    expect(page.locator("[data-for-channel=email]")).to_be_hidden()
    page.fill("input[name=phone_column]", "phone")
    page.fill("input[name=sender_number]", sender)
    page.fill("input[name=message_column]", "body")
    page.fill("input[name=messages_per_minute]", "600")  # ten a second: a few seconds' run
    screenshot(page, "campaign-form")
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/campaigns\?created="))
    row = page.locator("tr[data-campaign]", has_text=name)
    expect(row.locator("[data-status]")).to_have_text("off")
    # A mark on this very document: a reload or a navigation would drop it.
    page.evaluate("window.stillTheSamePage = true")
    row.locator("[data-switch] button").click()
    expect(row.locator("[data-status]")).not_to_have_text("off")
    expect(row.locator("[data-progress]")).to_have_attribute("value", "100", timeout=60_000)
    expect(row.locator("[data-status]")).to_have_text("complete", timeout=30_000)
    expect(row.locator("[data-processed]")).to_have_text(f"{CONTACTS} of {CONTACTS} (100%)")
    messaged = row.locator("[data-messaged]")
    try:
        expect(messaged).to_have_text(str(CONTACTS))
    except AssertionError as exc:
        # Which outcome the others had, as the API reports it (one run in many saw 29).
        campaign_id = row.get_attribute("data-campaign")
        progress = f"/api/v2/outbound/messagingcampaigns/{campaign_id}/progress"
        raise AssertionError(f"{server.request('GET', progress, token=admin_token)}") from exc
    expect(row.locator("[data-switch] button")).to_have_text("Off · switch on")
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "campaigns")
    row.locator("text=Attempts").click()
    expect(page.locator("[data-totals]")).to_contain_text(f"{CONTACTS} attempts")
    expect(page.locator("[data-attempts] tbody tr")).to_have_count(CONTACTS)
    screenshot(page, "campaign-attempts")
