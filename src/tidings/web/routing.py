"""Console routes answer with pages, also when they fail: a route class turns a missing
session into the sign-in form, a refused CSRF token into 403, and domain errors into the
status the API would give (403 without the permission, 404 outside the user's divisions)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from tidings.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    MissingPermission,
    NotAllowed,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from tidings.web.rendering import SECURITY_HEADERS, page
from tidings.web.session import CsrfRefused, NeedSignIn

log = logging.getLogger("tidings.web")

_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (MissingPermission, 403),
    (NotAllowed, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
)


def status_of(error: DomainError) -> int:
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 409)


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except NeedSignIn:
                if request.method == "GET" and not _wants_stream(request):
                    target = quote(request.url.path, safe="/")
                    return RedirectResponse(
                        f"/sign-in?next={target}", status_code=303, headers=SECURITY_HEADERS
                    )
                return _error(request, 401, "Your session has ended: sign in again.")
            except CsrfRefused:
                return _error(
                    request,
                    403,
                    "This form was refused: it did not carry this session's security token "
                    "(reload the page and try again).",
                )
            except RequestValidationError as exc:
                fields = ", ".join(str(e.get("loc", ("", ""))[-1]) for e in exc.errors())
                return _error(request, 400, f"Some fields are missing or not valid: {fields}")
            except DomainError as exc:
                return _error(request, status_of(exc), exc.message, exc.details)

        return answer


def _wants_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


def _error(request: Request, status: int, message: str, details: object = ()) -> Response:
    return page(request, "error.html", status, status=status, message=message, details=details)
