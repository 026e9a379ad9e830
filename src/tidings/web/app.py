"""Puts the console's pages and static files on the application that serves the API."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from tidings.web.pages import (
    auth,
    campaign_attempts,
    campaigns,
    contact_lists,
    dnc,
    event_log,
    interactions,
    keywords,
    opt_outs,
    senders,
    simulator,
    templates,
)
from tidings.web.rendering import STATIC


def install_console(app: FastAPI) -> None:
    """Adds the console at `/` (its routes are outside the OpenAPI document)."""
    for module in (
        auth,
        contact_lists,
        dnc,
        templates,
        senders,
        simulator,
        campaigns,
        campaign_attempts,
        interactions,
        event_log,
        opt_outs,
        keywords,
    ):
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
