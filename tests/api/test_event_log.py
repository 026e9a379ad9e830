"""The dialer event log through the official SDK: a contact-list import that refuses rows
or fails leaves an event naming the list, readable by whoever may see that list."""

from __future__ import annotations

import uuid
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server
from tests.support.uploads import upload_form, wait_for_import

LISTS = "/api/v2/outbound/contactlists"


def _list(server: Server, token: str) -> str:
    status, body, _ = server.request(
        "POST",
        LISTS,
        token=token,
        json_body={
            "name": f"events-{uuid.uuid4().hex[:8]}",
            "columnNames": ["phone", "first"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )
    assert status == 200, body
    return str(body["id"])


def _import(server: Server, token: str, list_id: str, csv_text: str) -> dict[str, Any]:
    status, body, _ = server.request(
        "POST", "/uploads/v2/contactlist", token=token, **upload_form(list_id, csv_text)
    )
    assert status == 200, body
    return wait_for_import(server, token, f"{LISTS}/{list_id}/importstatus")


def _events_about(api: Any, list_id: str) -> list[Any]:
    found = api.get_outbound_events(page_size=100, category="IMPORT_ERROR")
    return [e for e in found.entities or [] if e.related_entity.id == list_id]


def test_rejected_rows_and_a_failed_import_are_in_the_event_log(
    server: Server, admin_token: str, admin_sdk: Any
) -> None:
    list_id = _list(server, admin_token)
    done = _import(
        server, admin_token, list_id, "phone,first\n+13175550100,Ann\n+13175550101,Bo,extra\n"
    )
    assert (done["status"], done["rejectedRecords"]) == ("COMPLETE", 1)
    _import(server, admin_token, list_id, 'phone,first\n"unclosed,Cy\n')

    api = gc.OutboundApi(admin_sdk)
    events = _events_about(api, list_id)
    assert [(e.level, e.name) for e in events] == [
        ("ERROR", "CONTACT_LIST_IMPORT_FAILED"),  # newest first
        ("WARNING", "CONTACT_LIST_IMPORT_ROWS_REJECTED"),
    ]
    failed, rejected = events
    assert "rejected 1 of 2 rows" in rejected.event_message.message
    assert rejected.error_entity.self_uri == f"{LISTS}/{list_id}"
    assert failed.category == "IMPORT_ERROR"
    assert failed.timestamp >= rejected.timestamp

    one = api.get_outbound_event(failed.id)
    assert (one.id, one.name, one.related_entity.id) == (failed.id, failed.name, list_id)
    assert one.correlation_id  # the import it came from

    warnings = api.get_outbound_events(page_size=100, level="WARNING", category="IMPORT")
    assert warnings.total == 0  # "Equals" by default: no category is named IMPORT
    warnings = api.get_outbound_events(
        page_size=100, level="WARNING", category="IMPORT", filter_type="Prefix"
    )
    ids = [e.id for e in warnings.entities]
    assert rejected.id in ids and failed.id not in ids
    oldest = api.get_outbound_events(page_size=1, sort_order="ascending")
    assert oldest.page_size == 1 and oldest.total >= 2


def test_events_of_another_division_are_invisible(server: Server, admin_token: str) -> None:
    list_id = _list(server, admin_token)  # in the home division
    _import(server, admin_token, list_id, 'phone,first\n"unclosed,Cy\n')
    status, body, _ = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": f"events-{uuid.uuid4().hex[:6]}"},
    )
    assert status == 200, body
    other = server.token(server.create_client("events elsewhere", f"reporting@{body['id']}"))
    status, listing, _ = server.request("GET", "/api/v2/outbound/events?pageSize=100", token=other)
    assert status == 200
    assert all(e["relatedEntity"]["id"] != list_id for e in listing["entities"])
    admin_view = server.request(
        "GET", "/api/v2/outbound/events?pageSize=100&category=IMPORT_ERROR", token=admin_token
    )[1]
    event_id = next(e["id"] for e in admin_view["entities"] if e["relatedEntity"]["id"] == list_id)
    assert server.request("GET", f"/api/v2/outbound/events/{event_id}", token=other)[0] == 404


def test_bad_list_parameters_are_refused_naming_them(admin_sdk: Any) -> None:
    api = gc.OutboundApi(admin_sdk)
    for arguments, field in (
        ({"level": "LOUD"}, "level"),
        ({"sort_by": "colour"}, "sortBy"),
        ({"filter_type": "Sounds"}, "filterType"),
    ):
        with pytest.raises(ApiException) as refused:
            api.get_outbound_events(**arguments)
        assert refused.value.status == 400
        assert field in refused.value.body


def test_a_dnc_upload_with_bad_rows_is_in_the_event_log(
    server: Server, admin_token: str, admin_sdk: Any
) -> None:
    status, created, _ = server.request(
        "POST",
        "/api/v2/outbound/dnclists",
        token=admin_token,
        json_body={
            "name": f"events-{uuid.uuid4().hex[:8]}",
            "dncSourceType": "rds",
            "contactMethod": "Phone",
        },
    )
    assert status == 200, created
    list_id = created["id"]
    form = upload_form(list_id, "Phone\n+13175550100\n12\n", fileType="dnclist")
    status, body, _ = server.request("POST", "/uploads/v2/contactlist", token=admin_token, **form)
    assert status == 200, body
    done = wait_for_import(server, admin_token, f"/api/v2/outbound/dnclists/{list_id}/importstatus")
    assert done["rejectedRecords"] == 1
    events = _events_about(gc.OutboundApi(admin_sdk), list_id)
    assert [(e.level, e.name) for e in events] == [("WARNING", "DNC_LIST_IMPORT_ROWS_REJECTED")]
    assert events[0].related_entity.self_uri == f"/api/v2/outbound/dnclists/{list_id}"
