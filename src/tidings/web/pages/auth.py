"""Sign-in, sign-out and the home page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from tidings.domain.console_users import SIGN_IN_REFUSED
from tidings.domain.errors import Unauthenticated
from tidings.web.rendering import SECURITY_HEADERS, page, sections
from tidings.web.routing import ConsoleRoute
from tidings.web.session import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    CsrfRefused,
    User,
    container_of,
    set_cookie,
)

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path of this site: `//evil.example` or a full URL would be an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _sign_in_form(request: Request, status: int = 200, error: str | None = None) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = page(
        request,
        "sign_in.html",
        status,
        sign_in_token=nonce,
        next=_safe_next(request.query_params.get("next")),
        error=error,
    )
    set_cookie(request, response, SIGN_IN_COOKIE, nonce, max_age=3600)
    return response


@router.get("/sign-in")
async def sign_in_form(request: Request) -> Response:
    return _sign_in_form(request)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next_path: Annotated[str, Form(alias="next")] = "/",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise CsrfRefused
    try:
        token, _ = await container_of(request).console_users.sign_in(email, password)
    except Unauthenticated:
        return _sign_in_form(request, 401, SIGN_IN_REFUSED)
    response = RedirectResponse(_safe_next(next_path), status_code=303, headers=SECURITY_HEADERS)
    hours = container_of(request).settings.console_session_hours
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(hours * 3600))
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, user: User) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    await container_of(request).console_users.sign_out(token)
    response = RedirectResponse("/sign-in", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
async def home(request: Request, user: User) -> Response:
    found = sections(user)
    if found:
        return RedirectResponse(found[0][1], status_code=303, headers=SECURITY_HEADERS)
    return page(request, "home.html")
