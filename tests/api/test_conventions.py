"""The API conventions every route keeps: error bodies, bodies of `null`, datetimes, paging
limits, correlation ids, rate limits, OpenAPI, health and metrics."""

from __future__ import annotations

import json
import re
import socket
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest

from tests.support.server import Client, Server

ERROR_KEYS = {"message", "code", "status", "contextId", "details", "errors"}


def _assert_error(body: Any, status: int) -> None:
    assert set(body) >= ERROR_KEYS, body
    assert body["status"] == status and body["message"] and body["contextId"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v2/no/such/thing", 404),
        ("GET", "/nothing-here", 404),
        ("PATCH", "/api/v2/authorization/divisions", 405),
        ("DELETE", "/api/v2/oauth/clients", 405),
    ],
)
def test_unknown_routes_and_methods_get_the_error_body(
    server: Server, admin_token: str, method: str, path: str, status: int
) -> None:
    got, body, headers = server.request(method, path, token=admin_token)
    assert got == status
    _assert_error(body, status)
    assert headers["content-type"] == "application/json"


def test_missing_token_gets_401_with_the_error_body(server: Server) -> None:
    status, body, _ = server.request("GET", "/api/v2/authorization/divisions")
    assert status == 401
    _assert_error(body, 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"{not json", "body"),
        (b'{"name": 5, "authorizedGrantType": "CLIENT-CREDENTIALS"}', "name"),
        (b'{"name": "x", "authorizedGrantType": "outdated_sdk_version"}', "authorizedGrantType"),
        (b'{"name": "x", "authorizedGrantType": "CLIENT-CREDENTIALS", "state": null}', "state"),
        (b'{"authorizedGrantType": "CLIENT-CREDENTIALS"}', "name"),
        (
            b'{"name": "x", "authorizedGrantType": "CLIENT-CREDENTIALS", '
            b'"accessTokenValiditySeconds": "abc"}',
            "accessTokenValiditySeconds",
        ),
        (b"null", "body"),
        (b"[]", "body"),
    ],
)
def test_bad_bodies_get_400_naming_the_field_and_create_nothing(
    server: Server, admin_token: str, payload: bytes, field: str
) -> None:
    before = server.request("GET", "/api/v2/oauth/clients?pageSize=1", token=admin_token)[1][
        "total"
    ]
    status, body, _ = server.request(
        "POST",
        "/api/v2/oauth/clients",
        token=admin_token,
        body=payload,
        headers={"Content-Type": "application/json"},
    )
    assert status == 400
    _assert_error(body, 400)
    assert field in {d["fieldName"] for d in body["details"]}, body
    after = server.request("GET", "/api/v2/oauth/clients?pageSize=1", token=admin_token)[1]["total"]
    assert after == before


def test_the_sdk_null_body_is_accepted_where_no_body_is_needed(
    server: Server, admin_token: str, admin_sdk: Any
) -> None:
    client = server.create_client("rotate me", "sender")
    status, body, _ = server.request(
        "POST",
        f"/api/v2/oauth/clients/{client.id}/secret",
        token=admin_token,
        body=b"null",
        headers={"Content-Type": "application/json"},
    )
    assert status == 200 and body["secret"]
    assert gc.OAuthApi(admin_sdk).post_oauth_client_secret(client.id).secret  # SDK sends null


@pytest.mark.parametrize(
    "page",
    [
        "pageSize=101",
        "pageSize=0",
        "pageSize=99999999999999999999999",
        "pageNumber=0",
        "pageSize=abc",
        "pageNumber=-5",
        "pageNumber=99999999999999",
    ],
)
def test_bad_paging_gets_400(server: Server, admin_token: str, page: str) -> None:
    status, body, _ = server.request("GET", f"/api/v2/oauth/clients?{page}", token=admin_token)
    assert status == 400
    _assert_error(body, 400)


def test_past_the_last_page_is_an_empty_page(server: Server, admin_token: str) -> None:
    status, body, _ = server.request(
        "GET", "/api/v2/authorization/divisions?pageNumber=1000", token=admin_token
    )
    assert status == 200 and body["entities"] == [] and body["total"] >= 1


@pytest.mark.parametrize(
    ("sent", "emitted"),
    [
        ("2030-05-01T10:00:00Z", "2030-05-01T10:00:00.000Z"),
        ("2030-05-01T10:00:00+00:00", "2030-05-01T10:00:00.000Z"),
        ("2030-05-01T10:00:00", "2030-05-01T10:00:00.000Z"),
        ("2030-05-01T12:00:00.250+02:00", "2030-05-01T10:00:00.250Z"),
    ],
)
def test_datetimes_in_any_iso_form_come_back_in_utc_with_z(
    server: Server, admin_token: str, sent: str, emitted: str
) -> None:
    status, body = server.post_client(admin_token, dateToDelete=sent)
    assert status == 200, body
    assert body["dateToDelete"] == emitted
    assert body["dateCreated"].endswith("Z")


def test_null_fields_are_omitted(server: Server, admin_token: str) -> None:
    body = server.post_client(admin_token)[1]
    assert "description" not in body and "dateToDelete" not in body
    assert None not in body.values()


