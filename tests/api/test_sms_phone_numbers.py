"""SMS sender numbers through the official SDK: provisioning, listing with Genesys' filters,
changes, and the input refused."""

from __future__ import annotations

import random
from typing import Any

import phonenumbers
import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.numbers import fresh_number
from tests.support.server import Server

NUMBERS = "/api/v2/routing/sms/phonenumbers"


def _provision(number: str, kind: str = "local", country: str | None = None) -> Any:
    body = gc.SmsPhoneNumberProvision()
    body.phone_number, body.phone_number_type = number, kind
    body.country_code = country
    return body


@pytest.fixture
def routing(admin_sdk: Any) -> Any:
    return gc.RoutingApi(admin_sdk)


def test_a_provisioned_number_is_active_in_e164(routing: Any) -> None:
    number = fresh_number()
    national = phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    body = _provision(national, country="US")
    body.name = "Support line"
    created = routing.post_routing_sms_phonenumbers(body)
    assert created.phone_number == number and created.country_code == "US"
    assert created.phone_number_type == "local" and created.phone_number_status == "ACTIVE"
    assert created.name == "Support line" and created.version == 1
    assert created.capabilities == ["sms"] and created.supports_sms is True
    assert created.provisioned_through_pure_cloud is False
    assert created.self_uri == f"{NUMBERS}/{created.id}"
    assert created.date_created is not None and created.date_modified is not None
    fetched = routing.get_routing_sms_phonenumber(created.id)
    assert fetched.to_dict() == created.to_dict()


def test_a_number_is_provisioned_only_once(server: Server, admin_token: str, routing: Any) -> None:
    number = fresh_number()
    routing.post_routing_sms_phonenumbers(_provision(number, "mobile"))
    digits = number[2:]
    again = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"  # the same number, written otherwise
    with pytest.raises(ApiException) as twice:
        routing.post_routing_sms_phonenumbers(_provision(again, "local", "US"))
    assert twice.value.status == 409
    listed = routing.get_routing_sms_phonenumbers(phone_number=digits)
    assert [n.phone_number for n in listed.entities] == [number]


def test_short_codes_and_alphanumeric_ids(routing: Any, unique: Any) -> None:
    code = str(random.randint(10_000, 99_999_999))
    short = routing.post_routing_sms_phonenumbers(_provision(code, "shortcode", "us"))
    assert (short.phone_number, short.country_code) == (code, "US")
    sender_id = unique("T")[:11].replace("-", " ")
    alpha = gc.SmsAlphanumericProvision()
    alpha.phone_number = sender_id
    created = routing.post_routing_sms_phonenumbers_alphanumeric(alpha)
    assert created.phone_number == sender_id and created.phone_number_type == "alphanumeric"
    with pytest.raises(ApiException) as twice:  # sender ids are one regardless of case
        alpha.phone_number = sender_id.upper()
        routing.post_routing_sms_phonenumbers_alphanumeric(alpha)
    assert twice.value.status == 409


def test_list_filters_and_sorting(routing: Any) -> None:
    area = "463"  # an Indianapolis overlay this test keeps to itself
    local = [
        routing.post_routing_sms_phonenumbers(_provision(fresh_number(area))) for _ in range(3)
    ]
    tollfree = routing.post_routing_sms_phonenumbers(_provision(fresh_number("888"), "tollfree"))
    mine = {n.id for n in [*local, tollfree]}

    def listed(**filters: Any) -> list[Any]:
        page = routing.get_routing_sms_phonenumbers(page_size=100, **filters)
        return [n for n in page.entities if n.id in mine]

    by_area = listed(phone_number=f"1{area}*")
    assert sorted(n.phone_number for n in by_area) == sorted(n.phone_number for n in local)
    assert [n.phone_number for n in by_area] == sorted(n.phone_number for n in local)
    descending = listed(phone_number=f"1{area}*", sort_by="phoneNumber", sort_order="DESC")
    assert [n.id for n in descending] == [n.id for n in reversed(by_area)]
    assert [n.id for n in listed(phone_number_type=["tollfree"], phone_number="1888*")] == [
        tollfree.id
    ]
    assert {
        n.id for n in listed(phone_number_type=["local", "tollfree"], country_code=["US"])
    } == mine
    assert listed(country_code=["GB"]) == []

    paused = routing.patch_routing_sms_phonenumber(
        local[0].id, {"phoneNumberStatus": "INVALID", "version": 1}
    )
    assert paused.phone_number_status == "INVALID" and paused.version == 2
    assert [n.id for n in listed(phone_number_status=["invalid"])] == [local[0].id]
    assert local[0].id not in {n.id for n in listed(phone_number_status=["active"])}
    # The digits alone match anywhere in the number.
    assert [n.id for n in listed(phone_number=local[1].phone_number[-7:])] == [local[1].id]


