"""DNC lists from CSV files as users bring them: every number lands in the form the API
stores it, bad rows are listed in a rejects file, a broken file changes nothing, and the
export gives the entries back."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server
from tests.support.uploads import fetch, upload_form, wait_for_import

DNC = "/api/v2/outbound/dnclists"


def new_list(server: Server, token: str, name: str, method: str) -> str:
    status, created, _ = server.request(
        "POST",
        DNC,
        token=token,
        json_body={"name": name, "dncSourceType": "rds", "contactMethod": method},
    )
    assert status == 200, created
    return str(created["id"])


@pytest.fixture
def phone_list(server: Server, admin_token: str, unique: Any) -> str:
    return new_list(server, admin_token, unique("DNC phones"), "Phone")


def upload(server: Server, token: str, list_id: str, text: str | bytes, **fields: str) -> Any:
    form = upload_form(list_id, text, fileType="dnclist", **fields)
    return server.request("POST", "/uploads/v2/contactlist", token=token, **form)


def imported(server: Server, token: str, list_id: str) -> dict[str, Any]:
    return wait_for_import(server, token, f"{DNC}/{list_id}/importstatus")


def size(server: Server, token: str, list_id: str) -> int:
    found = server.request("GET", f"{DNC}/{list_id}?includeSize=true", token=token)[1]
    return int(found["size"])


def exported(server: Server, token: str, list_id: str) -> tuple[bytes, list[list[str]]]:
    """The list's export: the file as it is and its rows."""
    path = f"{DNC}/{list_id}/export"
    status, body, _ = server.request("POST", path, token=token)
    assert status == 200, body
    for _ in range(600):
        status, found, _ = server.request("GET", path, token=token)
        if status == 200:
            raw = fetch(found["uri"])[1]
            return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        time.sleep(0.05)
    raise AssertionError("the export did not complete")


MESSY = (
    "\ufeffName, Phone Number ,Note\r\n"  # BOM; the column is found by its name
    "Ann,(317) 555-0100,x\r\n"
    "Bob,12,y\r\n"  # not a number
    '"Lee, Cleo",+44 20 7946 0958,z\r\n'  # a quoted comma; a UK number
    "Dan,317.555.0101,w,unexpected\r\n"  # a cell more than the header
    "Eve,,v\r\n"  # no number at all
    "Fay,+1 317-555-0100,again\r\n"  # Ann's number written another way
    "Gus,=HYPERLINK(1),u"  # no newline at the end; a formula
)


def test_a_messy_file_lands_every_good_number_and_lists_the_bad_rows(
    server: Server, admin_token: str, phone_list: str
) -> None:
    status, started, _ = upload(server, admin_token, phone_list, MESSY)
    assert status == 200, started
    assert started["totalRecords"] == 7
    done = imported(server, admin_token, phone_list)
    assert done["status"] == "COMPLETE" and done["percentComplete"] == 100
    assert (done["importedRecords"], done["rejectedRecords"], done["duplicateRecords"]) == (
        2,
        4,
        1,
    )
    assert "'Phone Number'" in done["warnings"][0]  # which column was read
    assert size(server, admin_token, phone_list) == 2
    # The stored form is the API's: adding the number in E.164 adds nothing.
    server.request(
        "POST", f"{DNC}/{phone_list}/phonenumbers", token=admin_token, json_body=["+13175550100"]
    )
    assert size(server, admin_token, phone_list) == 2

    code, raw = fetch(done["rejectsUri"])
    assert code == 200
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["row", "reason", "Name", " Phone Number ", "Note"]
    reasons = {row[0]: row[1] for row in rows[1:]}
    assert set(reasons) == {"3", "5", "6", "8"}  # numbered as a spreadsheet shows them
    assert "'Phone Number': not a valid phone number" in reasons["3"]
    assert "more cells" in reasons["5"]
    assert "no entry" in reasons["6"]
    assert rows[-1][3] == "'=HYPERLINK(1)"  # neutralised for spreadsheets

    _, entries = exported(server, admin_token, phone_list)
    assert entries == [
        ["address", "kind", "expirationDateTime"],
        ["+13175550100", "phone", ""],
        ["+442079460958", "phone", ""],
    ]


def test_named_columns_fill_an_any_list_with_an_expiration(
    server: Server, admin_token: str, unique: Any
) -> None:
    any_list = new_list(server, admin_token, unique("DNC any"), "Any")
    text = (
        "Mobile,Home,Mail,Phone\n"
        "(212) 555-0101,,Ann@Example.COM,+13175550199\n"
        ",415-555-0102,=cmd@example.com,\n"
        "+1 646 555 0103,212.555.0101,-x@example.org,\n"
    )
    status, body, _ = upload(
        server,
        admin_token,
        any_list,
        text,
        phoneColumns="mobile, HOME",  # case and spaces do not matter
        emailColumns="Mail",
        expirationDateTime="2031-05-01T10:00Z",
    )
    assert status == 200, body
    done = imported(server, admin_token, any_list)
    # Seven values, 212-555-0101 twice.
    assert (done["importedRecords"], done["rejectedRecords"], done["duplicateRecords"]) == (
        6,
        0,
        1,
    )
    raw, entries = exported(server, admin_token, any_list)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    assert entries[1:] == [
        ["'-x@example.org", "email", "2031-05-01T10:00:00.000Z"],  # neutralised
        ["'=cmd@example.com", "email", "2031-05-01T10:00:00.000Z"],
        ["ann@example.com", "email", "2031-05-01T10:00:00.000Z"],  # case-folded
        ["+12125550101", "phone", "2031-05-01T10:00:00.000Z"],
        ["+14155550102", "phone", "2031-05-01T10:00:00.000Z"],
        ["+16465550103", "phone", "2031-05-01T10:00:00.000Z"],
    ]


