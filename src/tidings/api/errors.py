"""One map from every failure to the Genesys error body."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from tidings.api.responses import JsonResponse
from tidings.domain.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    InvalidInput,
    MissingPermission,
    NotAllowed,
    NotFound,
    RateLimited,
    Unauthenticated,
    VersionConflict,
)
from tidings.logs import correlation_id

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    MissingPermission: 403,
    NotAllowed: 403,
    NotFound: 404,
    VersionConflict: 409,
    Conflict: 409,
    RateLimited: 429,
}

CODE_BY_STATUS = {
    400: "bad.request",
    401: "authentication.required",
    403: "missing.permissions",
    404: "not.found",
    405: "method.not.allowed",
    406: "not.acceptable",
    409: "conflict",
    413: "request.entity.too.large",
    415: "unsupported.media.type",
    429: "too.many.requests.retry.after",
    500: "internal.server.error",
    503: "service.unavailable",
}


def error_body(
    status: int,
    message: str,
    code: str | None = None,
    details: list[FieldProblem] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message": message,
        "code": code or CODE_BY_STATUS.get(status, "error"),
        "status": status,
        "contextId": correlation_id.get() or "",
        "details": [
            {"errorCode": p.error_code, "fieldName": p.field_name}
            | ({"message": p.message} if p.message else {})
            for p in details or []
        ],
        "errors": [],
    }
    body.update(extra)
    return body


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    details: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JsonResponse:
    return JsonResponse(
        error_body(status, message, code, details, **extra), status_code=status, headers=headers
    )


def _domain_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = next((s for t, s in STATUS_BY_ERROR.items() if isinstance(exc, t)), 400)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_seconds)
        extra["limit"] = {"key": "client.credentials.token.rate.per.minute", "value": exc.limit}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="tidings"'
    if isinstance(exc, MissingPermission):
        extra["messageParams"] = {"permissions": ", ".join(exc.permissions)}
    if isinstance(exc, NotFound):
        extra["entityId"] = exc.entity_id
    return error_response(status, exc.message, exc.code, exc.details, headers, **extra)


def _field_name(location: tuple[Any, ...]) -> str:
    """`("body", "items", 0, "day")` → `items[0].day`, the way the services name fields."""
    name = ""
    for part in location:
        if part in ("body", "query", "path", "header"):
            continue
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        FieldProblem(
            "body" if e.get("type") == "json_invalid" else _field_name(tuple(e.get("loc", ()))),
            str(e.get("type")),
            str(e.get("msg")),
        )
        for e in exc.errors()
    ]
    summary = "; ".join(f"{p.field_name}: {p.message}" for p in problems[:5])
    return error_response(400, f"The request is not valid: {summary}", "bad.request", problems)


def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    message = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else phrase
    if status == 404 and message == phrase:
        message = "No such resource: the path does not name any API route"
    if status == 405:
        message = "This method is not allowed on this resource"
    return error_response(status, message, headers=dict(exc.headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
