"""The console in Chromium, as a person uses it."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.support.console import ConsoleUser
from tests.support.numbers import fresh_number, fresh_recipient
from tests.support.server import Server


def test_signing_in_shows_the_console(page: Any, console_admin: ConsoleUser) -> None:
    sign_in(page, console_admin)
    expect(page).to_have_url("/contact-lists")
    expect(page.locator(".who")).to_have_text(console_admin.email)
    page.click("text=Sign out")
    expect(page).to_have_url("/sign-in")


def test_a_wrong_password_keeps_the_sign_in_form(page: Any, console_admin: ConsoleUser) -> None:
    screenshot(page.goto("/sign-in") and page, "sign-in")
    sign_in(page, console_admin, "this is not the password")
    expect(page.locator("[role=alert]")).to_have_text(
        "The e-mail address or the password is not right"
    )
    expect(page.locator("input[name=password]")).to_be_visible()


def test_a_form_with_a_forged_csrf_token_is_refused(admin_page: Any) -> None:
    admin_page.goto("/contact-lists/new")
    admin_page.eval_on_selector("main input[name=csrf_token]", "input => input.value = 'forged'")
    admin_page.fill("input[name=name]", "forged list")
    admin_page.fill("input[name=columns]", "phone")
    admin_page.click("main button[type=submit]")
    expect(admin_page.locator("h1")).to_have_text("Not allowed")
    admin_page.goto("/contact-lists")
    expect(admin_page.locator("main")).not_to_contain_text("forged list")


def test_a_csv_upload_shows_its_progress_to_the_end_and_its_rejects(admin_page: Any) -> None:
    name = f"Patients {uuid.uuid4().hex[:6]}"
    admin_page.goto("/contact-lists")
    admin_page.click("text=New contact list")
    admin_page.fill("input[name=name]", name)
    admin_page.fill("input[name=columns]", "phone, first")
    admin_page.fill("input[name=phone_columns]", "phone")
    admin_page.click("main button[type=submit]")
    expect(admin_page.locator("h1")).to_have_text(name)
    rows = "".join(f"+1317555{i:04d},Person {i}\n" for i in range(200))
    csv = f"phone,first\n{rows}+13175559999,Too,many,cells\n"
    admin_page.set_input_files(
        "input[type=file]", {"name": "c.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    admin_page.click("form[data-upload] button[type=submit]")
    box = admin_page.locator("[data-import]")
    expect(box.locator("[data-import-state]")).to_contain_text("COMPLETE", timeout=60_000)
    expect(box.locator("progress")).to_have_attribute("value", "100")
    expect(box.locator("[data-import-state]")).to_contain_text("200 imported · 1 refused")
    rejects = box.locator("[data-rejects]")
    expect(rejects).to_be_visible()
    # The page shows the imported contacts once the import ends, without a reload.
    expect(admin_page.locator(".facts")).to_contain_text("200 contacts")
    expect(admin_page.locator("[data-contacts] tbody tr")).to_have_count(25)
    screenshot(admin_page, "contact-list-upload", admin_page.locator("section.upload"))
    with admin_page.expect_download() as download:
        rejects.click()
    assert "Too" in download.value.path().read_text()
    admin_page.reload()
    expect(admin_page.locator(".facts")).to_contain_text("200 contacts")
    expect(admin_page.locator("[data-contacts] tbody tr")).to_have_count(25)
    screenshot(admin_page, "contact-list")
    # The refused row is in the event log, as a warning about this list.
    admin_page.goto("/events?category=IMPORT_ERROR")
    event = admin_page.locator("tr[data-event]", has_text=name).first
    expect(event).to_contain_text("rejected 1 of 201 rows")
    expect(event).to_contain_text("WARNING")
    screenshot(admin_page, "event-log")


def _list_with_contact(server: Server, token: str) -> str:
    status, body, _ = server.request(
        "POST",
        "/api/v2/outbound/contactlists",
        token=token,
        json_body={
            "name": f"0 preview-{uuid.uuid4().hex[:6]}",  # first in the editor's list choice
            "columnNames": ["phone", "first"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )
    assert status == 200, body
    list_id = str(body["id"])
    status, body, _ = server.request(
        "POST",
        f"/api/v2/outbound/contactlists/{list_id}/contacts",
        token=token,
        json_body=[{"id": "ann", "data": {"phone": "+13175550100", "first": "Ann"}}],
    )
    assert status == 200, body
    return list_id


def test_the_template_editor_counts_while_typing(
    admin_page: Any, server: Server, admin_token: str
) -> None:
    list_id = _list_with_contact(server, admin_token)
    library = f"0 reminders {uuid.uuid4().hex[:6]}"  # first on the templates page
    admin_page.goto("/templates")
    admin_page.fill("input[name=name]", library)
    admin_page.click("text=Create library")
    admin_page.locator("section.library", has_text=library).locator("text=New template").click()
    body = admin_page.locator("[data-body]")
    body.fill("Hello {{first}}")
    expect(admin_page.locator("[data-encoding]")).to_have_text("GSM-7")
    expect(admin_page.locator("[data-characters]")).to_have_text("15")
    expect(admin_page.locator("[data-segments]")).to_have_text("1")
    admin_page.select_option("[data-contact-list]", list_id)
    admin_page.fill("[data-contact-id]", "ann")
    expect(admin_page.locator("[data-preview]")).to_have_text("Hello Ann")
    body.press_sequentially(" 😀")
    expect(admin_page.locator("[data-encoding]")).to_have_text("UCS-2")
    long_text = "a" * 140 + " https://example.com/a-long-link-to-the-appointment"
    body.fill(long_text)
    expect(admin_page.locator("[data-segments]")).to_have_text("2")
    warnings = admin_page.locator("[data-warnings]")
    segments = warnings.locator("[data-code='sms.segments']")
    expect(segments).to_contain_text("one GSM-7 SMS holds 160")
    expect(warnings.locator("[data-code='sms.link.split']")).to_be_visible()
    screenshot(admin_page, "template-editor")
    admin_page.fill("input[name=name]", "Appointment")
    admin_page.click("main form button[type=submit]")
    expect(admin_page.locator("h1")).to_have_text("Appointment")


def test_the_senders_page_shows_the_dns_records_to_publish(
    admin_page: Any, server: Server, admin_token: str
) -> None:
    name = f"mail-{uuid.uuid4().hex[:8]}.example.com"
    admin_page.goto("/senders")
    admin_page.fill("input[name=domain]", name)
    admin_page.click("text=Add domain")
    domain = admin_page.locator(f"article[id='domain-{name}']")
    expect(domain.locator("h3")).to_contain_text("not verified")
    dkim = domain.locator("tr", has_text="dkim")
    expect(dkim).to_contain_text(f"._domainkey.{name}")
    expect(dkim).to_contain_text("v=DKIM1; k=rsa; p=")
    expect(dkim).to_contain_text("PENDING")
    expect(domain.locator("text=Check now")).to_be_visible()
    screenshot(admin_page, "senders")


def test_the_simulator_page_answers_as_the_consumer(
    admin_page: Any, server: Server, admin_token: str
) -> None:
    sender, consumer = fresh_number(), fresh_recipient("463")
    status, body, _ = server.request(
        "POST",
        "/api/v2/routing/sms/phonenumbers",
        token=admin_token,
        json_body={"phoneNumber": sender, "phoneNumberType": "local", "countryCode": "US"},
    )
    assert status == 200, body
    status, sent, _ = server.request(
        "POST",
        "/api/v2/conversations/messages/agentless",
        token=admin_token,
        json_body={
            "fromAddress": sender,
            "toAddress": consumer,
            "toAddressMessengerType": "sms",
            "textBody": "Your appointment is tomorrow. Reply STOP to opt out.",
        },
    )
    assert status == 202, sent
    admin_page.goto("/simulator")
    taken = admin_page.locator("[data-simulated] tr", has_text=consumer)
    for _ in range(50):  # the dispatcher hands it to the simulator within moments
        if taken.count():
            break
        admin_page.wait_for_timeout(200)
        admin_page.reload()
    expect(taken).to_contain_text("Reply STOP to opt out.")
    taken.get_by_role("link", name="Reply").click()
    expect(admin_page.locator("input[name=from_address]")).to_have_value(consumer)
    admin_page.fill("input[name=text]", "STOP")
    admin_page.click("form[data-simulator] button[type=submit]")
    expect(admin_page.locator("[role=status]")).to_contain_text("received as an inbound SMS")
    screenshot(admin_page, "simulator")
    status, conversation, _ = server.request(
        "GET", f"/api/v2/conversations/messages/{sent['conversationId']}", token=admin_token
    )
    assert status == 200
    customer = next(p for p in conversation["participants"] if p["purpose"] == "customer")
    assert [m["messageStatus"] for m in customer["messages"]] == ["received"]
