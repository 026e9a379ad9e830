"""CSV imports as users bring them from their CRM: messy files land with every good row,
bad rows are listed in a rejects file, and a broken file changes nothing."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest

from tests.support.server import Server
from tests.support.uploads import fetch, upload_form
from tests.support.uploads import wait_for_import as wait_until_ended

LISTS = "/api/v2/outbound/contactlists"
COLUMNS = ["CustomerId", "Phone", "Email", "Name", "Note"]


@pytest.fixture
def contact_list(server: Server, admin_token: str, unique: Any) -> str:
    status, created, _ = server.request(
        "POST",
        LISTS,
        token=admin_token,
        json_body={
            "name": unique("Import"),
            "columnNames": COLUMNS,
            "phoneColumns": [{"columnName": "Phone", "type": "cell"}],
            "emailColumns": [{"columnName": "Email", "type": "personal"}],
        },
    )
    assert status == 200, created
    return str(created["id"])


def upload(server: Server, token: str, list_id: str, text: str | bytes, **fields: str) -> Any:
    return server.request(
        "POST", "/uploads/v2/contactlist", token=token, **upload_form(list_id, text, **fields)
    )


def wait_for_import(server: Server, token: str, list_id: str) -> dict[str, Any]:
    return wait_until_ended(server, token, f"{LISTS}/{list_id}/importstatus")


def contacts(server: Server, token: str, list_id: str, ids: list[str]) -> dict[str, Any]:
    found = server.request("POST", f"{LISTS}/{list_id}/contacts/bulk", token=token, json_body=ids)
    return {c["id"]: c for c in found[1]}


MESSY = (
    "\ufeff customerid ,PHONE,email,Name,Unknown\r\n"  # BOM, case, spaces, an extra column
    '1,(317) 555-0100,ann@example.com,"Lee, Ann",x\r\n'  # a quoted comma
    '2,12,not-an-address,"Bob\non two lines",y\r\n'  # bad addresses; a quoted newline
    "3,+44 20 7946 0958,c@example.com,Cleo\r\n"  # a missing cell (the extra column)
    "1,+1 317-555-0101,ann.lee@example.com,Ann Lee,z\r\n"  # id 1 again: the last row wins
    "4,+13175550102,d@example.com,Dan,x,unexpected\r\n"  # a cell more than the header
    ",+13175550103,e@example.com,Eve,x\r\n"  # no contact id
    f"5,+13175550104,f@example.com,{'long ' * 110},x\r\n"  # a cell over 512 characters
    "6,+13175550105,g@example.com,=HYPERLINK(1),x"  # no newline at the end
)


def test_a_messy_file_keeps_every_good_row_and_lists_the_bad_ones(
    server: Server, admin_token: str, contact_list: str
) -> None:
    status, started, _ = upload(
        server, admin_token, contact_list, MESSY, **{"contact-id-name": "CustomerId"}
    )
    assert status == 200, started
    assert started["totalRecords"] == 8

    done = wait_for_import(server, admin_token, contact_list)
    assert done["status"] == "COMPLETE"
    assert "state" not in done  # Genesys' ImportStatus knows no "complete" state
    assert done["percentComplete"] == 100
    # 8 rows: 3 refused, 5 kept of which id 1 twice: 4 contacts.
    assert (done["importedRecords"], done["rejectedRecords"], done["duplicateRecords"]) == (
        4,
        3,
        1,
    )
    assert any("Note" in w for w in done["warnings"])  # in the list, not in the file
    assert any("Unknown" in w for w in done["warnings"])  # in the file, not in the list

    found = contacts(server, admin_token, contact_list, ["1", "2", "3", "4", "5", "6"])
    assert sorted(found) == ["1", "2", "3", "6"]
    assert found["1"]["data"]["Name"] == "Ann Lee"  # the last row with id 1
    assert found["1"]["addressValidation"]["Phone"]["address"] == "+13175550101"
    assert found["2"]["data"]["Name"] == "Bob\non two lines"
    assert found["2"]["addressValidation"]["Phone"]["valid"] is False
    assert found["2"]["addressValidation"]["Email"]["valid"] is False
    assert found["3"]["addressValidation"]["Phone"]["timeZones"] == ["Europe/London"]
    assert "Note" not in found["3"]["data"]

    code, raw = fetch(done["rejectsUri"])
    assert code == 200
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["row", "reason", " customerid "]  # the header as written
    reasons = {row[0]: row[1] for row in rows[1:]}
    # Numbered as a spreadsheet shows the records: the header is row 1.
    assert set(reasons) == {"6", "7", "8"}
    assert "more cells" in reasons["6"]
    assert "contact id is empty" in reasons["7"]
    assert "512" in reasons["8"]


def test_the_sdk_reads_the_status_and_the_list_shows_a_failed_import(
    server: Server, admin_sdk: Any, admin_token: str, contact_list: str
) -> None:
    api = gc.OutboundApi(admin_sdk)
    upload(server, admin_token, contact_list, "Phone,Email\n+13175550100,a@example.com\n")
    wait_for_import(server, admin_token, contact_list)
    status = api.get_outbound_contactlist_importstatus(contact_list)
    assert (status.total_records, status.completed_records, status.percent_complete) == (1, 1, 100)
    assert status.state is None
    # A running or failed import shows on the list; a finished one does not.
    assert (
        api.get_outbound_contactlist(contact_list, include_import_status=True).import_status is None
    )

    upload(server, admin_token, contact_list, 'Phone,Email\n"unclosed,a@example.com\n')
    failed = api.get_outbound_contactlist(contact_list, include_import_status=True)
    for _ in range(100):
        if failed.import_status is not None and failed.import_status.state == "FAILED":
            break
        time.sleep(0.05)
        failed = api.get_outbound_contactlist(contact_list, include_import_status=True)
    assert failed.import_status.state == "FAILED"
    assert "quote" in failed.import_status.failure_reason
    listed = api.get_outbound_contactlists(include_import_status=True, id=[contact_list])
    assert listed.entities[0].import_status.state == "FAILED"


def test_blank_rows_are_no_contacts_and_cells_marked_as_text_read_as_written(
    server: Server, admin_token: str, contact_list: str
) -> None:
    """A spreadsheet's leftover `,,,` rows and blank lines add nobody; the apostrophe our
    exports (and spreadsheets) put before `=`, `+`, `-` or `@` is not part of the value."""
    text = (
        "CustomerId,Phone,Email,Name,Note\n"
        "'-7,'+1 317-555-0100,'+tag@example.com,'=Ann,'@home\n"
        ",,,,\n"
        "\n"
        "8,+13175550101,b@example.com,Bob,it's\n"
        " , , , , \n"
        ",+13175550102,c@example.com,Cleo,x\n"  # no contact id: refused, as row 7
    )
    status, started, _ = upload(
        server, admin_token, contact_list, text, **{"contact-id-name": "CustomerId"}
    )
    assert status == 200, started
    done = wait_for_import(server, admin_token, contact_list)
    assert (done["totalRecords"], done["importedRecords"], done["rejectedRecords"]) == (6, 2, 1)
    assert "Rows with every cell empty, skipped: 3" in done["warnings"]
    code, raw = fetch(done["rejectsUri"])
    assert code == 200
    [refused] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1:]
    assert refused[0] == "7"  # the row a spreadsheet shows, blank rows counted
    found = contacts(server, admin_token, contact_list, ["-7", "8"])
    assert found["-7"]["data"] == {
        "CustomerId": "-7",
        "Phone": "+1 317-555-0100",
        "Email": "+tag@example.com",
        "Name": "=Ann",
        "Note": "@home",
    }
    assert found["-7"]["addressValidation"]["Email"]["address"] == "+tag@example.com"
    assert found["8"]["data"]["Note"] == "it's"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Phone,Na\xffme\n1,2\n", "not UTF-8"),
        (b"PK\x03\x04 binary zip", "Excel"),
        (b"", "empty"),
        (b"Name,Note\nAnn,x\n", "'Phone'"),
        (b"Phone,Email,phone\n1,2,3\n", "twice"),
        ("Phone,Email\n+13175550100,a@example.com\n".encode("utf-16"), "UTF-16"),
        (b"\x00\x01binary", "NUL bytes"),
        (b"\n\nPhone,Email\n+13175550100,a@example.com\n", "no header"),
        (b'"Phone,Email\n+13175550100,a@example.com\n', "cannot be read as CSV"),
        (("Phone,Email," + "x" * 129 + "\n").encode(), "128"),
        # Excel for Mac's "CSV (Macintosh)": every row was lost and the import succeeded.
        (b"Phone,Email\r+13175550100,a@example.com\r+13175550101,b@example.com\r", "alone"),
        (b"Phone,Email\n+13175550100,a@example.com\r+13175550101,b@example.com\r", "alone"),
    ],
)
def test_a_file_refused_at_once_changes_nothing(
    server: Server, admin_token: str, contact_list: str, content: bytes, reason: str
) -> None:
    before = [{"id": "kept", "data": {"Phone": "+13175550100", "Name": "Old"}}]
    server.request("POST", f"{LISTS}/{contact_list}/contacts", token=admin_token, json_body=before)
    status, body, _ = upload(server, admin_token, contact_list, content)
    assert status == 400, body
    assert reason in body["message"]
    assert body["details"][0]["fieldName"] == "file"
    assert contacts(server, admin_token, contact_list, ["kept"])["kept"]["data"]["Name"] == "Old"
    size = server.request("GET", f"{LISTS}/{contact_list}?includeSize=true", token=admin_token)
    assert size[1]["size"] == 1


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        (b"99,+13175550199,z@example.com,Zed,\xff\xfe\n", "not UTF-8"),
        (b'99,"never closed,z@example.com,Zed,x\n100,+1,b,c,d\n', "never closed"),
    ],
)
def test_a_file_broken_far_down_fails_whole_and_changes_nothing(
    server: Server, admin_token: str, contact_list: str, tail: bytes, reason: str
) -> None:
    before = [{"id": "7", "data": {"Phone": "+13175550100", "Name": "Old"}}]
    server.request("POST", f"{LISTS}/{contact_list}/contacts", token=admin_token, json_body=before)
    # Far enough that the header check reads past none of it.
    good = "".join(f"{n},+1317555{n % 10000:04d},u{n}@example.com,New,x\n" for n in range(60_000))
    content = ("CustomerId,Phone,Email,Name,Note\n" + good).encode() + tail
    status, body, _ = upload(
        server, admin_token, contact_list, content, **{"contact-id-name": "CustomerId"}
    )
    assert status == 200, body
    done = wait_for_import(server, admin_token, contact_list)
    assert done["status"] == "FAILED"
    assert done["state"] == "FAILED"
    assert reason in done["failureReason"]
    assert contacts(server, admin_token, contact_list, ["7"])["7"]["data"]["Name"] == "Old"
    size = server.request("GET", f"{LISTS}/{contact_list}?includeSize=true", token=admin_token)
    assert size[1]["size"] == 1


def test_an_import_updates_existing_contacts_and_keeps_their_system_data(
    server: Server, admin_token: str, contact_list: str
) -> None:
    existing = [{"id": "a", "data": {"Phone": "+13175550100", "Name": "Old"}, "callable": False}]
    server.request(
        "POST", f"{LISTS}/{contact_list}/contacts", token=admin_token, json_body=existing
    )
    text = (
        "CustomerId,Phone,Email,Name\n"
        "a,+13175550111,a@example.com,New\n"
        "b,+13175550112,b@example.com,Other\n"
        "a,+13175550113,a@example.com,Newer\n"
    )
    status, body, _ = upload(
        server, admin_token, contact_list, text, **{"contact-id-name": "CustomerId"}
    )
    assert status == 200, body
    done = wait_for_import(server, admin_token, contact_list)
    assert (done["status"], done["importedRecords"], done["duplicateRecords"]) == (
        "COMPLETE",
        2,
        1,
    )
    found = contacts(server, admin_token, contact_list, ["a", "b"])
    assert found["a"]["data"]["Name"] == "Newer"
    assert found["a"]["addressValidation"]["Phone"]["address"] == "+13175550113"
    assert found["a"]["callable"] is False  # system data kept without clearSystemData
    assert found["b"]["callable"] is True


def test_the_upload_url_takes_the_file_once(
    server: Server, admin_sdk: Any, admin_token: str, contact_list: str
) -> None:
    api = gc.OutboundApi(admin_sdk)
    request = gc.ContactListUploadUrlRequest()
    request.content_type = "text/csv"
    request.id = contact_list
    request.contact_id_name = "CustomerId"
    answer = api.post_outbound_contactlists_uploads(request)
    assert answer.upload_key and answer.headers == {"Content-Type": "text/csv"}
    text = b"CustomerId,Phone,Email\nu1,+13175550100,u1@example.com\nu2,+13175550101,x@y.org\n"

    def put(url: str) -> tuple[int, Any]:
        status, body, _ = server.request(
            "PUT", url.removeprefix(server.base_url), body=text, headers=answer.headers
        )
        return status, body

    tampered = answer.url.replace("signature=", "signature=0")
    assert put(tampered)[0] == 403
    status, body = put(answer.url)
    assert status == 200, body
    wait_for_import(server, admin_token, contact_list)
    assert sorted(contacts(server, admin_token, contact_list, ["u1", "u2"])) == ["u1", "u2"]
    assert put(answer.url)[0] == 404  # an upload URL takes one file


def test_a_template_import_is_refused(server: Server, admin_token: str, contact_list: str) -> None:
    status, body, _ = server.request(
        "POST",
        f"{LISTS}/uploads",
        token=admin_token,
        json_body={"contentType": "text/csv", "id": contact_list, "importTemplateId": "t"},
    )
    assert status == 400
    assert body["details"][0]["fieldName"] == "importTemplateId"


def test_a_hundred_thousand_rows_arrive_in_order(
    server: Server, admin_token: str, contact_list: str
) -> None:
    lines = ["Phone,Email,Name"]
    lines += [f"(317) 555-{n % 10000:04d},p{n}@example.com,Person {n}" for n in range(100_000)]
    status, body, _ = upload(server, admin_token, contact_list, "\n".join(lines) + "\n")
    assert status == 200, body
    done = wait_for_import(server, admin_token, contact_list)
    assert (done["status"], done["importedRecords"], done["rejectedRecords"]) == (
        "COMPLETE",
        100_000,
        0,
    )
    size = server.request("GET", f"{LISTS}/{contact_list}?includeSize=true", token=admin_token)
    assert size[1]["size"] == 100_000
    export = f"{LISTS}/{contact_list}/export"
    server.request("POST", export, token=admin_token)
    for _ in range(600):
        status, found, _ = server.request("GET", export, token=admin_token)
        if status == 200:
            break
        time.sleep(0.05)
    rows = list(csv.reader(io.StringIO(fetch(found["uri"])[1].decode("utf-8-sig"))))
    assert len(rows) == 100_001
    name = rows[0].index("Name")
    assert [r[name] for r in rows[1:4]] == ["Person 0", "Person 1", "Person 2"]  # file order
    assert rows[1][rows[0].index("Normalized-Phone")] == "+13175550000"


def test_a_file_refused_at_its_upload_url_changes_nothing_and_the_url_takes_a_fixed_one(
    server: Server, admin_sdk: Any, admin_token: str, contact_list: str
) -> None:
    before = [{"id": "kept", "data": {"Phone": "+13175550100", "Name": "Old"}}]
    server.request("POST", f"{LISTS}/{contact_list}/contacts", token=admin_token, json_body=before)
    request = gc.ContactListUploadUrlRequest()
    request.content_type, request.id, request.contact_id_name = "text/csv", contact_list, "Id"
    answer = gc.OutboundApi(admin_sdk).post_outbound_contactlists_uploads(request)

    def put(text: bytes) -> tuple[int, Any]:
        status, body, _ = server.request(
            "PUT", answer.url.removeprefix(server.base_url), body=text, headers=answer.headers
        )
        return status, body

    status, body = put(b"Id,Name\nkept,New\n")  # the list's phone column is missing
    assert status == 400 and "'Phone'" in body["message"], body
    found = contacts(server, admin_token, contact_list, ["kept"])
    assert found["kept"]["data"]["Name"] == "Old"
    size = server.request("GET", f"{LISTS}/{contact_list}?includeSize=true", token=admin_token)
    assert size[1]["size"] == 1

    status, body = put(
        b"Id,Phone,Email,Name\nkept,+13175550100,k@x.org,New\nnew,+13175550101,,Ann\n"
    )
    assert status == 200, body
    done = wait_for_import(server, admin_token, contact_list)
    assert (done["status"], done["importedRecords"]) == ("COMPLETE", 2)
    assert contacts(server, admin_token, contact_list, ["kept"])["kept"]["data"]["Name"] == "New"
