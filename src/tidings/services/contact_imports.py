"""CSV imports into contact lists, in the background: read and checked into a staging
area first, then moved into the list in one transaction, so a file that turns out broken
half way changes nothing, and a file that is fine arrives whole."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tidings.domain.contact_lists import ContactList
from tidings.domain.errors import Conflict, DomainError, NotFound
from tidings.domain.ids import new_id, utcnow
from tidings.domain.imports import (
    AWAITING_UPLOAD,
    COMPLETE,
    FAILED,
    IN_PROGRESS,
    ContactImport,
    CsvHeader,
    FileRejected,
    ImportPlan,
    StagedParts,
    plan_import,
)
from tidings.ports import (
    ContactFileReader,
    ImportFiles,
    StagedContactWriter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from tidings.services.caller import Caller
from tidings.services.divisioned import visible

log = logging.getLogger("tidings.imports")

LIST = "Contact list"
IMPORT = "Import"
UPLOAD = "outbound:contactList:upload"
PROGRESS_SECONDS = 0.5
# An import that has not reported progress for this long was cut short (its process died).
STALE_AFTER = timedelta(minutes=2)
Spawn = Callable[[Coroutine[Any, Any, None]], None]
CallerOf = Callable[[str], Awaitable[Caller]]


@dataclass(frozen=True)
class ImportOptions:
    contact_id_column: str | None = None
    clear_system_data: bool = False


class ContactImportService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reader: ContactFileReader,
        writer: StagedContactWriter,
        files: ImportFiles,
        spawn: Spawn,
        caller_of: CallerOf,
        max_contacts: int = 1_000_000,
    ) -> None:
        self._uow = uow
        self._reader = reader
        self._writer = writer
        self._files = files
        self._spawn = spawn
        self._caller_of = caller_of
        self._max_contacts = max_contacts

    def upload_path(self, import_id: str) -> Path:
        """Where the file of an import is written before it starts."""
        path = self._files.upload(import_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def new_import_id(self) -> str:
        return new_id()

    async def start(
        self,
        caller: Caller,
        list_id: str,
        import_id: str,
        source: Path,
        options: ImportOptions,
        *,
        background: bool = True,
    ) -> ContactImport:
        """Checks the file's header (a bad one is refused here, 400, nothing kept) and
        starts the import. `source` is the import's own file (see `upload_path`) or, from
        the command line, the user's file, which is left in place."""
        try:
            contact_list = await self._allowed(caller, list_id)
            header = await asyncio.to_thread(self._reader.header, source)
            plan = plan_import(contact_list, header.names, options.contact_id_column)
            if header.rows > self._max_contacts:
                raise FileRejected(
                    f"The file has {header.rows} rows; a contact list holds at most "
                    f"{self._max_contacts} contacts"
                )
            job = await self._begin(caller, contact_list, import_id, header, plan, options)
        except BaseException:
            await asyncio.to_thread(self._files.remove, [import_id])
            raise
        work = self._run(job, contact_list, source, header, plan)
        if background:
            self._spawn(work)
        else:
            await work
        return job

    async def prepare_upload(
        self, caller: Caller, list_id: str, options: ImportOptions
    ) -> ContactImport:
        """Records an import that waits for its file (PUT to the upload URL)."""
        await self._allowed(caller, list_id)
        now = utcnow()
        job = ContactImport(
            id=new_id(),
            contact_list_id=list_id,
            state=AWAITING_UPLOAD,
            contact_id_column=options.contact_id_column,
            clear_system_data=options.clear_system_data,
            created_by=caller.client_id,
            date_created=now,
        )
        async with self._uow() as uow:
            await uow.contact_imports.add(job, now)
            await uow.commit()
        return job

    async def awaiting(self, import_id: str) -> None:
        """Refuses a file for an import that does not wait for one (404)."""
        async with self._uow() as uow:
            job = await uow.contact_imports.get(import_id)
        if job is None or job.state != AWAITING_UPLOAD:
            raise NotFound("Upload", import_id)

    async def receive_upload(self, import_id: str, source: Path) -> ContactImport:
        """Starts an import whose file just arrived at its upload URL, on behalf of the
        client that asked for the URL (with the rights it has now)."""
        async with self._uow() as uow:
            job = await uow.contact_imports.get(import_id)
        if job is None or job.state != AWAITING_UPLOAD or job.created_by is None:
            raise NotFound("Upload", import_id)
        caller = await self._caller_of(job.created_by)
        options = ImportOptions(job.contact_id_column, job.clear_system_data)
        return await self.start(caller, job.contact_list_id, import_id, source, options)

    async def status(self, caller: Caller, list_id: str) -> ContactImport:
        async with self._uow() as uow:
            await _visible(uow, caller, "outbound:contactList:view", list_id)
            found = (await uow.contact_imports.latest([list_id])).get(list_id)
        if found is None:
            raise NotFound("Import of contact list", list_id)
        return _as_seen(found)

    async def statuses(self, list_ids: list[str]) -> dict[str, ContactImport]:
        """The imports running or failed, per list (as `includeImportStatus` shows them)."""
        async with self._uow() as uow:
            found = await uow.contact_imports.latest(list_ids)
        seen = {list_id: _as_seen(job) for list_id, job in found.items()}
        return {list_id: job for list_id, job in seen.items() if job.state != COMPLETE}

    def rejects_path(self, job: ContactImport) -> Path | None:
        """Where the rejects file of an ended import is, if it has one."""
        path = self._files.rejects(job.id)
        return path if job.rejected and job.state == COMPLETE and path.exists() else None

    async def rejects_file(self, import_id: str) -> Path:
        """The rejects file of an ended import (the caller holds a signed link)."""
        async with self._uow() as uow:
            job = await uow.contact_imports.get(import_id)
        path = self._files.rejects(import_id)
        if job is None or not job.rejected or job.state != COMPLETE or not path.exists():
            raise NotFound("Rejects file", import_id)
        return path

    async def _allowed(self, caller: Caller, list_id: str) -> ContactList:
        async with self._uow() as uow:
            contact_list = await _visible(uow, caller, UPLOAD, list_id)
        caller.access.require_in("outbound:contact:add", contact_list.division_id, LIST, list_id)
        return contact_list

    async def _begin(
        self,
        caller: Caller,
        contact_list: ContactList,
        import_id: str,
        header: CsvHeader,
        plan: ImportPlan,
        options: ImportOptions,
    ) -> ContactImport:
        now = utcnow()
        async with self._uow() as uow:
            # Two imports started at the same instant may both pass this check; each is a
            # whole upsert of its own file, so the list stays consistent.
            running = (await uow.contact_imports.latest([contact_list.id])).get(contact_list.id)
            if running is not None and _as_seen(running).state == IN_PROGRESS:
                raise Conflict(
                    "An import into this contact list is running; wait for it to end "
                    "(GET .../importstatus)"
                )
            job = await uow.contact_imports.get(import_id)
            fresh = job is None
            job = ContactImport(
                id=import_id,
                contact_list_id=contact_list.id,
                state=IN_PROGRESS,
                contact_id_column=options.contact_id_column,
                clear_system_data=options.clear_system_data,
                total_records=header.rows,
                warnings=list(plan.warnings),
                created_by=caller.client_id,
                date_created=now,
            )
            if fresh:
                await uow.contact_imports.add(job, now)
            else:
                await uow.contact_imports.save(job, now)
            await uow.commit()
        return job

    async def _run(
        self,
        job: ContactImport,
        contact_list: ContactList,
        source: Path,
        header: CsvHeader,
        plan: ImportPlan,
    ) -> None:
        reporter = asyncio.create_task(self._report(job))
        started = time.perf_counter()
        parts = StagedParts()
        merging = asyncio.create_task(
            self._writer.merge(
                contact_list.id,
                parts,
                clear_system_data=job.clear_system_data,
                max_contacts=self._max_contacts,
                queued_base=time.time_ns() // 1000 * 1000,
            )
        )
        try:
            try:
                staged = await asyncio.to_thread(
                    self._reader.stage,
                    source,
                    header,
                    plan,
                    contact_list,
                    self._files.directory(job.id),
                    lambda done: setattr(job, "completed_records", done),
                    parts.put,
                )
            except BaseException:
                parts.fail()
                await asyncio.gather(merging, return_exceptions=True)
                raise
            parts.finish()
            job.rejected, job.duplicates = staged.rejected, staged.duplicates
            log.info(
                "import read",
                extra={"import_id": job.id, "rows": staged.rows, "seconds": _since(started)},
            )
            await merging
        except DomainError as exc:
            await _stop(reporter)
            await self._end(job, FAILED, exc.message)
        except Exception:
            log.exception("import failed", extra={"import_id": job.id})
            await _stop(reporter)
            await self._end(job, FAILED, "The import failed on an internal error; see the log")
        else:
            await _stop(reporter)
            log.info("import merged", extra={"import_id": job.id, "seconds": _since(started)})
            job.imported = staged.rows - staged.duplicates
            await self._end(job, COMPLETE, None)
        finally:
            await _stop(reporter)
            await asyncio.to_thread(self._files.clean, job.id)

    async def _report(self, job: ContactImport) -> None:
        """Writes the progress every half second, so any process can read it."""
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            await self._save(job)

    async def _save(self, job: ContactImport) -> None:
        async with self._uow() as uow:
            await uow.contact_imports.save(job, utcnow())
            await uow.commit()

    async def _end(self, job: ContactImport, state: str, reason: str | None) -> None:
        job.state, job.failure_reason, job.date_completed = state, reason, utcnow()
        if state == COMPLETE:
            job.completed_records = job.total_records
        await self._save(job)
        async with self._uow() as uow:
            dropped = await uow.contact_imports.drop_older(job.contact_list_id, job.id)
            await uow.commit()
        await asyncio.to_thread(self._files.remove, dropped)


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _as_seen(job: ContactImport) -> ContactImport:
    """An import whose process died shows as failed (its changes were never committed)."""
    stale = job.date_modified is not None and utcnow() - job.date_modified > STALE_AFTER
    if job.state == IN_PROGRESS and stale:
        job.state = FAILED
        job.failure_reason = (
            "The import was interrupted (the server stopped); nothing of it was kept"
        )
    return job


async def _visible(uow: UnitOfWork, caller: Caller, permission: str, list_id: str) -> ContactList:
    return await visible(caller, permission, LIST, list_id, uow.contact_lists.get)
