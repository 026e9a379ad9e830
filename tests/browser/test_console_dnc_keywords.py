"""DNC lists and SMS keywords in Chromium, as a person uses them."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.support.numbers import fresh_number
from tests.support.server import Server


def test_a_dnc_list_made_and_filled_by_hand(admin_page: Any) -> None:
    name = f"0 do not text {uuid.uuid4().hex[:6]}"  # first on the lists' page
    admin_page.goto("/dnc-lists")
    admin_page.fill("input[name=name]", name)
    admin_page.select_option("select[name=contact_method]", "Phone")
    admin_page.click("main form button[type=submit]")
    expect(admin_page.locator("h1")).to_have_text(name)
    numbers = [fresh_number() for _ in range(3)]
    admin_page.fill("textarea[name=addresses]", "\n".join(numbers))
    admin_page.click("button[value=Add]")
    expect(admin_page.locator(".facts")).to_contain_text("3 entries")
    screenshot(admin_page, "dnc-list")
    admin_page.fill("textarea[name=addresses]", numbers[0])
    admin_page.click("button[value=Remove]")
    expect(admin_page.locator(".facts")).to_contain_text("2 entries")
    admin_page.goto("/dnc-lists")
    row = admin_page.locator("main tr", has_text=name)
    expect(row).to_contain_text("Phone")
    expect(row.locator("td.number")).to_have_text("2")
    screenshot(admin_page, "dnc-lists")


def test_a_sender_numbers_own_keywords(admin_page: Any, server: Server, admin_token: str) -> None:
    status, number, _ = server.request(
        "POST",
        "/api/v2/routing/sms/phonenumbers",
        token=admin_token,
        json_body={
            "phoneNumber": fresh_number("463"),
            "phoneNumberType": "local",
            "countryCode": "US",
        },
    )
    assert status == 200, number
    admin_page.goto(f"/keywords/numbers/{number['id']}")
    expect(admin_page.locator("h1")).to_contain_text(number["phoneNumber"])
    form = admin_page.locator("form[data-keyword-settings]")
    form.locator("input[name=opt_out_keywords]").fill("ARRET, ALTO")
    form.locator("textarea[name=help_text]").fill("Reply ARRET to stop. Help: 0800 123 456")
    form.locator("button[type=submit]").click()
    in_force = admin_page.locator("[data-in-force]")
    expect(in_force).to_contain_text("ARRET")
    expect(in_force).to_contain_text("Help: 0800 123 456")
    screenshot(admin_page, "keywords")
