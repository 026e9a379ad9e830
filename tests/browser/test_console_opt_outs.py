"""The opt-out pages in Chromium, as a person uses them."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.support.console import ConsoleUser
from tests.support.numbers import fresh_recipient


def test_opting_a_number_out_by_hand_then_clearing_it(
    admin_page: Any, console_admin: ConsoleUser
) -> None:
    consumer = fresh_recipient()
    admin_page.goto("/opt-outs")
    form = admin_page.locator("form[data-set-opt-out]")
    form.locator("input[name=address]").fill(consumer)
    form.locator("input[name=reason]").fill("Asked by phone, call 4711")
    form.locator("button[type=submit]").click()
    expect(admin_page.locator("h1")).to_have_text(consumer)
    admin_page.goto("/opt-outs")
    admin_page.fill("input[name=address]", consumer)
    admin_page.click("form[role=search] button[type=submit]")
    row = admin_page.locator("[data-opt-outs] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("every sender")
    expect(row).to_contain_text("Asked by phone, call 4711")
    screenshot(admin_page, "opt-outs")
    row.locator(f"text={consumer}").click()
    expect(admin_page.locator("[data-history] tbody tr")).to_have_count(1)
    clear = admin_page.locator("form[data-clear-opt-out]")
    clear.locator("input[name=reason]").fill("Consent by letter")
    clear.locator("button[type=submit]").click()
    expect(admin_page.locator("[data-in-force]")).to_contain_text("No opt-out in force")
    history = admin_page.locator("[data-history] tbody tr")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("opted in")
    expect(history.first).to_contain_text("Consent by letter")
    expect(history.first).to_contain_text(console_admin.email)  # who, by name
    screenshot(admin_page, "opt-out-history")
