"""Exporting through a filter: a user narrows a list with a saved filter or ad-hoc criteria
and downloads exactly the contacts a search (and the filter's preview) shows them."""

from __future__ import annotations

import csv
import io
import time
import urllib.request
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server

LISTS = "/api/v2/outbound/contactlists"
STATES = ["CA", "NY", "ca", "TX", ""]


@pytest.fixture
def people(server: Server, admin_token: str, unique: Any) -> str:
    """60 contacts: a state, a balance (some not numbers) and a due date (some not dates)."""
    created = server.request(
        "POST",
        LISTS,
        token=admin_token,
        json_body={
            "name": unique("Filtered export"),
            "columnNames": ["name", "state", "balance", "due", "phone"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )[1]
    contacts = [
        {
            "id": f"p{n:02d}",
            "data": {
                "name": f"=Person {n}" if n % 11 == 0 else f"Person {n}",
                "state": STATES[n % len(STATES)],
                "balance": "unknown" if n % 7 == 0 else f"{(n * 37) % 200}.{n % 10}",
                "due": f"2030-05-{1 + n % 28:02d}" if n % 6 else "soon",
                "phone": f"+1317555{n:04d}",
            },
        }
        for n in range(60)
    ]
    status, _, _ = server.request(
        "POST", f"{LISTS}/{created['id']}/contacts", token=admin_token, json_body=contacts
    )
    assert status == 200
    return str(created["id"])


def _predicate(**fields: Any) -> Any:
    predicate = gc.ContactListFilterPredicate()
    for name, value in fields.items():
        setattr(predicate, name, value)
    return predicate


def _range(**fields: Any) -> Any:
    bounds = gc.ContactListFilterRange()
    for name, value in fields.items():
        setattr(bounds, name, value)
    return bounds


def _criteria(joined: str, *clauses: tuple[str, list[Any]]) -> Any:
    criteria = gc.ContactBulkSearchCriteria()
    criteria.filter_type = joined
    criteria.clauses = []
    for filter_type, predicates in clauses:
        clause = gc.ContactListFilterClause()
        clause.filter_type = filter_type
        clause.predicates = predicates
        criteria.clauses.append(clause)
    return criteria


CASES = {
    "state is CA (case matters)": _criteria(
        "AND", ("AND", [_predicate(column="state", operator="EQUALS", value="CA")])
    ),
    "balance over 100 or due before May 10": _criteria(
        "AND",
        (
            "OR",
            [
                _predicate(
                    column="balance", column_type="numeric", operator="GREATER_THAN", value="100"
                ),
                _predicate(column="due", operator="BEFORE", value="2030-05-10"),
            ],
        ),
    ),
    "not in TX and balance between 20 and 80": _criteria(
        "AND",
        ("AND", [_predicate(column="state", operator="EQUALS", value="TX", inverted=True)]),
        (
            "AND",
            [
                _predicate(
                    column="balance",
                    column_type="numeric",
                    operator="BETWEEN",
                    range=_range(min="20", max="80", min_inclusive=True),
                )
            ],
        ),
    ),
    "name begins with = or state in NY, ca": _criteria(
        "OR",
        ("AND", [_predicate(column="name", operator="BEGINS_WITH", value="=")]),
        (
            "AND",
            [
                _predicate(
                    column="state",
                    operator="IN",
                    range=_range(in_set=["NY", "ca"]),
                )
            ],
        ),
    ),
    "takes nobody": _criteria(
        "AND", ("AND", [_predicate(column="state", operator="EQUALS", value="nowhere")])
    ),
    "no clauses: everybody": _criteria("AND"),
}


def _wait_for(server: Server, token: str, list_id: str, export_id: str) -> list[dict[str, str]]:
    """The rows of this export, once it is the latest complete one."""
    for _ in range(400):
        status, body, _ = server.request("GET", f"{LISTS}/{list_id}/export", token=token)
        if status == 200 and f"/{export_id}?" in body["uri"]:
            with urllib.request.urlopen(body["uri"], timeout=30) as answer:
                text = answer.read().decode("utf-8-sig")
            return list(csv.DictReader(io.StringIO(text)))
        time.sleep(0.05)
    raise AssertionError("the export did not complete")


def _searched(api: Any, list_id: str, request: Any) -> list[str]:
    ids: list[str] = []
    request.page_size, request.page_number = 100, 1
    while True:
        page = api.post_outbound_contactlist_contacts_search(list_id, request)
        ids += [c.id for c in page.entities]
        if request.page_number >= (page.page_count or 0):
            return ids
        request.page_number += 1


@pytest.mark.parametrize("case", list(CASES))
def test_an_export_with_criteria_holds_exactly_what_search_and_preview_take(
    server: Server, admin_sdk: Any, admin_token: str, people: str, unique: Any, case: str
) -> None:
    api = gc.OutboundApi(admin_sdk)
    export_request = gc.ContactsExportRequest()
    export_request.criteria = CASES[case]
    started = api.post_outbound_contactlist_export(people, body=export_request)
    rows = _wait_for(server, admin_token, people, started.id)
    exported = [row["inin-outbound-id"] for row in rows]

    search = gc.ContactListingRequest()
    search.criteria = CASES[case]
    assert exported == _searched(api, people, search)  # same contacts, insertion order

    saved = gc.ContactListFilter()
    saved.name, saved.contact_list = unique("Export filter"), gc.DomainEntityRef()
    saved.contact_list.id = people
    saved.filter_type, saved.clauses = CASES[case].filter_type, CASES[case].clauses
    preview = api.post_outbound_contactlistfilters_preview(saved)
    assert preview.filtered_contacts == len(exported)
    assert [c.id for c in preview.preview or []] == exported[:25]

    created = api.post_outbound_contactlistfilters(saved)
    by_filter = gc.ContactsExportRequest()
    by_filter.contact_list_filter_id = created.id
    again = api.post_outbound_contactlist_export(people, body=by_filter)
    assert [r["inin-outbound-id"] for r in _wait_for(server, admin_token, people, again.id)] == (
        exported
    )


def test_a_filtered_export_keeps_every_column_and_the_chosen_ids_narrow_it(
    server: Server, admin_token: str, people: str
) -> None:
    in_ca = {
        "filterType": "AND",
        "clauses": [
            {
                "filterType": "AND",
                "predicates": [{"column": "state", "operator": "EQUALS", "value": "CA"}],
            }
        ],
    }
    status, started, _ = server.request(
        "POST",
        f"{LISTS}/{people}/export",
        token=admin_token,
        json_body={"criteria": in_ca, "contactIds": ["p00", "p01", "p05", "p10", "p59"]},
    )
    assert status == 200
    rows = _wait_for(server, admin_token, people, started["id"])
    assert [r["inin-outbound-id"] for r in rows] == ["p00", "p05", "p10"]
    assert rows[0]["name"] == "'=Person 0"  # neutralised as in every export
    assert rows[1]["Normalized-phone"] == "+13175550005"
    assert rows[1]["ContactCallable"] == "true"


def test_a_bad_filtered_export_is_refused_and_writes_nothing(
    server: Server, admin_sdk: Any, admin_token: str, people: str, unique: Any
) -> None:
    api = gc.OutboundApi(admin_sdk)
    other = server.request(
        "POST",
        LISTS,
        token=admin_token,
        json_body={"name": unique("Other"), "columnNames": ["state"]},
    )[1]
    elsewhere = gc.ContactListFilter()
    elsewhere.name, elsewhere.contact_list = unique("Other list's"), gc.DomainEntityRef()
    elsewhere.contact_list.id = other["id"]
    elsewhere.clauses = _criteria(
        "AND", ("AND", [_predicate(column="state", operator="EQUALS", value="CA")])
    ).clauses
    foreign = api.post_outbound_contactlistfilters(elsewhere)

    unknown_column = {
        "clauses": [
            {"predicates": [{"column": "nope", "operator": "EQUALS", "value": "x"}]},
        ]
    }
    refusals = [
        ({"contactListFilterId": foreign.id}, 400, "contactListFilterId"),
        ({"contactListFilterId": "no-such-filter"}, 404, None),
        ({"criteria": unknown_column}, 400, "criteria.clauses[0].predicates[0].column"),
        ({"contactListFilterId": foreign.id, "criteria": unknown_column}, 400, "criteria"),
    ]
    for body, expected, field in refusals:
        status, answer, _ = server.request(
            "POST", f"{LISTS}/{people}/export", token=admin_token, json_body=body
        )
        assert status == expected, (body, answer)
        if field is not None:
            assert field in [d.get("fieldName") for d in answer.get("details", [])], answer
    with pytest.raises(ApiException) as none_yet:
        api.get_outbound_contactlist_export(people)
    assert none_yet.value.status == 404  # no export was started