def _raw_exchange(server: Server, head: bytes, body_parts: list[bytes]) -> tuple[int, Any]:
    """Speaks HTTP/1.1 by hand, so a body can be declared or streamed without being sent whole."""
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head)
        for part in body_parts:
            sock.sendall(part)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        header_blob, _, rest = answer.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", header_blob, re.I).group(1))  # type: ignore[union-attr]
        while len(rest) < length:
            rest += sock.recv(65536)
    return int(header_blob.split()[1]), json.loads(rest)


def test_a_declared_oversized_body_gets_413_before_it_is_sent(
    server: Server, admin_token: str
) -> None:
    head = (
        "POST /api/v2/authorization/divisions HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {admin_token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {11 * 1024 * 1024}\r\n\r\n"
    ).encode()
    status, body = _raw_exchange(server, head, [])
    assert status == 413
    _assert_error(body, 413)


def test_a_streamed_oversized_body_gets_413(server: Server, admin_token: str) -> None:
    head = (
        "POST /api/v2/authorization/divisions HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {admin_token}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"x" * (1024 * 1024)
    parts = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 11 + [b"0\r\n\r\n"]
    status, body = _raw_exchange(server, head, parts)
    assert status == 413
    _assert_error(body, 413)


def test_correlation_id_is_returned_and_an_incoming_one_is_kept(
    server: Server, admin_token: str
) -> None:
    _status, body, headers = server.request("GET", "/api/v2/no-route", token=admin_token)
    assert headers["inin-correlation-id"] == body["contextId"]
    mine = "order-4711-retry-2"
    _, body, headers = server.request(
        "GET", "/api/v2/no-route", token=admin_token, headers={"ININ-Correlation-Id": mine}
    )
    assert headers["inin-correlation-id"] == mine == body["contextId"]


def test_rate_limit_answers_429_with_retry_after(server: Server, admin_token: str) -> None:
    created = server.post_client(
        admin_token,
        roleDivisions=[{"roleId": "reporting", "divisionId": "*"}],
        rateLimitPerMinute=3,
    )[1]
    token = server.token(Client.of(created))
    answers = [
        server.request("GET", "/api/v2/authorization/divisions", token=token) for _ in range(4)
    ]
    assert [a[0] for a in answers] == [200, 200, 200, 429]
    _status, body, headers = answers[-1]
    _assert_error(body, 429)
    assert body["code"] == "too.many.requests.retry.after"
    assert int(headers["retry-after"]) >= 1
    # Other clients are not affected.
    assert server.request("GET", "/api/v2/authorization/divisions", token=admin_token)[0] == 200


def test_openapi_is_served(server: Server) -> None:
    status, document, _ = server.request("GET", "/openapi.json")
    assert status == 200
    assert "/api/v2/oauth/clients" in document["paths"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_healthz_checks_the_database(server: Server) -> None:
    status, body, _ = server.request("GET", "/healthz")
    assert status == 200 and body == {"status": "ok", "database": "ok"}


def test_metrics_count_requests_by_route(server: Server, admin_token: str) -> None:
    server.request("GET", "/api/v2/authorization/divisions", token=admin_token)
    status, text, headers = server.request("GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert 'route="/api/v2/authorization/divisions"' in text
    assert "tidings_http_request_duration_seconds_bucket" in text


def test_the_sdk_waits_out_a_429_and_succeeds(server: Server, admin_token: str, sdk: Any) -> None:
    """Retry-After makes the official SDK retry transparently instead of failing."""
    created = server.post_client(
        admin_token,
        roleDivisions=[{"roleId": "reporting", "divisionId": "*"}],
        rateLimitPerMinute=60,
    )[1]
    api = gc.AuthorizationApi(sdk(Client.of(created)))
    for _ in range(61):  # one over the burst: the last call meets a 429 and is retried
        assert api.get_authorization_divisions().total >= 1


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/api/v2/authorization/divisions", b'{"name": "a\\u0000b"}'),
        ("GET", "/api/v2/authorization/divisions/a%00b", None),
        ("GET", "/api/v2/authorization/divisions?name=a%00b", None),
    ],
)
def test_nul_characters_are_refused_with_400(
    server: Server, admin_token: str, method: str, path: str, payload: bytes | None
) -> None:
    """PostgreSQL cannot store U+0000: it must be a clear 400, never a 500."""
    status, body, _ = server.request(
        method, path, token=admin_token, body=payload, headers={"Content-Type": "application/json"}
    )
    assert status == 400
    _assert_error(body, 400)


def test_a_nul_in_token_credentials_is_refused(server: Server) -> None:
    form = b"grant_type=client_credentials&client_id=a%00&client_secret=b"
    status, body, _ = server.request("POST", "/oauth/token", body=form)
    assert status == 400 and body["error"] == "invalid_request"


def test_a_datetime_out_of_range_in_utc_is_a_400(server: Server, admin_token: str) -> None:
    status, body = server.post_client(admin_token, dateToDelete="0001-01-01T00:00:00+01:00")
    assert status == 400
    assert "dateToDelete" in {d["fieldName"] for d in body["details"]}


def test_early_years_are_emitted_in_iso_form(server: Server, admin_token: str) -> None:
    status, body = server.post_client(admin_token, dateToDelete="0099-01-01T00:00:00Z")
    assert status == 200 and body["dateToDelete"] == "0099-01-01T00:00:00.000Z"
