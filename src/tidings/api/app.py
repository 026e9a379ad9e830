"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from tidings import __version__
from tidings.api.errors import install_error_handlers
from tidings.api.middleware import Metrics, RequestContext
from tidings.api.responses import JsonResponse
from tidings.api.routes import (
    analytics,
    authorization,
    callable_time_sets,
    campaigns,
    contact_filters,
    contact_lists,
    dnc,
    dnc_exports,
    events,
    exports,
    health,
    imports,
    messages,
    oauth_clients,
    opt_outs,
    response_libraries,
    responses,
    senders,
    simulator,
    token,
    twilio_webhooks,
    unsubscribe,
    webhooks,
)
from tidings.api.schemas.common import ErrorBody
from tidings.bootstrap import Container

log = logging.getLogger("tidings.api")

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "The request is not valid",
        401: "No valid access token",
        403: "A permission is missing",
        404: "Not found (or in a division the caller cannot see)",
        409: "Version conflict",
        429: "Rate limited; see Retry-After",
    }.items()
}


def create_app(container: Container, *, run_dispatcher: bool | None = None) -> FastAPI:
    start_dispatcher = (
        container.settings.run_dispatcher if run_dispatcher is None else run_dispatcher
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = None
        lock = container.dispatcher_lock()
        if start_dispatcher and lock.try_acquire():
            task = asyncio.create_task(container.dispatcher().run(stop), name="dispatcher")
        elif start_dispatcher:
            log.info("another process of this data directory runs the dispatcher")
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            lock.release()
            await container.close()

    app = FastAPI(
        title="Tidings",
        version=__version__,
        description="SMS and email notifications with a Genesys Cloud-compatible API",
        default_response_class=JsonResponse,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.container = container
    app.state.metrics = Metrics()
    install_error_handlers(app)
    # A request is matched against the routes in this order, one pattern after another
    # (about 130): the sends, called thousands of times a second, come first (no path of
    # theirs overlaps another router's, so the order decides nothing else).
    for module in (
        messages,
        token,
        oauth_clients,
        authorization,
        contact_lists,
        contact_filters,
        callable_time_sets,
        dnc,
        dnc_exports,
        exports,
        imports,
        campaigns,
        simulator,
        response_libraries,
        responses,
        health,
        twilio_webhooks,
        analytics,
        events,
        opt_outs,
        webhooks,
        unsubscribe,
    ):
        app.include_router(module.router)
    app.include_router(senders.numbers)
    app.include_router(senders.domains)
    app.add_middleware(
        RequestContext,
        metrics=app.state.metrics,
        max_body_bytes=container.settings.max_body_bytes,
        max_upload_bytes=container.settings.max_upload_bytes,
    )
    _bearer_security(app)
    return app


def _bearer_security(app: FastAPI) -> None:
    """Declares the bearer token in the OpenAPI document, so tools send it."""

    def schema() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, routes=app.routes)
        document.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}
        }
        document["security"] = [{"bearer": []}]
        app.openapi_schema = document
        return document

    app.openapi = schema  # type: ignore[method-assign]