def test_an_any_list_without_named_columns_reads_the_first_one_both_ways(
    server: Server, admin_token: str, unique: Any
) -> None:
    """An export uploaded again gives the same list."""
    any_list = new_list(server, admin_token, unique("DNC first"), "Any")
    # Addresses that start like a formula go out with an apostrophe before them.
    content = "Blocked\n(317) 555-0100\nA@b.example.com\n-stop@example.com\n+tag@example.com\n"
    upload(server, admin_token, any_list, content)
    assert imported(server, admin_token, any_list)["importedRecords"] == 4
    raw, entries = exported(server, admin_token, any_list)
    assert b"'-stop@example.com" in raw
    again = new_list(server, admin_token, unique("DNC again"), "Any")
    upload(server, admin_token, again, raw)
    assert imported(server, admin_token, again)["importedRecords"] == 4
    assert exported(server, admin_token, again)[1] == entries
    # The addresses themselves, not with the apostrophe: removing them empties their part.
    status, body, _ = server.request(
        "PATCH",
        f"{DNC}/{again}/emailaddresses",
        token=admin_token,
        json_body={"action": "Remove", "emailAddresses": ["-stop@example.com", "+tag@example.com"]},
    )
    assert status == 204, body
    assert size(server, admin_token, again) == 2


@pytest.mark.parametrize(
    ("method", "content", "fields", "field"),
    [
        ("Email", "Phone\n+13175550100\n", {"phoneColumns": "Phone"}, "phoneColumns"),
        ("Phone", "Email\na@example.com\n", {"emailColumns": "Email"}, "emailColumns"),
        ("Phone", "Email,Name\na@example.com,Ann\n", {}, "phoneColumns"),
        ("Email", "Name,Mobile Phone\nAnn,+13175550100\n", {}, "emailColumns"),
    ],
)
def test_entries_must_fit_the_lists_contact_method(
    server: Server,
    admin_token: str,
    unique: Any,
    method: str,
    content: str,
    fields: dict[str, str],
    field: str,
) -> None:
    dnc_list = new_list(server, admin_token, unique("DNC method"), method)
    status, body, _ = upload(server, admin_token, dnc_list, content, **fields)
    assert status == 400, body
    assert body["details"][0]["fieldName"] == field
    assert size(server, admin_token, dnc_list) == 0


@pytest.mark.parametrize(
    ("content", "fields", "reason"),
    [
        (b"Phone\n+1317555\xff0100\n", {}, "not UTF-8"),
        (b"PK\x03\x04 an xlsx file", {}, "Excel"),
        (b",\n+13175550100,\n", {}, "no header"),
        (b"Phone\n+13175550100\n", {"phoneColumns": "Mobile"}, "'Mobile' is not in"),
        (b"", {}, "empty"),
    ],
)
def test_a_file_refused_at_once_changes_nothing(
    server: Server,
    admin_token: str,
    phone_list: str,
    content: bytes,
    fields: dict[str, str],
    reason: str,
) -> None:
    server.request(
        "POST", f"{DNC}/{phone_list}/phonenumbers", token=admin_token, json_body=["+13175550199"]
    )
    status, body, _ = upload(server, admin_token, phone_list, content, **fields)
    assert status == 400, body
    assert reason in body["message"]
    assert size(server, admin_token, phone_list) == 1


def test_a_file_broken_far_down_fails_whole_and_changes_nothing(
    server: Server, admin_token: str, phone_list: str
) -> None:
    server.request(
        "POST", f"{DNC}/{phone_list}/phonenumbers", token=admin_token, json_body=["+13175550199"]
    )
    good = "".join(f"(317) 555-{n % 10000:04d}\n" for n in range(300_000))
    content = ("Phone\n" + good).encode() + b'"never closed\n+13175550100\n'
    status, body, _ = upload(server, admin_token, phone_list, content)
    assert status == 200, body
    done = imported(server, admin_token, phone_list)
    assert (done["status"], done["state"]) == ("FAILED", "FAILED")
    assert "never closed" in done["failureReason"]
    assert size(server, admin_token, phone_list) == 1
    listed = server.request(
        "GET", f"{DNC}/{phone_list}?includeImportStatus=true", token=admin_token
    )
    assert listed[1]["importStatus"]["state"] == "FAILED"


def test_an_expiration_that_is_not_a_time_is_refused(
    server: Server, admin_token: str, phone_list: str
) -> None:
    status, body, _ = upload(
        server, admin_token, phone_list, "Phone\n+13175550100\n", expirationDateTime="soon"
    )
    assert status == 400
    assert body["details"][0]["fieldName"] == "expirationDateTime"


