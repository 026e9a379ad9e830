"""DNC lists and contact list exports through the console's forms."""

from __future__ import annotations

import re
import time
import uuid

import httpx

from tests.support.console import create_user, signed_in
from tests.support.server import Server


def _size(page: str) -> str:
    found = re.search(r'<p class="facts">(\d+) entries', page)
    assert found, page
    return found.group(1)


def test_a_dnc_list_is_made_filled_emptied_and_uploaded_into(server: Server) -> None:
    client = signed_in(server, create_user(server, "campaignManager"))
    made = client.post(
        "/dnc-lists/new", {"name": f"dnc-{uuid.uuid4().hex[:6]}", "contact_method": "Phone"}
    )
    assert made.status_code == 303
    list_page = made.headers["location"]
    list_id = list_page.rsplit("/", 1)[1]
    entries = f"{list_page}/entries"
    numbers = "+1 (317) 555-0100\n+13175550101"
    assert client.post(entries, {"addresses": numbers, "action": "Add"}).status_code == 303
    assert _size(client.get(list_page).text) == "2"
    removed = client.post(entries, {"addresses": "+13175550100", "action": "Remove"})
    assert removed.status_code == 303
    assert _size(client.get(list_page).text) == "1"
    bad = client.post(entries, {"addresses": "not a number", "action": "Add"})
    assert bad.status_code == 400
    assert _size(client.get(list_page).text) == "1"
    uploaded = client.request(
        "POST",
        f"/uploads/console/dnc-lists/{list_id}",
        data={"csrf_token": client.csrf(), "phone_columns": "phone"},
        files={"file": ("dnc.csv", b"phone\n+13175550102\n+13175550103\n", "text/csv")},
    )
    assert uploaded.status_code == 303
    deadline = time.monotonic() + 30
    while _size(client.get(list_page).text) != "3":
        assert time.monotonic() < deadline, "the upload did not arrive"
        time.sleep(0.1)


def test_a_contact_list_export_downloads_as_csv(server: Server) -> None:
    client = signed_in(server, create_user(server, "admin"))
    made = client.post(
        "/contact-lists/new",
        {"name": f"export-{uuid.uuid4().hex[:6]}", "columns": "phone, first"},
    )
    list_page = made.headers["location"]
    list_id = list_page.rsplit("/", 1)[1]
    upload = client.request(
        "POST",
        f"/uploads/console/contact-lists/{list_id}",
        data={"csrf_token": client.csrf()},
        files={"file": ("c.csv", "phone,first\n+13175550100,Zoë\n".encode(), "text/csv")},
        headers={"Accept": "application/json"},
    )
    assert upload.status_code == 200, upload.text
    with httpx.stream(
        "GET",
        f"{server.base_url}{list_page}/import-progress",
        headers={"Cookie": f"tidings_session={client.cookies['tidings_session']}"},
        timeout=30,
    ) as events:
        states = [line for line in events.iter_lines() if line.startswith("data:")]
    assert '"state":"COMPLETE"' in states[-1]
    assert client.post(f"{list_page}/export", {}).status_code == 303
    deadline = time.monotonic() + 30
    while (download := client.get(f"{list_page}/export.csv")).status_code == 404:
        assert time.monotonic() < deadline, "the export did not complete"
        time.sleep(0.1)
    assert download.status_code == 200
    assert "Zoë" in download.text
    assert download.headers["content-type"].startswith("text/csv")
