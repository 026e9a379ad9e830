"""What `tidings serve` runs: the API (/api/v2/..., /oauth/token, ...) and the web console
(/) on one application. The two entry points sit side by side and know nothing of each
other; this module puts them together."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from tidings import bootstrap
from tidings.api.app import create_app
from tidings.config import CONFIG_FILE_ENV, load_settings
from tidings.logs import configure_logging
from tidings.memory import freeze_startup_objects
from tidings.web.app import install_console


def compose(container: bootstrap.Container, *, run_dispatcher: bool | None = None) -> FastAPI:
    app = create_app(container, run_dispatcher=run_dispatcher)
    install_console(app)
    return app


def create() -> FastAPI:
    """The ASGI factory of `tidings serve` (each worker process calls it once)."""
    config = os.environ.get(CONFIG_FILE_ENV)
    settings = load_settings(Path(config) if config else None)
    configure_logging(settings.log_level, settings.log_format, access_log=False)
    app = compose(bootstrap.build(settings))
    freeze_startup_objects()
    return app
