"""OAuth client credentials and /api/v2/oauth/clients, driven by the official SDK."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException
from sqlalchemy import create_engine, text

from tests.support.server import Client, Server


def _request(name: str, **fields: Any) -> Any:
    body = gc.OAuthClientRequest()
    body.name = name
    body.authorized_grant_type = "CLIENT-CREDENTIALS"
    for key, value in fields.items():
        setattr(body, key, value)
    return body


def _role_division(role_id: str, division_id: str) -> Any:
    grant = gc.RoleDivision()
    grant.role_id = role_id
    grant.division_id = division_id
    return grant


def _sql(server: Server, statement: str, **params: Any) -> list[Any]:
    engine = create_engine(
        server.env["TIDINGS_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    )
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def test_the_sdk_gets_a_token_and_lists_oauth_clients(admin_sdk: Any, admin: Client) -> None:
    listing = gc.OAuthApi(admin_sdk).get_oauth_clients()
    assert admin.id in [c.id for c in listing.entities]
    assert listing.page_number == 1


def test_token_response_has_the_oauth_fields(server: Server, admin: Client) -> None:
    status, body, headers = server.token_response(admin)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert headers["cache-control"] == "no-store"


def test_form_credentials_work_as_well_as_basic(server: Server, admin: Client) -> None:
    form = f"grant_type=client_credentials&client_id={admin.id}&client_secret={admin.secret}"
    status, body, _ = server.request("POST", "/oauth/token", body=form.encode())
    assert status == 200 and body["access_token"]


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ("grant_type=client_credentials", 401, "invalid_client"),
        ("grant_type=password&username=a&password=b", 400, "unsupported_grant_type"),
        ("", 400, "invalid_request"),
    ],
)
def test_bad_token_requests_get_oauth_errors(
    server: Server, form: str, status: int, error: str
) -> None:
    got, body, _ = server.request("POST", "/oauth/token", body=form.encode())
    assert got == status
    assert body["error"] == error


def test_a_wrong_secret_gets_401(server: Server, admin: Client) -> None:
    with pytest.raises(ApiException) as raised:
        gc.ApiClient(host=server.base_url).get_client_credentials_token(admin.id, "wrong")
    assert raised.value.status == 401


def test_client_crud_and_secret_rotation(admin_sdk: Any, server: Server, unique: Any) -> None:
    api = gc.OAuthApi(admin_sdk)
    home = gc.AuthorizationApi(admin_sdk).get_authorization_divisions_home()
    roles = {
        r.name: r.id for r in gc.AuthorizationApi(admin_sdk).get_authorization_roles().entities
    }
    created = api.post_oauth_clients(
        _request(
            unique("crm"),
            access_token_validity_seconds=600,
            role_divisions=[_role_division(roles["sender"], home.id)],
        )
    )
    assert created.secret and created.authorized_grant_type == "CLIENT-CREDENTIALS"
    assert created.role_divisions[0].division_id == home.id
    first = Client(created.id, created.secret, created.name)
    assert gc.ApiClient(host=server.base_url).get_client_credentials_token(first.id, first.secret)

    fetched = api.get_oauth_client(created.id)
    assert fetched.secret is None, "secrets are stored hashed and shown only once"
    assert fetched.access_token_validity_seconds == 600

    updated = api.put_oauth_client(
        created.id,
        _request(created.name, description="from the CRM", access_token_validity_seconds=900),
    )
    assert updated.description == "from the CRM"
    assert updated.role_divisions == [] or updated.role_divisions is None

    rotated = api.post_oauth_client_secret(created.id)
    assert rotated.secret and rotated.secret != first.secret
    with pytest.raises(ApiException) as old:
        gc.ApiClient(host=server.base_url).get_client_credentials_token(first.id, first.secret)
    assert old.value.status == 401
    assert gc.ApiClient(host=server.base_url).get_client_credentials_token(first.id, rotated.secret)

    api.delete_oauth_client(created.id)
    with pytest.raises(ApiException) as gone:
        api.get_oauth_client(created.id)
    assert gone.value.status == 404


def test_token_lifetime_is_the_clients_validity(server: Server, admin_token: str) -> None:
    status, created = server.post_client(admin_token, accessTokenValiditySeconds=300)
    assert status == 200
    _, token, _ = server.token_response(Client.of(created))
    assert token["expires_in"] == 300


@pytest.mark.parametrize("seconds", [299, 172801, -1])
def test_validity_outside_300_to_172800_is_refused(
    server: Server, admin_token: str, seconds: int
) -> None:
    status, body = server.post_client(admin_token, accessTokenValiditySeconds=seconds)
    assert status == 400
    assert body["details"][0]["fieldName"] == "accessTokenValiditySeconds"


def test_secrets_and_tokens_are_stored_only_as_hashes(server: Server) -> None:
    client = server.create_client("hash check", "reporting")
    token = server.token(client)
    stored = _sql(server, "SELECT secret_digest FROM oauth_clients WHERE id = :id", id=client.id)
    assert stored[0][0] != client.secret and len(stored[0][0]) == 64
    tokens = _sql(server, "SELECT digest FROM oauth_tokens WHERE client_id = :id", id=client.id)
    assert tokens and all(row[0] != token for row in tokens)


def test_an_expired_token_gets_401(server: Server) -> None:
    client = server.create_client("expiring", "admin")
    token = server.token(client)
    past = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    _sql(
        server,
        "UPDATE oauth_tokens SET expires_at = :t WHERE client_id = :id",
        t=past,
        id=client.id,
    )
    status, body, headers = server.request("GET", "/api/v2/authorization/divisions", token=token)
    assert status == 401
    assert body["code"] == "authentication.required"
    assert headers["www-authenticate"].startswith("Bearer")


def test_an_unknown_token_gets_401(server: Server) -> None:
    status, body, _ = server.request("GET", "/api/v2/oauth/clients", token="not-a-token")
    assert status == 401 and body["status"] == 401


def test_disabling_a_client_revokes_its_tokens_and_refuses_new_ones(
    server: Server, admin_token: str
) -> None:
    client = server.create_client("to disable", "admin")
    token = server.token(client)
    assert server.request("GET", "/api/v2/oauth/clients", token=token)[0] == 200
    status, _, _ = server.request(
        "PUT",
        f"/api/v2/oauth/clients/{client.id}",
        token=admin_token,
        json_body={
            "name": client.name,
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "state": "disabled",
        },
    )
    assert status == 200
    assert server.request("GET", "/api/v2/oauth/clients", token=token)[0] == 401
    with pytest.raises(AssertionError, match="401"):
        server.token(client)


def test_deleting_a_client_revokes_its_tokens(server: Server, admin_token: str) -> None:
    client = server.create_client("to delete", "admin")
    token = server.token(client)
    assert (
        server.request("DELETE", f"/api/v2/oauth/clients/{client.id}", token=admin_token)[0] == 204
    )
    assert server.request("GET", "/api/v2/oauth/clients", token=token)[0] == 401


def test_a_client_cannot_grant_more_than_it_holds(server: Server, unique: Any) -> None:
    """An OAuth-client editor confined to one division must not mint an admin client."""
    status, home, _ = server.request(
        "GET",
        "/api/v2/authorization/divisions/home",
        token=server.token(server.create_client("a", "admin")),
    )
    limited = server.create_client("limited", f"admin@{home['id']}")
    status, body, _ = server.request(
        "POST",
        "/api/v2/oauth/clients",
        token=server.token(limited),
        json_body={
            "name": unique("escalate"),
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "roleDivisions": [{"roleId": "admin", "divisionId": "*"}],
        },
    )
    assert status == 400
    assert body["details"][0]["errorCode"] == "permission.escalation"
    allowed = server.request(
        "POST",
        "/api/v2/oauth/clients",
        token=server.token(limited),
        json_body={
            "name": unique("ok"),
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "roleDivisions": [{"roleId": "sender", "divisionId": home["id"]}],
        },
    )
    assert allowed[0] == 200


def test_unknown_roles_and_divisions_are_named_in_the_error(
    server: Server, admin_token: str
) -> None:
    status, body = server.post_client(
        admin_token,
        roleDivisions=[
            {"roleId": "no-such-role", "divisionId": "*"},
            {"roleId": "sender", "divisionId": "no-such-division"},
        ],
    )
    assert status == 400
    fields = {d["fieldName"] for d in body["details"]}
    assert fields == {"roleDivisions[0].roleId", "roleDivisions[1].divisionId"}
    listing = server.request("GET", "/api/v2/oauth/clients?pageSize=100", token=admin_token)[1]
    assert all(not c["name"].startswith("bad grants") for c in listing["entities"])


def test_a_client_that_cannot_use_client_credentials_gets_no_token(
    server: Server, admin_token: str
) -> None:
    status, created = server.post_client(admin_token, authorizedGrantType="CODE")
    assert status == 200
    with pytest.raises(AssertionError, match="400"):
        server.token(Client.of(created))


def test_role_ids_grant_in_the_home_division(server: Server, admin_token: str) -> None:
    home = server.request("GET", "/api/v2/authorization/divisions/home", token=admin_token)[1]
    status, created = server.post_client(admin_token, roleIds=["reporting"])
    assert status == 200
    assert created["roleDivisions"][0]["divisionId"] == home["id"]


def test_putting_back_what_get_returned_changes_no_grants(
    server: Server, admin_token: str, admin_sdk: Any
) -> None:
    division = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": f"roundtrip-{server.create_client('x').id[:8]}"},
    )[1]
    status, created = server.post_client(
        admin_token, roleDivisions=[{"roleId": "sender", "divisionId": division["id"]}]
    )
    read = server.request("GET", f"/api/v2/oauth/clients/{created['id']}", token=admin_token)[1]
    status, written, _ = server.request(
        "PUT", f"/api/v2/oauth/clients/{created['id']}", token=admin_token, json_body=read
    )
    assert status == 200
    assert written["roleDivisions"] == read["roleDivisions"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "/secret", None),
        ("PUT", "", {"name": "taken", "authorizedGrantType": "CLIENT-CREDENTIALS"}),
        ("DELETE", "", None),
    ],
)
def test_a_division_admin_cannot_touch_a_client_that_reaches_further(
    server: Server, admin: Client, admin_token: str, method: str, suffix: str, body: Any
) -> None:
    home = server.request("GET", "/api/v2/authorization/divisions/home", token=admin_token)[1]
    confined = server.token(server.create_client("confined", f"admin@{home['id']}"))
    status, answer, _ = server.request(
        method, f"/api/v2/oauth/clients/{admin.id}{suffix}", token=confined, json_body=body
    )
    assert status == 403 and answer["code"] == "not.authorized"
    assert server.token(admin)  # the global admin is untouched


def test_changing_the_grant_type_ends_the_clients_tokens(server: Server, admin_token: str) -> None:
    client = server.create_client("grant type", "reporting")
    token = server.token(client)
    status, _, _ = server.request(
        "PUT",
        f"/api/v2/oauth/clients/{client.id}",
        token=admin_token,
        json_body={"name": client.name, "authorizedGrantType": "CODE"},
    )
    assert status == 200
    assert server.request("GET", "/api/v2/authorization/divisions", token=token)[0] == 401