def test_patch_changes_the_name_and_checks_the_version(routing: Any) -> None:
    created = routing.post_routing_sms_phonenumbers(_provision(fresh_number()))
    renamed = routing.patch_routing_sms_phonenumber(created.id, {"name": "Alerts", "version": 1})
    assert renamed.name == "Alerts" and renamed.version == 2
    with pytest.raises(ApiException) as stale:
        routing.patch_routing_sms_phonenumber(created.id, {"name": "Old", "version": 1})
    assert stale.value.status == 409
    # Genesys' own patch request carries no version: it applies to the current one.
    patch = gc.SmsPhoneNumberPatchRequest()
    unchanged = routing.patch_routing_sms_phonenumber(created.id, patch)
    assert unchanged.name == "Alerts" and unchanged.phone_number_status == "ACTIVE"
    routing.delete_routing_sms_phonenumber(created.id)
    with pytest.raises(ApiException) as gone:
        routing.get_routing_sms_phonenumber(created.id)
    assert gone.value.status == 404
    # Deleted, the number may be provisioned again.
    assert routing.post_routing_sms_phonenumbers(_provision(created.phone_number)).version == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phoneNumber": "12", "phoneNumberType": "local"}, "phoneNumber"),
        ({"phoneNumber": "{number}", "phoneNumberType": "tollfree"}, "phoneNumberType"),
        ({"phoneNumber": "{number}", "phoneNumberType": "outdated_sdk_version"}, "phoneNumberType"),
        (
            {"phoneNumber": "{number}", "phoneNumberType": "local", "countryCode": "GB"},
            "countryCode",
        ),
        ({"phoneNumberType": "local"}, "phoneNumber"),
        ({"phoneNumber": "{number}"}, "phoneNumberType"),
        ({"phoneNumber": "54321", "phoneNumberType": "shortcode"}, "countryCode"),
        ({"phoneNumber": "12", "phoneNumberType": "shortcode", "countryCode": "US"}, "phoneNumber"),
        ({"phoneNumber": "54321", "phoneNumberType": "alphanumeric"}, "phoneNumber"),
        ({"phoneNumber": "Far Too Long", "phoneNumberType": "alphanumeric"}, "phoneNumber"),
        ({"phoneNumber": "Shop!", "phoneNumberType": "alphanumeric"}, "phoneNumber"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(
    server: Server, admin_token: str, body: dict[str, str], field: str
) -> None:
    number = fresh_number()
    sent = {k: v.format(number=number) for k, v in body.items()}
    status, answer, _ = server.request("POST", NUMBERS, token=admin_token, json_body=sent)
    assert status == 400, answer
    assert field in [d["fieldName"] for d in answer["details"]]
    total = server.request("GET", NUMBERS, token=admin_token)[1]["total"]
    again = server.request("GET", f"{NUMBERS}?phoneNumber={number[1:]}", token=admin_token)[1]
    assert again["total"] == 0 and total >= 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("phoneNumberType=landline", "phoneNumberType"),
        ("phoneNumberStatus=retired", "phoneNumberStatus"),
        ("countryCode=USA", "countryCode"),
        ("sortBy=color", "sortBy"),
        ("sortOrder=sideways", "sortOrder"),
        ("phoneNumber=1%25", "phoneNumber"),
    ],
)
def test_bad_list_parameters_name_the_field(
    server: Server, admin_token: str, query: str, field: str
) -> None:
    status, answer, _ = server.request("GET", f"{NUMBERS}?{query}", token=admin_token)
    assert status == 400, answer
    assert [d["fieldName"] for d in answer["details"]] == [field]


def test_a_bad_patch_changes_nothing(server: Server, admin_token: str, routing: Any) -> None:
    created = routing.post_routing_sms_phonenumbers(_provision(fresh_number()))
    path = f"{NUMBERS}/{created.id}"
    status, answer, _ = server.request(
        "PATCH", path, token=admin_token, json_body={"name": "X", "phoneNumberStatus": "gone"}
    )
    assert status == 400 and answer["details"][0]["fieldName"] == "phoneNumberStatus"
    assert routing.get_routing_sms_phonenumber(created.id).to_dict() == created.to_dict()
