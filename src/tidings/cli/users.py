"""`tidings user create`: people who sign in to the web console."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from tidings import bootstrap
from tidings.cli.common import ConfigOption, settings
from tidings.config import Settings
from tidings.domain.console_users import ConsoleUser
from tidings.domain.errors import DomainError
from tidings.domain.permissions import ALL_DIVISIONS, Grant, find_role

app = typer.Typer(no_args_is_help=True, help="Users of the web console.")


def grants_of(roles: list[str]) -> list[Grant]:
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


@app.command("create")
def create(
    email: Annotated[str, typer.Option("--email", help="The user's e-mail address.")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="ROLE (in every division) or ROLE@DIVISION_ID; repeatable."),
    ],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Create a console user; the password is asked for (twice) unless --password-stdin."""
    found = settings(config)
    grants = grants_of(role)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    bootstrap.prepare_storage(found)
    try:
        user = asyncio.run(_create(found, email, password, grants))
    except DomainError as exc:
        details = "; ".join(f"{p.field_name}: {p.message}" for p in exc.details)
        typer.echo(f"error: {exc.message}{': ' + details if details else ''}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"created console user {user.email} ({user.id})")


async def _create(found: Settings, email: str, password: str, grants: list[Grant]) -> ConsoleUser:
    container = bootstrap.build(found)
    try:
        return await container.console_users.create(email, password, grants)
    finally:
        await container.close()
