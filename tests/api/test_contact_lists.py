"""Contact lists and contacts through the official SDK (and raw HTTP where the SDK drops
Tidings' extension fields)."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server

LISTS = "/api/v2/outbound/contactlists"


def _contact_list(name: str, *columns: str) -> Any:
    body = gc.ContactList()
    body.name = name
    body.column_names = list(columns or ("phone", "email", "first"))
    phone = gc.ContactPhoneNumberColumn()
    phone.column_name, phone.type = "phone", "cell"
    email = gc.EmailColumn()
    email.column_name, email.type = "email", "personal"
    body.phone_columns = [phone] if "phone" in body.column_names else []
    body.email_columns = [email] if "email" in body.column_names else []
    return body


def _contact(list_id: str, contact_id: str | None = None, **data: str) -> Any:
    contact = gc.WritableDialerContact()
    contact.contact_list_id = list_id
    contact.id = contact_id
    contact.data = data
    contact.callable = True
    return contact


@pytest.fixture
def outbound(admin_sdk: Any) -> Any:
    return gc.OutboundApi(admin_sdk)


@pytest.fixture
def contact_list(outbound: Any, unique: Any) -> Any:
    return outbound.post_outbound_contactlists(_contact_list(unique("Reminders")))


def test_contact_list_crud_with_versions(outbound: Any, unique: Any, admin_sdk: Any) -> None:
    created = outbound.post_outbound_contactlists(_contact_list(unique("Appointments")))
    home = gc.AuthorizationApi(admin_sdk).get_authorization_divisions_home()
    assert created.version == 1 and created.division.id == home.id
    assert created.phone_columns[0].column_name == "phone"

    created.column_names = [*created.column_names, "reason"]
    updated = outbound.put_outbound_contactlist(created.id, created)
    assert updated.version == 2 and "reason" in updated.column_names

    with pytest.raises(ApiException) as stale:
        outbound.put_outbound_contactlist(created.id, created)  # still carries version 1
    assert stale.value.status == 409

    fetched = outbound.get_outbound_contactlist(created.id, include_size=True)
    assert fetched.size == 0 and fetched.version == 2
    outbound.delete_outbound_contactlist(created.id)
    with pytest.raises(ApiException) as gone:
        outbound.get_outbound_contactlist(created.id)
    assert gone.value.status == 404


def test_lists_filter_by_name_and_report_sizes(outbound: Any, unique: Any) -> None:
    prefix = unique("Billing")
    first = outbound.post_outbound_contactlists(_contact_list(prefix + " one"))
    outbound.post_outbound_contactlists(_contact_list(prefix + " two"))
    outbound.post_outbound_contactlist_contacts(
        first.id, [_contact(first.id, phone="+13175550100")]
    )
    found = outbound.get_outbound_contactlists(name=prefix, include_size=True)
    assert [c.name for c in found.entities] == [prefix + " one", prefix + " two"]
    assert found.entities[0].size == 1
    exact = outbound.get_outbound_contactlists(name=prefix + " two", filter_type="Equals")
    assert [c.name for c in exact.entities] == [prefix + " two"]
    backwards = outbound.get_outbound_contactlists(
        name=prefix, sort_by="name", sort_order="descending"
    )
    assert [c.name for c in backwards.entities] == [prefix + " two", prefix + " one"]


def test_several_lists_are_deleted_by_id(outbound: Any, unique: Any) -> None:
    a = outbound.post_outbound_contactlists(_contact_list(unique("A")))
    b = outbound.post_outbound_contactlists(_contact_list(unique("B")))
    outbound.delete_outbound_contactlists([a.id, b.id])  # ?id=a,b
    assert outbound.get_outbound_contactlists(id=[a.id, b.id]).total == 0


def test_names_are_unique(server: Server, admin_token: str, unique: Any) -> None:
    name = unique("Dup")
    body = {"name": name, "columnNames": ["phone"]}
    assert server.request("POST", LISTS, token=admin_token, json_body=body)[0] == 200
    status, answer, _ = server.request(
        "POST", LISTS, token=admin_token, json_body={**body, "name": name.upper()}
    )
    assert status == 409 and "already exists" in answer["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"columnNames": [f"c{i}" for i in range(51)]}, "columnNames"),
        ({"columnNames": ["x" * 129]}, "columnNames[0]"),
        ({"columnNames": ["phone", "Phone"]}, "columnNames"),
        (
            {"phoneColumns": [{"columnName": "mobile", "type": "cell"}]},
            "phoneColumns[0].columnName",
        ),
        ({"zipCodeColumnName": "phone"}, "zipCodeColumnName"),
        ({"columnNames": []}, "columnNames"),
    ],
)
def test_a_list_breaking_a_limit_is_refused_naming_it(
    server: Server, admin_token: str, unique: Any, change: dict[str, Any], field: str
) -> None:
    body = {"name": unique("Bad"), "columnNames": ["phone"], **change}
    status, answer, _ = server.request("POST", LISTS, token=admin_token, json_body=body)
    assert status == 400, answer
    assert field in {d["fieldName"] for d in answer["details"]}


def test_a_put_without_version_is_refused(server: Server, admin_token: str, unique: Any) -> None:
    created = server.request(
        "POST", LISTS, token=admin_token, json_body={"name": unique("V"), "columnNames": ["a"]}
    )[1]
    status, answer, _ = server.request(
        "PUT",
        f"{LISTS}/{created['id']}",
        token=admin_token,
        json_body={"name": created["name"], "columnNames": ["a", "b"]},
    )
    assert status == 400 and answer["details"][0]["fieldName"] == "version"


def test_contacts_are_normalised_and_invalid_addresses_kept_with_a_reason(
    server: Server, admin_token: str, outbound: Any, contact_list: Any
) -> None:
    added = outbound.post_outbound_contactlist_contacts(
        contact_list.id,
        [
            _contact(
                contact_list.id,
                "ann",
                phone="(317) 555-0100",
                email="Ann@Example.COM",
                first=" Ann ",
            ),
            _contact(contact_list.id, "bad", phone="12", email="not-an-address", first="Bad"),
        ],
        priority=True,
    )
    assert {c.id for c in added} == {"ann", "bad"}
    ann = next(c for c in added if c.id == "ann")
    assert ann.data["first"] == "Ann"  # trimWhitespace is on by default
    assert ann.configuration_overrides.priority is True

    raw = server.request("GET", f"{LISTS}/{contact_list.id}/contacts/ann", token=admin_token)[1]
    assert raw["addressValidation"]["phone"]["address"] == "+13175550100"
    assert raw["addressValidation"]["phone"]["timeZones"] == ["America/New_York"]
    assert raw["addressValidation"]["email"]["address"] == "Ann@example.com"
    bad = server.request("GET", f"{LISTS}/{contact_list.id}/contacts/bad", token=admin_token)[1]
    assert bad["addressValidation"]["phone"]["valid"] is False
    assert bad["addressValidation"]["phone"]["reason"]
    assert bad["addressValidation"]["email"]["valid"] is False


def test_an_existing_id_upserts_and_keeps_system_data_unless_cleared(
    outbound: Any, contact_list: Any
) -> None:
    first = _contact(contact_list.id, "c1", phone="+13175550100", first="Ann")
    first.callable = False
    outbound.post_outbound_contactlist_contacts(contact_list.id, [first])
    again = _contact(contact_list.id, "c1", phone="+13175550100", first="Anna")
    updated = outbound.post_outbound_contactlist_contacts(contact_list.id, [again])[0]
    assert updated.data["first"] == "Anna" and updated.callable is False
    cleared = outbound.post_outbound_contactlist_contacts(
        contact_list.id, [again], clear_system_data=True
    )[0]
    assert cleared.callable is True
    assert outbound.get_outbound_contactlist(contact_list.id, include_size=True).size == 1


def test_a_bad_contact_rejects_the_call_and_adds_nothing(
    server: Server, admin_token: str, contact_list: Any
) -> None:
    status, answer, _ = server.request(
        "POST",
        f"{LISTS}/{contact_list.id}/contacts",
        token=admin_token,
        json_body=[
            {"data": {"phone": "+13175550100"}},
            {"data": {"phone": "+13175550101", "unknown": "x"}},
            {"data": {"first": "y" * 513}},
            {"contactListId": "another-list", "data": {"first": "z"}},
        ],
    )
    assert status == 400
    fields = {d["fieldName"] for d in answer["details"]}
    assert fields == {"[1].data.unknown", "[2].data.first", "[3].contactListId"}
    size = server.request("GET", f"{LISTS}/{contact_list.id}?includeSize=true", token=admin_token)[
        1
    ]["size"]
    assert size == 0


def test_more_than_1000_contacts_in_one_call_is_refused(
    server: Server, admin_token: str, contact_list: Any
) -> None:
    body = [{"data": {"first": str(i)}} for i in range(1001)]
    status, answer, _ = server.request(
        "POST", f"{LISTS}/{contact_list.id}/contacts", token=admin_token, json_body=body
    )
    assert status == 400 and "1000" in answer["message"]


def test_read_replace_and_delete_contacts(outbound: Any, contact_list: Any) -> None:
    outbound.post_outbound_contactlist_contacts(
        contact_list.id,
        [_contact(contact_list.id, f"c{i}", first=f"n{i}", phone="+13175550100") for i in range(4)],
    )
    bulk = outbound.post_outbound_contactlist_contacts_bulk(
        contact_list.id, ["c0", "c1", "missing"]
    )
    assert sorted(c.id for c in bulk) == ["c0", "c1"]

    one = outbound.get_outbound_contactlist_contact(contact_list.id, "c2")
    one.data["first"] = "changed"
    replaced = outbound.put_outbound_contactlist_contact(contact_list.id, "c2", one)
    assert replaced.data["first"] == "changed"

    outbound.delete_outbound_contactlist_contacts(contact_list.id, ["c0", "c1"])
    outbound.delete_outbound_contactlist_contact(contact_list.id, "c2")
    with pytest.raises(ApiException) as gone:
        outbound.get_outbound_contactlist_contact(contact_list.id, "c2")
    assert gone.value.status == 404
    assert outbound.get_outbound_contactlist(contact_list.id, include_size=True).size == 1
    outbound.post_outbound_contactlist_clear(contact_list.id)
    assert outbound.get_outbound_contactlist(contact_list.id, include_size=True).size == 0


def test_a_division_with_a_list_cannot_be_deleted(
    server: Server, admin_token: str, unique: Any
) -> None:
    division = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": unique("D")},
    )[1]
    status, created, _ = server.request(
        "POST",
        LISTS,
        token=admin_token,
        json_body={"name": unique("L"), "columnNames": ["a"], "division": {"id": division["id"]}},
    )
    assert status == 200 and created["division"]["id"] == division["id"]
    status, answer, _ = server.request(
        "DELETE", f"/api/v2/authorization/divisions/{division['id']}", token=admin_token
    )
    assert status == 400 and "1 contact list(s)" in answer["message"]


def test_a_list_cannot_be_created_in_a_division_the_caller_does_not_hold(
    server: Server, admin_token: str, unique: Any
) -> None:
    home = server.request("GET", "/api/v2/authorization/divisions/home", token=admin_token)[1]
    other = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": unique("O")},
    )[1]
    manager = server.token(server.create_client("home manager", f"campaignManager@{home['id']}"))
    status, answer, _ = server.request(
        "POST",
        LISTS,
        token=manager,
        json_body={"name": unique("L"), "columnNames": ["a"], "division": {"id": other["id"]}},
    )
    assert status == 403 and answer["code"] == "not.authorized"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timeZone": "Not/AZone"}, "timeZone"),
        (
            {
                "columnDataTypeSpecifications": [
                    {"columnName": "phone", "columnDataType": "NUMERIC", "min": 5, "max": 1}
                ]
            },
            "columnDataTypeSpecifications[0].min",
        ),
        (
            {
                "columnDataTypeSpecifications": [
                    {"columnName": "phone", "columnDataType": "NUMERIC", "min": 10**40}
                ]
            },
            "columnDataTypeSpecifications[0].min",
        ),
    ],
)
def test_bad_settings_are_400s_not_500s(
    server: Server, admin_token: str, unique: Any, change: dict[str, Any], field: str
) -> None:
    body = {"name": unique("Bad"), "columnNames": ["phone"], **change}
    status, answer, _ = server.request("POST", LISTS, token=admin_token, json_body=body)
    assert status == 400, answer
    assert field in {d["fieldName"] for d in answer["details"]}


def test_a_name_conflict_does_not_echo_the_other_lists_name(
    server: Server, admin_token: str, unique: Any
) -> None:
    name = unique("Secret")
    server.request("POST", LISTS, token=admin_token, json_body={"name": name, "columnNames": ["a"]})
    status, answer, _ = server.request(
        "POST", LISTS, token=admin_token, json_body={"name": name.upper(), "columnNames": ["a"]}
    )
    assert status == 409 and name not in answer["message"]


def test_bulk_ids_with_a_nul_are_a_400(server: Server, admin_token: str, contact_list: Any) -> None:
    status, _, _ = server.request(
        "POST", f"{LISTS}/{contact_list.id}/contacts/bulk", token=admin_token, json_body=["a\u0000"]
    )
    assert status == 400


def test_division_views_outline_the_lists_a_caller_may_search(admin_sdk: Any, unique: Any) -> None:
    api = gc.OutboundApi(admin_sdk)
    body = gc.ContactList()
    body.name = unique("Outlined")
    body.column_names = ["phone", "secret"]
    phone = gc.ContactPhoneNumberColumn()
    phone.column_name, phone.type = "phone", "cell"
    body.phone_columns = [phone]
    created = api.post_outbound_contactlists(body)
    views = api.get_outbound_contactlists_divisionviews(id=[created.id], include_size=True)
    assert [(v.id, v.name, v.size) for v in views.entities] == [(created.id, body.name, 0)]
    view = api.get_outbound_contactlists_divisionview(created.id)
    assert view.division.id == created.division.id
    assert view.column_names == ["phone", "secret"]
    assert view.self_uri.endswith(f"/divisionviews/{created.id}")


def test_every_list_setting_round_trips_through_the_sdk(
    outbound: Any, unique: Any, admin_sdk: Any
) -> None:
    body = _contact_list(unique("Settings"), "phone", "email", "first", "zip", "amount", "mode")
    amount = gc.ColumnDataTypeSpecification()
    amount.column_name, amount.column_data_type, amount.min, amount.max = "amount", "NUMERIC", 0, 9
    first = gc.ColumnDataTypeSpecification()
    first.column_name, first.column_data_type, first.max_length = "first", "TEXT", 40
    body.column_data_type_specifications = [amount, first]
    body.trim_whitespace = False
    body.time_zone = "America/Indiana/Indianapolis"
    body.automatic_time_zone_mapping = True
    body.zip_code_column_name = "zip"
    body.preview_mode_column_name = "mode"
    body.preview_mode_accepted_values = ["preview", "yes"]
    created = outbound.post_outbound_contactlists(body)

    home = gc.AuthorizationApi(admin_sdk).get_authorization_divisions_home()
    for found in (
        outbound.get_outbound_contactlist(created.id),
        outbound.get_outbound_contactlists(id=[created.id], division_id=[home.id]).entities[0],
    ):
        specs = {s.column_name: s for s in found.column_data_type_specifications}
        assert (specs["amount"].column_data_type, specs["amount"].min, specs["amount"].max) == (
            "NUMERIC",
            0,
            9,
        )
        assert (specs["first"].column_data_type, specs["first"].max_length) == ("TEXT", 40)
        assert found.trim_whitespace is False
        assert found.time_zone == "America/Indiana/Indianapolis"
        assert (found.automatic_time_zone_mapping, found.zip_code_column_name) == (True, "zip")
        assert found.preview_mode_column_name == "mode"
        assert found.preview_mode_accepted_values == ["preview", "yes"]
        assert [c.column_name for c in found.email_columns] == ["email"]
    elsewhere = outbound.get_outbound_contactlists(id=[created.id], division_id=["no-such"])
    assert elsewhere.total == 0

    added = outbound.post_outbound_contactlist_contacts(
        created.id, [_contact(created.id, "k", phone="+13175550100", first=" Kim ")]
    )
    assert added[0].data["first"] == " Kim "  # trimWhitespace off keeps the spaces


def test_do_not_queue_keeps_a_contacts_queue_position_and_priority(
    outbound: Any, contact_list: Any
) -> None:
    first = _contact(contact_list.id, "q", phone="+13175550100", first="Ann")
    outbound.post_outbound_contactlist_contacts(contact_list.id, [first], priority=True)
    again = _contact(contact_list.id, "q", phone="+13175550100", first="Anna")
    kept = outbound.post_outbound_contactlist_contacts(contact_list.id, [again], do_not_queue=True)[
        0
    ]
    assert kept.data["first"] == "Anna"
    assert kept.configuration_overrides.priority is True  # still at the front of the queue
    queued = outbound.post_outbound_contactlist_contacts(contact_list.id, [again])[0]
    assert not (queued.configuration_overrides and queued.configuration_overrides.priority)
