"""Contact list exports: the CSV a user opens to see every contact and why it cannot be
messaged, fetched through a signed link."""

from __future__ import annotations

import csv
import io
import time
import urllib.request
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest

from tests.support.server import Server

LISTS = "/api/v2/outbound/contactlists"


def _wait_for_export(server: Server, token: str, list_id: str) -> dict[str, Any]:
    for _ in range(200):
        status, body, _ = server.request("GET", f"{LISTS}/{list_id}/export", token=token)
        if status == 200:
            return dict(body)
        time.sleep(0.05)
    raise AssertionError("the export did not complete")


def _fetch(uri: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(uri, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def filled_list(server: Server, admin_token: str, unique: Any) -> str:
    created = server.request(
        "POST",
        LISTS,
        token=admin_token,
        json_body={
            "name": unique("Export"),
            "columnNames": ["phone", "email", "name", "note", "=cmd"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
            "emailColumns": [{"columnName": "email", "type": "personal"}],
        },
    )[1]
    contacts = [
        {
            "id": "ok",
            "data": {
                "phone": "+13175550100",
                "email": "a@example.com",
                "name": "山田 花子",
                "note": "fine",
            },
        },
        {
            "id": "bad",
            "data": {"phone": "12", "email": "nope", "name": "Bad", "note": '=HYPERLINK("x")'},
        },
        {"id": "minus", "data": {"phone": "+13175550101", "name": "-5", "note": "@SUM(A1)"}},
        {"id": "dde", "data": {"name": "+1+cmd|' /C calc'!A0", "note": "-2+3"}},
    ]
    status, _, _ = server.request(
        "POST", f"{LISTS}/{created['id']}/contacts", token=admin_token, json_body=contacts
    )
    assert status == 200
    return str(created["id"])


def test_the_export_has_data_and_system_columns(
    server: Server, admin_sdk: Any, admin_token: str, filled_list: str
) -> None:
    api = gc.OutboundApi(admin_sdk)
    started = api.post_outbound_contactlist_export(filled_list)  # the SDK sends a null body
    assert started.id
    _wait_for_export(server, admin_token, filled_list)
    export = api.get_outbound_contactlist_export(filled_list)
    assert export.export_timestamp is not None
    status, content = _fetch(export.uri)
    assert status == 200 and content.startswith(b"\xef\xbb\xbf")  # a BOM, for spreadsheets
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    by_id = {r["inin-outbound-id"]: r for r in rows}
    assert set(by_id) == {"ok", "bad", "minus", "dde"}
    assert by_id["ok"]["name"] == "山田 花子"
    assert by_id["ok"]["Normalized-phone"] == "+13175550100"
    assert by_id["ok"]["TimeZones-phone"] == "America/New_York"
    assert by_id["bad"]["Normalized-phone"] == "" and by_id["bad"]["Problem-phone"]
    assert by_id["bad"]["Callable-phone"] == "false"  # an unusable number is not callable
    assert "'=cmd" in rows[0]  # a column name is neutralised like a cell
    assert by_id["bad"]["Problem-email"]
    assert by_id["ok"]["ContactCallable"] == "true"


def test_cells_a_spreadsheet_would_run_are_neutralised(
    server: Server, admin_token: str, filled_list: str
) -> None:
    server.request("POST", f"{LISTS}/{filled_list}/export", token=admin_token)
    uri = _wait_for_export(server, admin_token, filled_list)["uri"]
    rows = list(csv.DictReader(io.StringIO(_fetch(uri)[1].decode("utf-8-sig"))))
    by_id = {r["inin-outbound-id"]: r for r in rows}
    assert by_id["bad"]["note"] == '\'=HYPERLINK("x")'
    assert by_id["minus"]["name"] == "-5"  # a plain number runs nothing
    assert by_id["minus"]["note"] == "'@SUM(A1)"
    assert by_id["dde"]["name"] == "'+1+cmd|' /C calc'!A0"
    assert by_id["dde"]["note"] == "'-2+3"


def test_download_true_redirects_to_the_file(
    server: Server, admin_token: str, filled_list: str
) -> None:
    server.request("POST", f"{LISTS}/{filled_list}/export", token=admin_token)
    _wait_for_export(server, admin_token, filled_list)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        f"{server.base_url}{LISTS}/{filled_list}/export?download=true",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request)
    assert redirect.value.code == 303
    assert "/downloads/exports/" in redirect.value.headers["Location"]


def test_only_the_chosen_contacts_are_exported(
    server: Server, admin_token: str, filled_list: str
) -> None:
    server.request(
        "POST", f"{LISTS}/{filled_list}/export", token=admin_token, json_body={"contactIds": ["ok"]}
    )
    time.sleep(0.2)
    uri = _wait_for_export(server, admin_token, filled_list)["uri"]
    rows = list(csv.DictReader(io.StringIO(_fetch(uri)[1].decode("utf-8-sig"))))
    assert [r["inin-outbound-id"] for r in rows] == ["ok"]


def test_no_export_yet_is_a_404(server: Server, admin_token: str, unique: Any) -> None:
    created = server.request(
        "POST", LISTS, token=admin_token, json_body={"name": unique("Empty"), "columnNames": ["a"]}
    )[1]
    status, body, _ = server.request("GET", f"{LISTS}/{created['id']}/export", token=admin_token)
    assert status == 404 and body["code"] == "not.found"


@pytest.mark.parametrize("tamper", ["signature", "expires", "id"])
def test_a_tampered_or_expired_link_is_refused(
    server: Server, admin_token: str, filled_list: str, tamper: str
) -> None:
    server.request("POST", f"{LISTS}/{filled_list}/export", token=admin_token)
    uri = _wait_for_export(server, admin_token, filled_list)["uri"]
    path, _, query = uri.partition("?")
    fields = dict(part.split("=") for part in query.split("&"))
    if tamper == "signature":
        fields["signature"] = "0" * 64
    elif tamper == "expires":
        fields["expires"] = str(int(fields["expires"]) + 3600)
    else:
        path = path.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    status, body = _fetch(f"{path}?expires={fields['expires']}&signature={fields['signature']}")
    assert status == 403 and b"not valid" in body


def test_exports_need_the_contact_view_permission_too(
    server: Server, admin_token: str, filled_list: str
) -> None:
    """Genesys asks for ALL of outbound:contact:view and outbound:contactList:view."""
    home = server.request("GET", "/api/v2/authorization/divisions/home", token=admin_token)[1]
    reader = server.token(server.create_client("reports", f"reporting@{home['id']}"))
    assert server.request("POST", f"{LISTS}/{filled_list}/export", token=reader)[0] == 200


def test_a_signature_with_non_ascii_characters_is_a_403(server: Server) -> None:
    status, _ = _fetch(f"{server.base_url}/downloads/exports/x?expires=9999999999&signature=%C3%A9")
    assert status == 403


def test_export_files_go_with_their_list_and_only_the_latest_is_kept(
    server: Server, admin_token: str, filled_list: str
) -> None:
    exports = server.data_dir / "exports"
    for _ in range(2):
        server.request("POST", f"{LISTS}/{filled_list}/export", token=admin_token)
        _wait_for_export(server, admin_token, filled_list)
        time.sleep(0.3)
    uri = _wait_for_export(server, admin_token, filled_list)["uri"]
    latest = uri.split("?")[0].rsplit("/", 1)[1]
    assert (exports / f"{latest}.csv").exists()
    before = set(exports.glob("*.csv"))
    server.request("DELETE", f"{LISTS}/{filled_list}", token=admin_token)
    after = set(exports.glob("*.csv"))
    assert exports / f"{latest}.csv" in before - after
