"""Where a recipient is, for callable times: the list's time column, else the zip code's
zone (automatic time-zone mapping), else the phone number's zones; resolved when contacts
are written, the same through the API and through a CSV import."""

from __future__ import annotations

import time
from typing import Any

import PureCloudPlatformClientV2 as gc

from tests.support.server import Server
from tests.support.uploads import upload_form

LISTS = "/api/v2/outbound/contactlists"
ROWS = [
    # id, phone, zip, own zone
    ("zip", "+13175550100", "46204", ""),  # Indianapolis by zip; the number says the same
    ("zip-wins", "+442079460958", "98101-1234", ""),  # Seattle by zip, a London number
    ("leading-zero", "+13175550101", "6903", ""),  # 06903, Stamford CT
    ("phone", "+13175550102", "", ""),  # no zip: the number's zone
    ("unknown-zip", "+81312345678", "00000", ""),  # not a zip code: the number's (Tokyo)
    ("no-zone", "not a number", "", ""),  # nothing known: the default window
]


def _list(server: Server, token: str, unique: Any, **settings: Any) -> str:
    created = server.request(
        "POST",
        LISTS,
        token=token,
        json_body={
            "name": unique("Zones"),
            "columnNames": ["id", "phone", "zip", "tz"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
            **settings,
        },
    )
    assert created[0] == 200, created[1]
    return str(created[1]["id"])


def _zones(server: Server, token: str, list_id: str) -> dict[str, Any]:
    found = server.request(
        "POST",
        f"{LISTS}/{list_id}/contacts/bulk",
        token=token,
        json_body=[row[0] for row in ROWS],
    )[1]
    return {
        c["id"]: (
            c["addressValidation"]["phone"]["timeZones"],
            c["addressValidation"]["phone"].get("zoneSource"),
        )
        for c in found
    }


EXPECTED = {
    "zip": (["America/Indiana/Indianapolis"], "zip"),
    "zip-wins": (["America/Los_Angeles"], "zip"),
    "leading-zero": (["America/New_York"], "zip"),
    "phone": (["America/New_York"], "phone"),
    "unknown-zip": (["Asia/Tokyo"], "phone"),
    "no-zone": ([], None),
}


def test_zones_come_from_the_zip_code_then_the_number_by_api_and_by_import(
    server: Server, admin_token: str, unique: Any
) -> None:
    mapped = {"automaticTimeZoneMapping": True, "zipCodeColumnName": "zip"}
    by_api = _list(server, admin_token, unique, **mapped)
    contacts = [
        {"id": i, "data": {"id": i, "phone": phone, "zip": code}} for i, phone, code, _ in ROWS
    ]
    server.request("POST", f"{LISTS}/{by_api}/contacts", token=admin_token, json_body=contacts)
    assert _zones(server, admin_token, by_api) == EXPECTED

    by_import = _list(server, admin_token, unique, **mapped)
    text = "id,phone,zip\n" + "".join(f"{i},{phone},{code}\n" for i, phone, code, _ in ROWS)
    status, body, _ = server.request(
        "POST",
        "/uploads/v2/contactlist",
        token=admin_token,
        **upload_form(by_import, text, **{"contact-id-name": "id"}),
    )
    assert status == 200, body
    for _ in range(200):
        done = server.request("GET", f"{LISTS}/{by_import}/importstatus", token=admin_token)[1]
        if done["status"] != "IN_PROGRESS":
            break
        time.sleep(0.05)
    assert done["status"] == "COMPLETE", done
    assert _zones(server, admin_token, by_import) == EXPECTED


def test_the_lists_time_column_names_the_zone_when_it_holds_one(
    server: Server, admin_token: str, unique: Any
) -> None:
    list_id = _list(
        server,
        admin_token,
        unique,
        phoneColumns=[{"columnName": "phone", "type": "cell", "callableTimeColumn": "tz"}],
    )
    contacts = [
        {"id": "zip", "data": {"phone": "+13175550100", "tz": " Asia/Tokyo "}},
        {"id": "phone", "data": {"phone": "+13175550102", "tz": "Mars/Olympus_Mons"}},
    ]
    server.request("POST", f"{LISTS}/{list_id}/contacts", token=admin_token, json_body=contacts)
    found = _zones(server, admin_token, list_id)
    assert found["zip"] == (["Asia/Tokyo"], "column")
    assert found["phone"] == (["America/New_York"], "phone")  # not a zone: the number's


def test_the_mapping_preview_counts_contacts_per_zone(
    server: Server, admin_sdk: Any, admin_token: str, unique: Any
) -> None:
    list_id = _list(
        server, admin_token, unique, automaticTimeZoneMapping=True, zipCodeColumnName="zip"
    )
    contacts = [
        {"id": i, "data": {"id": i, "phone": phone, "zip": code}} for i, phone, code, _ in ROWS
    ]
    contacts.append({"id": "two-zones", "data": {"phone": "+1 800 555 0199"}})  # toll free
    server.request("POST", f"{LISTS}/{list_id}/contacts", token=admin_token, json_body=contacts)
    preview = gc.OutboundApi(admin_sdk).get_outbound_contactlist_timezonemappingpreview(list_id)
    assert preview.contact_list_size == 7
    assert preview.contacts_per_time_zone["America/New_York"] == 2
    assert preview.contacts_mapped_using_zip_code == {
        "America/Indiana/Indianapolis": 1,
        "America/Los_Angeles": 1,
        "America/New_York": 1,
    }
    assert preview.contacts_mapped_to_a_single_zone_using_zip_code == 3
    assert preview.contacts_in_default_window == 1
    assert preview.contacts_mapped_to_multiple_zones == 1  # a toll-free number: all US zones
    assert (
        preview.contacts_mapped_to_a_single_zone
        + preview.contacts_mapped_to_multiple_zones
        + preview.contacts_in_default_window
        == 7
    )
