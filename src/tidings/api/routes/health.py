"""Liveness/readiness and Prometheus metrics (no token: scraped by infrastructure)."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

from tidings.api.deps import ContainerDep
from tidings.api.errors import error_response
from tidings.api.responses import ok
from tidings.api.schemas.common import ApiModel, ErrorBody
from tidings.config import METRICS_DIR_ENV

router = APIRouter(tags=["Operations"])


class Health(ApiModel):
    status: str
    database: str


@router.get("/healthz", response_model=Health, responses={503: {"model": ErrorBody}})
async def healthz(app: ContainerDep) -> Response:
    if await app.database_ready():
        return ok({"status": "ok", "database": "ok"})
    return error_response(503, "The database is not reachable", "service.unavailable")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    if os.environ.get(METRICS_DIR_ENV):
        # Several API processes: add up what each wrote to the shared directory.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
