"""`tidings.api.asgi:create` builds the app from the environment, for ASGI servers that start
several worker processes (each calls it once)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from tidings import bootstrap
from tidings.api.app import create_app
from tidings.config import CONFIG_FILE_ENV, load_settings
from tidings.logs import configure_logging
from tidings.memory import freeze_startup_objects


def create() -> FastAPI:
    config = os.environ.get(CONFIG_FILE_ENV)
    settings = load_settings(Path(config) if config else None)
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(bootstrap.build(settings))
    freeze_startup_objects()
    return app
