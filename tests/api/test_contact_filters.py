"""Contact list filters and contact search through the official SDK: a user narrows a list
to the contacts a campaign should reach, previews the result, and searches with sorts."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server

LISTS = "/api/v2/outbound/contactlists"
FILTERS = "/api/v2/outbound/contactlistfilters"
PEOPLE = [
    ("a", "Ann", "CA", "120.50", "2030-05-01"),
    ("b", "Bob", "NY", "80", "2030-06-15"),
    ("c", "Cleo", "CA", "99.99", ""),
    ("d", "Dan", "TX", "not known", "2030-04-30 18:00"),
    ("e", "Eve", "ca", "1000", "2030-05-20"),
]


@pytest.fixture
def people(server: Server, admin_token: str, unique: Any) -> str:
    created = server.request(
        "POST",
        LISTS,
        token=admin_token,
        json_body={
            "name": unique("Filtered"),
            "columnNames": ["name", "state", "balance", "due", "phone"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )[1]
    contacts = [
        {
            "id": contact_id,
            "data": {
                "name": name,
                "state": state,
                "balance": balance,
                "due": due,
                "phone": f"+1317555010{n}",
            },
        }
        for n, (contact_id, name, state, balance, due) in enumerate(PEOPLE)
    ]
    server.request(
        "POST", f"{LISTS}/{created['id']}/contacts", token=admin_token, json_body=contacts
    )
    return str(created["id"])


def _predicate(**fields: Any) -> Any:
    predicate = gc.ContactListFilterPredicate()
    for name, value in fields.items():
        setattr(predicate, name, value)
    return predicate


def _filter(list_id: str, name: str, *clauses: Any, joined: str = "AND") -> Any:
    body = gc.ContactListFilter()
    body.name = name
    body.contact_list = gc.DomainEntityRef()
    body.contact_list.id = list_id
    body.filter_type = joined
    body.clauses = []
    for filter_type, predicates in clauses:
        clause = gc.ContactListFilterClause()
        clause.filter_type = filter_type
        clause.predicates = predicates
        body.clauses.append(clause)
    return body


def test_a_saved_filter_narrows_a_search_and_a_preview(
    admin_sdk: Any, people: str, unique: Any
) -> None:
    api = gc.OutboundApi(admin_sdk)
    rich_in_california = _filter(
        people,
        unique("Rich in CA"),
        ("AND", [_predicate(column="state", operator="EQUALS", value="CA")]),
        (
            "OR",
            [
                _predicate(
                    column="balance", column_type="numeric", operator="GREATER_THAN", value="100"
                ),
                _predicate(column="due", operator="BEFORE", value="2030-05-02"),
            ],
        ),
    )
    created = api.post_outbound_contactlistfilters(rich_in_california)
    assert created.id and created.version == 1
    assert created.clauses[1].predicates[0].column_type == "numeric"

    preview = api.post_outbound_contactlistfilters_preview(rich_in_california)
    assert (preview.filtered_contacts, preview.total_contacts) == (1, 5)
    assert [c.id for c in preview.preview] == ["a"]  # "ca" is not "CA"; 99.99 is not > 100

    request = gc.ContactListingRequest()
    request.contact_list_filter_id = created.id
    found = api.post_outbound_contactlist_contacts_search(people, request)
    assert [c.id for c in found.entities] == ["a"]
    assert found.contacts_count == 1

    listed = api.get_outbound_contactlistfilters(contact_list_id=people)
    assert created.id in [f.id for f in listed.entities]
    retrieve = gc.ContactListFilterBulkRetrieveBody()
    retrieve.ids = [created.id, "no-such-filter"]
    assert [
        f.id for f in api.post_outbound_contactlistfilters_bulk_retrieve(retrieve).entities
    ] == [created.id]


def test_search_with_criteria_sorts_and_pages(admin_sdk: Any, people: str) -> None:
    api = gc.OutboundApi(admin_sdk)
    request = gc.ContactListingRequest()
    request.criteria = gc.ContactBulkSearchCriteria()
    request.criteria.filter_type = "AND"
    clause = gc.ContactListFilterClause()
    clause.filter_type = "AND"
    clause.predicates = [_predicate(column="state", operator="EQUALS", value="TX", inverted=True)]
    request.criteria.clauses = [clause]
    by_balance = gc.ContactSort()
    by_balance.field_name, by_balance.direction, by_balance.numeric = "balance", "DESC", True
    request.contact_sorts = [by_balance]
    request.page_size = 3
    first = api.post_outbound_contactlist_contacts_search(people, request)
    assert [c.id for c in first.entities] == ["e", "a", "c"]  # 1000, 120.50, 99.99
    assert (first.total, first.page_count, first.contacts_count) == (4, 2, 4)
    request.page_number = 2
    assert [
        c.id for c in api.post_outbound_contactlist_contacts_search(people, request).entities
    ] == ["b"]

    by_name = gc.ContactSort()
    by_name.field_name, by_name.direction = "name", "DESC"
    request.contact_sorts, request.page_number, request.page_size = [by_name], 1, 10
    assert [
        c.id for c in api.post_outbound_contactlist_contacts_search(people, request).entities
    ] == [
        "e",
        "c",
        "b",
        "a",
    ]


def test_filter_updates_need_the_version_and_names_are_unique(
    admin_sdk: Any, people: str, unique: Any
) -> None:
    api = gc.OutboundApi(admin_sdk)
    name = unique("Texas")
    body = _filter(
        people, name, ("AND", [_predicate(column="state", operator="IN", range=_in("TX"))])
    )
    created = api.post_outbound_contactlistfilters(body)
    with pytest.raises(ApiException) as duplicate:
        api.post_outbound_contactlistfilters(body)
    assert duplicate.value.status == 409

    body.version = created.version
    body.filter_type = "OR"
    updated = api.put_outbound_contactlistfilter(created.id, body)
    assert (updated.version, updated.filter_type) == (2, "OR")
    with pytest.raises(ApiException) as stale:
        api.put_outbound_contactlistfilter(created.id, body)  # still version 1
    assert stale.value.status == 409

    api.delete_outbound_contactlistfilter(created.id)
    with pytest.raises(ApiException) as gone:
        api.get_outbound_contactlistfilter(created.id)
    assert gone.value.status == 404


def _in(*members: str) -> Any:
    bounds = gc.ContactListFilterRange()
    bounds.in_set = list(members)
    return bounds


@pytest.mark.parametrize(
    ("predicate", "field"),
    [
        ({"column": "nope", "operator": "EQUALS", "value": "x"}, "clauses[0].predicates[0].column"),
        (
            {"column": "balance", "columnType": "numeric", "operator": "CONTAINS", "value": "1"},
            "clauses[0].predicates[0].operator",
        ),
        (
            {"column": "balance", "columnType": "numeric", "operator": "EQUALS", "value": "ten"},
            "clauses[0].predicates[0].value",
        ),
        ({"column": "state", "operator": "BETWEEN"}, "clauses[0].predicates[0].range"),
        (
            {"column": "due", "operator": "AFTER", "value": "tomorrow"},
            "clauses[0].predicates[0].value",
        ),
        (
            {"column": "state", "operator": "SOUNDS_LIKE", "value": "x"},
            "clauses[0].predicates[0].operator",
        ),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(
    server: Server, admin_token: str, people: str, predicate: dict[str, Any], field: str
) -> None:
    status, body, _ = server.request(
        "POST",
        FILTERS,
        token=admin_token,
        json_body={
            "name": "bad",
            "contactList": {"id": people},
            "clauses": [{"filterType": "AND", "predicates": [predicate]}],
        },
    )
    assert status == 400, body
    assert field in [d["fieldName"] for d in body["details"]]
    listed = server.request("GET", f"{FILTERS}?contactListId={people}", token=admin_token)[1]
    assert listed["total"] == 0


def test_a_filter_goes_with_its_list(
    server: Server, admin_sdk: Any, people: str, unique: Any
) -> None:
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_contactlistfilters(
        _filter(
            people,
            unique("Gone"),
            ("AND", [_predicate(column="state", operator="EQUALS", value="CA")]),
        )
    )
    api.delete_outbound_contactlist(people)
    with pytest.raises(ApiException) as gone:
        api.get_outbound_contactlistfilter(created.id)
    assert gone.value.status == 404
