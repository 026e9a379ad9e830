"""What every command shares: the --config option and the settings it leads to."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tidings.config import ConfigError, Settings, load_settings
from tidings.logs import configure_logging

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="A TOML file of settings (the environment wins over it)."),
]


def settings(config: Path | None, **overrides: object) -> Settings:
    try:
        found = load_settings(config).with_overrides(**overrides)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    configure_logging(found.log_level, found.log_format)
    return found
