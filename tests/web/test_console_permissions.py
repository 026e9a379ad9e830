"""Console pages ask the same permissions and divisions as the API: 403 without the
permission anywhere, 404 for an object in a division the user cannot see; contact data is
shown as text, never as markup."""

from __future__ import annotations

import uuid

from tests.support.console import create_user, signed_in
from tests.support.server import Server


def _division(server: Server, token: str) -> str:
    status, body, _ = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=token,
        json_body={"name": f"console-{uuid.uuid4().hex[:8]}"},
    )
    assert status == 200, body
    return str(body["id"])


def _list_in_home(server: Server, token: str, name: str = "") -> str:
    status, body, _ = server.request(
        "POST",
        "/api/v2/outbound/contactlists",
        token=token,
        json_body={
            "name": name or f"console-{uuid.uuid4().hex[:8]}",
            "columnNames": ["phone", "first"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )
    assert status == 200, body
    return str(body["id"])


def test_a_user_without_the_permission_gets_403_and_no_menu_entry(
    server: Server, admin_token: str
) -> None:
    client = signed_in(server, create_user(server, "sender"))
    list_id = _list_in_home(server, admin_token)
    for path in ("/contact-lists", f"/contact-lists/{list_id}", "/dnc-lists", "/templates"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert 'href="/contact-lists"' not in answer.text
    assert client.get("/simulator").status_code == 200  # senders may play the consumer


def test_a_reader_sees_lists_but_may_not_create_one(server: Server, admin_token: str) -> None:
    client = signed_in(server, create_user(server, "reporting"))
    list_id = _list_in_home(server, admin_token)
    assert client.get(f"/contact-lists/{list_id}").status_code == 200
    assert "New contact list" not in client.get("/contact-lists").text
    refused = client.post("/contact-lists/new", {"name": "x", "columns": "phone"})
    assert refused.status_code == 403
    assert "outbound:contactList:add" in refused.text


def test_a_user_of_one_division_gets_404_for_a_list_of_another(
    server: Server, admin_token: str
) -> None:
    division = _division(server, admin_token)
    client = signed_in(server, create_user(server, f"campaignManager@{division}"))
    hidden = _list_in_home(server, admin_token, f"hidden-{uuid.uuid4().hex[:6]}")
    assert client.get(f"/contact-lists/{hidden}").status_code == 404
    assert client.get(f"/contact-lists/{hidden}/export.csv").status_code == 404
    assert "hidden-" not in client.get("/contact-lists").text
    made = client.post(
        "/contact-lists/new",
        {"name": f"mine-{uuid.uuid4().hex[:6]}", "columns": "phone", "division_id": division},
    )
    assert made.status_code == 303
    assert client.get(made.headers["location"]).status_code == 200


def test_markup_in_contact_data_is_shown_as_text(server: Server, admin_token: str) -> None:
    client = signed_in(server, create_user(server, "admin"))
    list_id = _list_in_home(server, admin_token, f"<b>bold-{uuid.uuid4().hex[:6]}</b>")
    status, body, _ = server.request(
        "POST",
        f"/api/v2/outbound/contactlists/{list_id}/contacts",
        token=admin_token,
        json_body=[{"data": {"phone": "+13175550100", "first": "<script>alert(1)</script>"}}],
    )
    assert status == 200, body
    page = client.get(f"/contact-lists/{list_id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold-" not in page
