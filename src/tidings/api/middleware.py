"""One pure-ASGI middleware for what every request needs: a correlation id, a body-size
limit, metrics, and a Genesys error body for anything that escapes the routes.
(Starlette's BaseHTTPMiddleware would cost a task and a queue per request.)"""

from __future__ import annotations

import logging
import re
import time
import uuid

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tidings.api.errors import error_body
from tidings.logs import correlation_id

log = logging.getLogger("tidings.api")

CORRELATION_HEADER = b"inin-correlation-id"
_SAFE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tidings_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tidings_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )


class RequestContext:
    def __init__(
        self, app: ASGIApp, metrics: Metrics, max_body_bytes: int, max_upload_bytes: int
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes
        self.max_upload = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        cid = _incoming_id(scope) or str(uuid.uuid4())
        token = correlation_id.set(cid)
        status = 500
        response_started = False
        cid_header = (CORRELATION_HEADER, cid.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", []), cid_header]
            await send(message)

        limit = self.max_upload if scope.get("path", "").startswith(UPLOADS) else self.max_body
        try:
            if self._declared_length(scope) > limit:
                await self._error(send_with_id, 413, _too_large(limit))
            elif _has_nul(scope):
                await self._error(
                    send_with_id, 400, "The path or query contains a NUL character (%00)"
                )
            else:
                await self.app(scope, _limited(receive, limit), send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if not response_started:
                await self._error(
                    send_with_id,
                    500,
                    "An internal error occurred; the context id names it in the log",
                )
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
            correlation_id.reset(token)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    @staticmethod
    async def _error(send: Send, status: int, message: str) -> None:
        body = orjson.dumps(error_body(status, message))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# CSV uploads: their bodies are files, with their own limit.
UPLOADS = "/uploads/"


def _has_nul(scope: Scope) -> bool:
    """PostgreSQL cannot store U+0000; a path or query carrying it is refused up front."""
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == CORRELATION_HEADER and _SAFE_ID.match(value):
            return str(value.decode())
    return None


def _too_large(limit: int) -> str:
    return f"The body is over the limit of {limit} bytes"


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def receive_limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                # An HTTPException passes through FastAPI's body parsing to the handlers.
                raise HTTPException(413, _too_large(limit))
        return message

    return receive_limited
