"""Who is signed in (a server-side session named by an HTTP-only cookie) and the CSRF check
every unsafe request passes (a per-session token in a form field or an X-CSRF-Token header)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from tidings.bootstrap import Container
from tidings.services.console_users import SignedIn

SESSION_COOKIE = "tidings_session"
# Before a session exists, the sign-in form is tied to the browser by a random cookie that
# the form repeats (double submit): another site cannot sign a victim in to its account.
SIGN_IN_COOKIE = "tidings_sign_in"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NeedSignIn(Exception):
    """No live session: pages redirect to the sign-in form."""


class CsrfRefused(Exception):
    """An unsafe request without the session's CSRF token."""


def container_of(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


async def signed_in(request: Request) -> SignedIn:
    """The signed-in user; on unsafe methods the CSRF token must match the session's."""
    token = request.cookies.get(SESSION_COOKIE)
    found = await container_of(request).console_users.session(token) if token else None
    if found is None:
        raise NeedSignIn
    if request.method not in SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER) or await _form_token(request)
        if not presented or not secrets.compare_digest(presented, found.csrf_token):
            raise CsrfRefused
    request.state.signed_in = found
    return found


async def _form_token(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else None


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=container_of(request).settings.console_secure_cookies,
        httponly=True,
        samesite="lax",
    )


User = Annotated[SignedIn, Depends(signed_in)]
