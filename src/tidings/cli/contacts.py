"""`tidings contacts import LIST_ID FILE`: a CSV into a contact list, with a progress bar,
straight into the database (no running server needed; one that runs sees the contacts)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from tidings import bootstrap
from tidings.cli.common import ConfigOption, settings
from tidings.config import Settings
from tidings.domain.errors import DomainError
from tidings.domain.imports import COMPLETE, IN_PROGRESS, ContactImport
from tidings.domain.permissions import ALL_DIVISIONS, Access, Grant, find_role
from tidings.services.caller import Caller
from tidings.services.contact_imports import ImportOptions

app = typer.Typer(no_args_is_help=True, help="Contacts of contact lists.")


@app.command("import")
def import_contacts(
    list_id: Annotated[str, typer.Argument(help="The contact list's id.")],
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A CSV file.")
    ],
    contact_id_name: Annotated[
        str | None,
        typer.Option("--contact-id-name", help="The column holding contact ids (upserts)."),
    ] = None,
    clear_system_data: Annotated[
        bool,
        typer.Option(help="Reset the callable flags of contacts the file updates."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    config: ConfigOption = None,
) -> None:
    """Import a CSV into a contact list. Exit 0: imported (rows refused one by one are in
    the rejects file it names); 1: the file was refused whole and nothing changed."""
    found = settings(config)
    bootstrap.prepare_storage(found)
    options = ImportOptions(contact_id_name, clear_system_data)
    try:
        job, rejects = asyncio.run(_import(found, list_id, file.resolve(), options, quiet))
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    for warning in job.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if job.state != COMPLETE:
        typer.echo(f"error: {job.failure_reason}; nothing was imported", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"imported {job.imported} contacts from {job.total_records} rows "
        f"({job.rejected} refused, {job.duplicates} repeated ids)"
    )
    if rejects is not None:
        typer.echo(f"refused rows: {rejects}")


def _operator() -> Caller:
    """Whoever runs the command holds the database: they act as an admin everywhere."""
    admin = find_role("admin")
    assert admin is not None
    return Caller("cli", Access("cli", [Grant(admin.id, ALL_DIVISIONS)]), 1_000_000)


async def _import(
    found: Settings, list_id: str, file: Path, options: ImportOptions, quiet: bool
) -> tuple[ContactImport, Path | None]:
    container = bootstrap.build(found)
    try:
        imports = container.imports
        job = await imports.start(_operator(), list_id, imports.new_import_id(), file, options)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=quiet,
        ) as bar:
            task = bar.add_task("rows read", total=job.total_records)
            while job.state == IN_PROGRESS:
                bar.update(task, completed=job.completed_records)
                await asyncio.sleep(0.1)
            bar.update(task, completed=job.completed_records)
        return job, imports.rejects_path(job)
    finally:
        await container.close()
