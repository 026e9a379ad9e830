"""The `tidings` command."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from typing import Annotated

import typer
import uvicorn

from tidings import bootstrap
from tidings.cli import contacts, users
from tidings.cli.common import ConfigOption
from tidings.cli.common import settings as _settings
from tidings.config import CONFIG_FILE_ENV, METRICS_DIR_ENV, Settings
from tidings.domain.errors import DomainError
from tidings.domain.oauth import SUPPORTED_GRANT_TYPE, ClientDraft, OAuthClient
from tidings.domain.permissions import ALL_DIVISIONS, Grant, find_role
from tidings.memory import freeze_startup_objects

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
oauth_app = typer.Typer(no_args_is_help=True, help="OAuth clients.")
app.add_typer(db_app, name="db")
app.add_typer(oauth_app, name="oauth-client")
app.add_typer(contacts.app, name="contacts")
app.add_typer(users.app, name="user")


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="API processes (one also runs the dispatcher).")
    ] = None,
) -> None:
    """API, web console and dispatcher in one process (or several with --workers)."""
    settings = _settings(config, host=host, port=port, workers=workers)
    bootstrap.prepare_storage(settings)
    # Worker processes rebuild the settings from the environment: hand them ours.
    os.environ.update(
        TIDINGS_HOST=settings.host,
        TIDINGS_PORT=str(settings.port),
        TIDINGS_WORKERS=str(settings.workers),
    )
    if config is not None:
        os.environ[CONFIG_FILE_ENV] = str(config.resolve())
    if settings.workers > 1:
        metrics_dir = settings.data_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ[METRICS_DIR_ENV] = str(metrics_dir)
    uvicorn.run(
        "tidings.server:create",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=10,
    )


@app.command()
def worker(config: ConfigOption = None) -> None:
    """The dispatcher alone, to scale out beside `serve` (PostgreSQL)."""
    settings = _settings(config)
    if not bootstrap.schema_is_current(settings):
        typer.echo("error: the database schema is not current; run `tidings db upgrade`", err=True)
        raise typer.Exit(1)
    asyncio.run(_run_worker(settings))


async def _run_worker(settings: Settings) -> None:
    container = bootstrap.build(settings)
    lock = container.dispatcher_lock()
    if container.uses_sqlite and not lock.try_acquire():
        await container.close()
        typer.echo(
            "error: another dispatcher (`tidings serve`?) runs on this SQLite database; "
            "SQLite takes one dispatcher, use PostgreSQL to run several",
            err=True,
        )
        raise typer.Exit(1)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        dispatcher = container.dispatcher()
        freeze_startup_objects()
        await dispatcher.run(stop)
    finally:
        lock.release()
        await container.close()


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Create or migrate the database schema to this version."""
    settings = _settings(config)
    bootstrap.prepare_storage(settings)
    typer.echo("database is up to date", err=True)


def _grants(roles: list[str]) -> list[Grant]:
    """`ROLE` grants in every division; `ROLE@DIVISION_ID` in that one division."""
    grants = []
    for spec in roles:
        name, _, division = spec.partition("@")
        role = find_role(name)
        if role is None:
            typer.echo(f"error: no role {name!r}", err=True)
            raise typer.Exit(2)
        grants.append(Grant(role.id, division or ALL_DIVISIONS))
    return grants


@oauth_app.command("create")
def oauth_client_create(
    name: Annotated[str, typer.Option("--name", help="The client's name.")],
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="ROLE (in every division) or ROLE@DIVISION_ID; repeatable."),
    ] = None,
    token_seconds: Annotated[
        int, typer.Option("--token-seconds", help="Access token lifetime.")
    ] = 86_400,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    config: ConfigOption = None,
) -> None:
    """Create a client-credentials OAuth client and print its id and secret."""
    settings = _settings(config)
    bootstrap.prepare_storage(settings)
    draft = ClientDraft(
        name=name,
        authorized_grant_type=SUPPORTED_GRANT_TYPE,
        access_token_validity_seconds=token_seconds,
        grants=_grants(role or []),
    )
    try:
        client, secret = asyncio.run(_create_client(settings, draft))
    except DomainError as exc:
        details = "; ".join(f"{p.field_name}: {p.message}" for p in exc.details)
        typer.echo(f"error: {exc.message}{': ' + details if details else ''}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({"id": client.id, "secret": secret, "name": client.name}))
    else:
        typer.echo(f"id:     {client.id}\nsecret: {secret}\nname:   {client.name}")


async def _create_client(settings: Settings, draft: ClientDraft) -> tuple[OAuthClient, str]:
    container = bootstrap.build(settings)
    try:
        client, secret = await container.oauth.create_client(draft)
        return client, secret
    finally:
        await container.close()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
