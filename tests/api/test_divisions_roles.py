"""/api/v2/authorization/divisions and /roles, driven by the official SDK."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server


def _division(name: str, description: str | None = None) -> Any:
    body = gc.AuthzDivision()
    body.name = name
    body.description = description
    return body


def test_a_fresh_server_has_a_home_division(admin_sdk: Any) -> None:
    api = gc.AuthorizationApi(admin_sdk)
    home = api.get_authorization_divisions_home()
    assert home.home_division is True and home.name == "Home"
    listing = api.get_authorization_divisions()
    assert listing.entities[0].id == home.id
    assert listing.total >= 1 and listing.page_size == 25


def test_division_crud(admin_sdk: Any, unique: Any) -> None:
    api = gc.AuthorizationApi(admin_sdk)
    name = unique("Collections")
    created = api.post_authorization_divisions(_division(name, "debt reminders"))
    assert created.home_division is False
    assert api.get_authorization_division(created.id).name == name
    renamed = api.put_authorization_division(created.id, _division(name + " EU"))
    assert renamed.name == name + " EU" and renamed.description is None
    found = api.get_authorization_divisions(name=name)
    assert [d.id for d in found.entities] == [created.id]
    api.delete_authorization_division(created.id)
    with pytest.raises(ApiException) as gone:
        api.get_authorization_division(created.id)
    assert gone.value.status == 404


def test_divisions_by_comma_joined_ids(admin_sdk: Any, unique: Any) -> None:
    api = gc.AuthorizationApi(admin_sdk)
    a = api.post_authorization_divisions(_division(unique("A")))
    b = api.post_authorization_divisions(_division(unique("B")))
    listing = api.get_authorization_divisions(id=[a.id, b.id])  # sent as ?id=a,b
    assert {d.id for d in listing.entities} == {a.id, b.id}


def test_division_names_are_unique_regardless_of_case(
    server: Server, admin_token: str, unique: Any
) -> None:
    name = unique("Retail")
    assert (
        server.request(
            "POST", "/api/v2/authorization/divisions", token=admin_token, json_body={"name": name}
        )[0]
        == 200
    )
    status, body, _ = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": name.upper()},
    )
    assert status == 409 and "already exists" in body["message"]


def test_the_home_division_cannot_be_deleted(server: Server, admin_token: str) -> None:
    home = server.request("GET", "/api/v2/authorization/divisions/home", token=admin_token)[1]
    status, body, _ = server.request(
        "DELETE", f"/api/v2/authorization/divisions/{home['id']}", token=admin_token
    )
    assert status == 400 and "home" in body["message"]


def test_a_division_that_grants_name_cannot_be_deleted(
    server: Server, admin_token: str, unique: Any
) -> None:
    division = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": unique("Busy")},
    )[1]
    server.create_client("busy client", f"sender@{division['id']}")
    status, body, _ = server.request(
        "DELETE", f"/api/v2/authorization/divisions/{division['id']}", token=admin_token
    )
    assert status == 400 and "not empty" in body["message"]
    assert (
        server.request(
            "GET", f"/api/v2/authorization/divisions/{division['id']}", token=admin_token
        )[0]
        == 200
    )


def test_a_stale_version_gets_409_and_changes_nothing(
    server: Server, admin_token: str, unique: Any
) -> None:
    path = "/api/v2/authorization/divisions"
    created = server.request("POST", path, token=admin_token, json_body={"name": unique("V")})[1]
    assert created["version"] == 1
    first = server.request(
        "PUT",
        f"{path}/{created['id']}",
        token=admin_token,
        json_body={"name": created["name"] + "2", "version": 1},
    )
    assert first[0] == 200 and first[1]["version"] == 2
    stale = server.request(
        "PUT",
        f"{path}/{created['id']}",
        token=admin_token,
        json_body={"name": created["name"] + "3", "version": 1},
    )
    assert stale[0] == 409 and stale[1]["code"] == "version.mismatch"
    now = server.request("GET", f"{path}/{created['id']}", token=admin_token)[1]
    assert now["name"] == created["name"] + "2" and now["version"] == 2


def test_roles_are_listed_with_their_permissions(admin_sdk: Any) -> None:
    api = gc.AuthorizationApi(admin_sdk)
    roles = {r.name: r for r in api.get_authorization_roles(page_size=100).entities}
    assert {"admin", "campaignManager", "sender", "reporting"} <= set(roles)
    assert "conversation:message:create" in roles["sender"].permissions
    assert "outbound:contactList:add" not in roles["reporting"].permissions
    assert api.get_authorization_role(roles["sender"].id).name == "sender"
    by_permission = api.get_authorization_roles(permission=["conversation:message:create"])
    assert {r.name for r in by_permission.entities} == {"admin", "sender"}


def test_paging_envelope_links(server: Server, admin_token: str, unique: Any) -> None:
    for _ in range(3):
        server.request(
            "POST",
            "/api/v2/authorization/divisions",
            token=admin_token,
            json_body={"name": unique("Page")},
        )
    status, page, _ = server.request(
        "GET", "/api/v2/authorization/divisions?pageSize=2&pageNumber=2", token=admin_token
    )
    assert status == 200
    assert page["pageSize"] == 2 and page["pageNumber"] == 2
    assert page["pageCount"] == -(-page["total"] // 2)
    assert page["previousUri"].endswith("pageSize=2&pageNumber=1")
    assert page["firstUri"] == "/api/v2/authorization/divisions?pageSize=2&pageNumber=1"
    if page["pageCount"] > 2:
        assert page["nextUri"].endswith("pageNumber=3")
    last = server.request("GET", page["lastUri"], token=admin_token)[1]
    assert "nextUri" not in last


def test_a_name_filter_matches_percent_and_underscore_literally(
    server: Server, admin_token: str, unique: Any
) -> None:
    literal = unique("50%_off")
    decoy = unique("50xxoff")
    for name in (literal, decoy):
        server.request(
            "POST", "/api/v2/authorization/divisions", token=admin_token, json_body={"name": name}
        )
    status, found, _ = server.request(
        "GET", "/api/v2/authorization/divisions?name=50%25_off", token=admin_token
    )
    assert status == 200
    names = {d["name"] for d in found["entities"]}
    assert literal in names and decoy not in names


def test_concurrent_creates_of_one_name_give_one_division_and_409s(
    server: Server, admin_token: str, unique: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    name = unique("Race")

    def create(_: int) -> int:
        return server.request(
            "POST", "/api/v2/authorization/divisions", token=admin_token, json_body={"name": name}
        )[0]

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(create, range(8)))
    assert statuses.count(200) == 1 and set(statuses) == {200, 409}


def test_a_name_that_grows_when_case_folded_is_stored(
    server: Server, admin_token: str, unique: Any
) -> None:
    name = "ß" * 200 + unique("")  # "ß" folds to "ss": the key is longer than the name
    status, body, _ = server.request(
        "POST", "/api/v2/authorization/divisions", token=admin_token, json_body={"name": name}
    )
    assert status == 200, body
