"""The interactions view in Chromium: filter, hide a column that stays hidden after a
reload (remembered in the browser for this user), and download the filtered rows."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.support.interactions import seed_day
from tests.support.server import Server


def test_filter_hide_a_column_reload_and_download(
    admin_page: Any, server: Server, admin_token: str
) -> None:
    day = seed_day(server, admin_token)
    page = admin_page
    page.goto(f"/interactions?{day.span}")
    expect(page.locator("tr[data-message]")).to_have_count(6)  # the admin sees every division
    filters = page.locator("form[data-interaction-filters]")
    filters.locator("select[name=direction]").select_option("outbound")
    filters.locator("select[name=channel]").select_option("sms")
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"channel=sms&direction=outbound"))
    rows = page.locator("tr[data-message]")
    expect(rows).to_have_count(4)  # delivered, failed, asked, elsewhere: no reply, no e-mail
    expect(page.locator("main")).not_to_contain_text("STOP")

    page.click("[data-column-chooser] summary")
    page.uncheck("[data-column-chooser] input[value=text]")
    expect(page.locator("th[data-col=text]")).to_be_hidden()
    expect(rows.first.locator("td[data-col=text]")).to_be_hidden()
    page.reload()
    expect(page.locator("th[data-col=text]")).to_be_hidden()
    expect(page.locator("th[data-col=addressTo]")).to_be_visible()
    expect(page.locator("[data-column-chooser] input[value=text]")).not_to_be_checked()
    screenshot(page, "interactions")

    with page.expect_download() as download_info:
        page.click("a[data-export=csv]")
    download = download_info.value
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    found = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(found) == 4
    assert {(r["direction"], r["mediaType"]) for r in found} == {("outbound", "message")}
