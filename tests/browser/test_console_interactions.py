"""The interactions view in Chromium: filter, hide a column that stays hidden after a
reload (remembered in the browser for this user), and download the filtered rows as CSV
(UTF-8 with a BOM) and as PDF, whose text (as poppler's pdftotext reads it) holds them."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import pdf_text, screenshot
from tests.support.interactions import JAPANESE, seed_day
from tests.support.server import Server

# What the filter below (outbound SMS) keeps, by seed name: (to, text).
OUTBOUND_SMS = {
    "delivered": ("+13175550101", "Your parcel arrives today (delivered)"),
    "failed": ("+13175550102", '=HYPERLINK("http://evil")'),
    "asked": ("+13175550103", "Your parcel arrives today (asked)"),
    "elsewhere": ("+13175550001", "secret of another division"),
    "japanese": ("+13175550104", JAPANESE),
}


def test_filter_hide_a_column_reload_and_download(
    admin_page: Any, server: Server, admin_token: str
) -> None:
    day = seed_day(server, admin_token, japanese=True)
    page = admin_page
    page.goto(f"/interactions?{day.span}")
    expect(page.locator("tr[data-message]")).to_have_count(7)  # the admin sees every division
    filters = page.locator("form[data-interaction-filters]")
    filters.locator("select[name=direction]").select_option("outbound")
    filters.locator("select[name=channel]").select_option("sms")
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"channel=sms&direction=outbound"))
    rows = page.locator("tr[data-message]")
    expect(rows).to_have_count(len(OUTBOUND_SMS))  # no reply, no e-mail
    expect(page.locator("main")).not_to_contain_text("STOP")
    expect(page.locator("main")).to_contain_text(JAPANESE)
    screenshot(page, "interactions")

    page.click("[data-column-chooser] summary")
    page.uncheck("[data-column-chooser] input[value=text]")
    expect(page.locator("th[data-col=text]")).to_be_hidden()
    expect(rows.first.locator("td[data-col=text]")).to_be_hidden()
    page.reload()
    expect(page.locator("th[data-col=text]")).to_be_hidden()
    expect(page.locator("th[data-col=addressTo]")).to_be_visible()
    expect(page.locator("[data-column-chooser] input[value=text]")).not_to_be_checked()

    with page.expect_download() as download_info:
        page.click("a[data-export=csv]")
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # spreadsheets then read it as UTF-8
    found = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    by_id = {message_id: name for name, message_id in day.ids.items()}
    assert {by_id[row["messageId"]] for row in found} == set(OUTBOUND_SMS)
    assert {(r["direction"], r["mediaType"]) for r in found} == {("outbound", "message")}
    for row in found:
        to, text = OUTBOUND_SMS[by_id[row["messageId"]]]
        assert row["addressTo"] == to
        # A formula is neutralised (a quote before it): shown as text, never run.
        assert row["text"] == ("'" + text if text.startswith("=") else text)

    with page.expect_download() as download_info:
        page.click("a[data-export=pdf]")
    pdf = Path(download_info.value.path())
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Interactions" in text
    assert "direction = outbound" in text and "page 1 of" in text
    lines = text.splitlines()
    for to, body in OUTBOUND_SMS.values():
        # One row a line: its recipient and its text side by side, as the table draws them.
        assert any(to in line and body in line for line in lines), (to, body, text)
    assert "STOP" not in text and "Newsletter" not in text
