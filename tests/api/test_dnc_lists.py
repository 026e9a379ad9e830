"""DNC lists through the official SDK."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server

DNC = "/api/v2/outbound/dnclists"


def _dnc_list(name: str, method: str = "Phone") -> Any:
    body = gc.DncListCreate()
    body.name, body.dnc_source_type, body.contact_method = name, "rds", method
    return body


@pytest.fixture
def outbound(admin_sdk: Any) -> Any:
    return gc.OutboundApi(admin_sdk)


def test_dnc_list_crud(outbound: Any, unique: Any) -> None:
    created = outbound.post_outbound_dnclists(_dnc_list(unique("Do not text")))
    assert created.dnc_source_type == "rds" and created.contact_method == "Phone"
    created.contact_method = "Any"
    updated = outbound.put_outbound_dnclist(created.id, created)
    assert updated.version == 2 and updated.contact_method == "Any"
    with pytest.raises(ApiException) as stale:
        outbound.put_outbound_dnclist(created.id, created)
    assert stale.value.status == 409
    assert [d.id for d in outbound.get_outbound_dnclists(name=created.name).entities] == [
        created.id
    ]
    later = outbound.post_outbound_dnclists(_dnc_list(created.name + " later"))
    backwards = outbound.get_outbound_dnclists(name=created.name, sort_order="descending")
    assert [d.id for d in backwards.entities] == [later.id, created.id]
    outbound.delete_outbound_dnclist(later.id)
    with pytest.raises(ApiException) as bad:
        outbound.get_outbound_dnclists(name=created.name, sort_order="sideways")
    assert bad.value.status == 400 and "sortOrder" in bad.value.body
    outbound.delete_outbound_dnclist(created.id)
    with pytest.raises(ApiException) as gone:
        outbound.get_outbound_dnclist(created.id)
    assert gone.value.status == 404


@pytest.mark.parametrize("source", ["dnc.com", "gryphon", "rds_custom"])
def test_external_sources_are_refused_clearly(
    server: Server, admin_token: str, unique: Any, source: str
) -> None:
    status, body, _ = server.request(
        "POST",
        DNC,
        token=admin_token,
        json_body={"name": unique("ext"), "dncSourceType": source, "contactMethod": "Phone"},
    )
    assert status == 400
    assert body["details"][0]["fieldName"] == "dncSourceType"
    assert "external DNC provider" in body["message"]
    # Asked for by source, the lists of it are none (not a refusal: an SDK call raises).
    status, listed, _ = server.request("GET", f"{DNC}?dncSourceType={source}", token=admin_token)
    assert status == 200, listed
    assert (listed["entities"], listed["total"]) == ([], 0)


def test_numbers_are_listed_once_whatever_their_format(outbound: Any, unique: Any) -> None:
    created = outbound.post_outbound_dnclists(_dnc_list(unique("Formats")))
    outbound.post_outbound_dnclist_phonenumbers(
        created.id, ["(317) 555-0100", "+13175550100", "317.555.0100", "+44 20 7946 0958"]
    )
    assert outbound.get_outbound_dnclist(created.id, include_size=True).size == 2
    patch = gc.DncPatchPhoneNumbersRequest()
    patch.action, patch.phone_numbers = "Remove", ["3175550100"]
    outbound.patch_outbound_dnclist_phonenumbers(created.id, patch)
    assert outbound.get_outbound_dnclist(created.id, include_size=True).size == 1


def test_an_invalid_number_refuses_the_call_and_lists_nothing(
    server: Server, admin_token: str, outbound: Any, unique: Any
) -> None:
    created = outbound.post_outbound_dnclists(_dnc_list(unique("Bad")))
    status, body, _ = server.request(
        "POST",
        f"{DNC}/{created.id}/phonenumbers",
        token=admin_token,
        json_body=["+13175550100", "12", "not a number"],
    )
    assert status == 400
    assert {d["fieldName"] for d in body["details"]} == {"phoneNumbers[1]", "phoneNumbers[2]"}
    assert outbound.get_outbound_dnclist(created.id, include_size=True).size == 0


def test_a_phone_list_takes_no_email_addresses(
    server: Server, admin_token: str, outbound: Any, unique: Any
) -> None:
    created = outbound.post_outbound_dnclists(_dnc_list(unique("Phones only")))
    status, body, _ = server.request(
        "POST", f"{DNC}/{created.id}/emailaddresses", token=admin_token, json_body=["a@b.example"]
    )
    assert status == 400 and "Phone entries" in body["message"]


def test_expired_entries_can_be_purged_alone(
    server: Server, admin_token: str, outbound: Any, unique: Any
) -> None:
    created = outbound.post_outbound_dnclists(_dnc_list(unique("Expiring"), "Email"))
    outbound.post_outbound_dnclist_emailaddresses(created.id, ["keep@example.com"])
    status, _, _ = server.request(
        "POST",
        f"{DNC}/{created.id}/emailaddresses?expirationDateTime=2020-01-01T00:00Z",
        token=admin_token,
        json_body=["Old@Example.com"],
    )
    assert status == 204
    assert outbound.get_outbound_dnclist(created.id, include_size=True).size == 2
    outbound.delete_outbound_dnclist_emailaddresses(created.id, expired_only=True)
    assert outbound.get_outbound_dnclist(created.id, include_size=True).size == 1
    outbound.delete_outbound_dnclist_emailaddresses(created.id)
    assert outbound.get_outbound_dnclist(created.id, include_size=True).size == 0


def test_a_bad_expiration_is_a_400(
    server: Server, admin_token: str, outbound: Any, unique: Any
) -> None:
    created = outbound.post_outbound_dnclists(_dnc_list(unique("When")))
    status, body, _ = server.request(
        "POST",
        f"{DNC}/{created.id}/phonenumbers?expirationDateTime=soon",
        token=admin_token,
        json_body=["+13175550100"],
    )
    assert status == 400 and body["details"][0]["fieldName"] == "expirationDateTime"


def test_entries_stay_removable_after_the_contact_method_changes(
    outbound: Any, unique: Any
) -> None:
    created = outbound.post_outbound_dnclists(_dnc_list(unique("Both"), "Any"))
    outbound.post_outbound_dnclist_emailaddresses(created.id, ["a@example.com"])
    created.contact_method = "Phone"
    outbound.put_outbound_dnclist(created.id, created)
    outbound.delete_outbound_dnclist_emailaddresses(created.id)
    assert outbound.get_outbound_dnclist(created.id, include_size=True).size == 0


def test_a_nul_in_an_entry_is_a_400(
    server: Server, admin_token: str, outbound: Any, unique: Any
) -> None:
    created = outbound.post_outbound_dnclists(_dnc_list(unique("Nul")))
    status, _, _ = server.request(
        "POST", f"{DNC}/{created.id}/phonenumbers", token=admin_token, json_body=["+1317\u0000"]
    )
    assert status == 400


def test_division_views_outline_the_dnc_lists_a_caller_may_search(
    admin_sdk: Any, unique: Any
) -> None:
    api = gc.OutboundApi(admin_sdk)
    body = gc.DncListCreate()
    body.name, body.dnc_source_type, body.contact_method = unique("Outlined"), "rds", "Phone"
    created = api.post_outbound_dnclists(body)
    views = api.get_outbound_dnclists_divisionviews(name=body.name, include_size=True)
    assert [(v.id, v.contact_method, v.size) for v in views.entities] == [(created.id, "Phone", 0)]
    view = api.get_outbound_dnclists_divisionview(created.id)
    assert (view.division.id, view.dnc_source_type) == (created.division.id, "rds")


def test_the_sdk_patches_addresses_and_purges_expired_numbers(outbound: Any, unique: Any) -> None:
    emails = outbound.post_outbound_dnclists(_dnc_list(unique("Patched e-mail"), "Email"))
    add = gc.DncPatchEmailsRequest()
    add.action, add.email_addresses = "Add", ["Ann@Example.com", "bob@example.com"]
    add.expiration_date_time = "2031-05-01T10:00:00.000Z"
    outbound.patch_outbound_dnclist_emailaddresses(emails.id, add)
    assert outbound.get_outbound_dnclist(emails.id, include_size=True).size == 2
    remove = gc.DncPatchEmailsRequest()
    remove.action, remove.email_addresses = "Remove", ["ANN@example.com"]  # any case
    outbound.patch_outbound_dnclist_emailaddresses(emails.id, remove)
    assert outbound.get_outbound_dnclist(emails.id, include_size=True).size == 1

    phones = outbound.post_outbound_dnclists(_dnc_list(unique("Purged phones")))
    outbound.post_outbound_dnclist_phonenumbers(phones.id, ["(317) 555-0100"])
    outbound.post_outbound_dnclist_phonenumbers(
        phones.id, ["+13175550101", "+13175550102"], expiration_date_time="2020-01-01T00:00:00Z"
    )
    assert outbound.get_outbound_dnclist(phones.id, include_size=True).size == 3
    outbound.delete_outbound_dnclist_phonenumbers(phones.id, expired_only=True)
    assert outbound.get_outbound_dnclist(phones.id, include_size=True).size == 1
    outbound.delete_outbound_dnclist_phonenumbers(phones.id)
    assert outbound.get_outbound_dnclist(phones.id, include_size=True).size == 0