def test_the_sdk_follows_an_upload_url_and_an_export(
    server: Server, admin_sdk: Any, admin_token: str, phone_list: str
) -> None:
    api = gc.OutboundApi(admin_sdk)
    with pytest.raises(ApiException) as none_yet:
        api.get_outbound_dnclist_importstatus(phone_list)
    assert none_yet.value.status == 404
    request = gc.DNCListUploadUrlRequest()
    request.content_type, request.id, request.phone_columns = "text/csv", phone_list, "Number"
    answer = api.post_outbound_dnclists_uploads(request)
    assert answer.headers == {"Content-Type": "text/csv"}
    text = b"Number,Name\n317-555-0100,Ann\n317-555-0101,Bob\n"
    url = answer.url.removeprefix(server.base_url)
    status, body, _ = server.request("PUT", url, body=text, headers=answer.headers)
    assert status == 200, body
    imported(server, admin_token, phone_list)
    found = api.get_outbound_dnclist_importstatus(phone_list)
    assert (found.total_records, found.completed_records, found.percent_complete) == (2, 2, 100)
    assert found.state is None  # complete: the SDK's enum knows no such state
    listed = api.get_outbound_dnclist(phone_list, include_import_status=True, include_size=True)
    assert listed.import_status is None and listed.size == 2  # no import running
    assert server.request("PUT", url, body=text, headers=answer.headers)[0] == 404  # once

    assert api.post_outbound_dnclist_export(phone_list).id
    for _ in range(600):
        try:
            export = api.get_outbound_dnclist_export(phone_list)
            break
        except ApiException as exc:
            assert exc.status == 404
            time.sleep(0.05)
    assert export.export_timestamp is not None
    rows = fetch(export.uri)[1].decode("utf-8-sig").splitlines()
    assert rows == ["address,kind,expirationDateTime", "+13175550100,phone,", "+13175550101,phone,"]
    redirect = server.request("GET", f"{DNC}/{phone_list}/export?download=true", token=admin_token)
    assert redirect[0] == 200 and "+13175550101,phone" in str(redirect[1])  # followed
    assert fetch(export.uri.replace("signature=", "signature=0"))[0] == 403


def test_unsupported_upload_url_columns_are_refused(
    server: Server, admin_token: str, phone_list: str
) -> None:
    status, body, _ = server.request(
        "POST",
        f"{DNC}/uploads",
        token=admin_token,
        json_body={"contentType": "text/csv", "id": phone_list, "whatsAppColumns": "W"},
    )
    assert status == 400
    assert body["details"][0]["fieldName"] == "whatsAppColumns"


def test_uploading_needs_the_dnc_upload_permission_in_the_lists_division(
    server: Server, admin_token: str, phone_list: str, unique: Any
) -> None:
    reporter = server.token(server.create_client(unique("reporter"), "reporting"))
    status, body, _ = upload(server, reporter, phone_list, "Phone\n+13175550100\n")
    assert status == 403
    assert "outbound:dncList:upload" in body["message"]
    division = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": unique("d")},
    )[1]["id"]
    elsewhere = server.token(server.create_client(unique("elsewhere"), f"admin@{division}"))
    assert upload(server, elsewhere, phone_list, "Phone\n+13175550100\n")[0] == 404
    assert size(server, admin_token, phone_list) == 0


def test_deleting_a_list_deletes_its_entries_and_files(
    server: Server, admin_token: str, phone_list: str
) -> None:
    upload(server, admin_token, phone_list, "Phone\n+13175550100\n12\n")
    done = imported(server, admin_token, phone_list)
    exported(server, admin_token, phone_list)
    link = server.request("GET", f"{DNC}/{phone_list}/export", token=admin_token)[1]["uri"]
    assert server.request("DELETE", f"{DNC}/{phone_list}", token=admin_token)[0] == 204
    assert fetch(link)[0] == 404
    assert fetch(done["rejectsUri"])[0] == 404


def test_an_upload_into_a_filled_list_adds_the_new_and_refreshes_the_listed(
    server: Server, admin_token: str, phone_list: str
) -> None:
    """The upsert path (the list has entries): a listed number takes the file's expiration."""
    server.request(
        "POST", f"{DNC}/{phone_list}/phonenumbers", token=admin_token, json_body=["+13175550100"]
    )
    upload(server, admin_token, phone_list, "Phone\n")  # a header alone adds nothing
    assert imported(server, admin_token, phone_list)["importedRecords"] == 0
    text = "Phone\n+13175550100\n(317) 555-0101\n317-555-0101\n"
    upload(server, admin_token, phone_list, text, expirationDateTime="2031-01-01T00:00Z")
    done = imported(server, admin_token, phone_list)
    assert (done["importedRecords"], done["duplicateRecords"]) == (2, 1)
    assert exported(server, admin_token, phone_list)[1][1:] == [
        ["+13175550100", "phone", "2031-01-01T00:00:00.000Z"],
        ["+13175550101", "phone", "2031-01-01T00:00:00.000Z"],
    ]
