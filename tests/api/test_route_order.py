"""The application matches the send routes first (api/app.py: they are the hot ones); that
order must decide nothing else: every route's own path still finds that route whichever
router comes first."""

from __future__ import annotations

import re
from types import ModuleType

from fastapi.routing import APIRoute
from starlette.routing import Match

from tidings.api import app as app_module
from tidings.api.routes import messages, senders


def _routes() -> list[APIRoute]:
    """Every API route, of every router the application includes."""
    modules = [m for m in vars(app_module).values() if isinstance(m, ModuleType)]
    routers = [
        getattr(m, "router", None) for m in modules if m.__name__.startswith("tidings.api.routes.")
    ]
    routers = [r for r in routers if r is not None]
    routers += [senders.numbers, senders.domains]
    return [r for router in routers for r in router.routes if isinstance(r, APIRoute)]


def test_no_other_route_is_taken_by_a_send_route() -> None:
    sends = [r for r in messages.router.routes if isinstance(r, APIRoute)]
    others = [r for r in _routes() if r not in sends]
    assert len(others) > 100 and sends
    for route in others:
        path = re.sub(r"\{[^}]+\}", "x1", route.path)
        for method in route.methods:
            scope = {"type": "http", "path": path, "method": method, "root_path": ""}
            taken = [s.path for s in sends if s.matches(scope)[0] == Match.FULL]
            assert not taken, (method, route.path, taken)
