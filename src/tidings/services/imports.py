"""CSV imports into lists, in the background: read and checked into a staging area first,
then moved into the list in one transaction, so a file that turns out broken half way
changes nothing, and a file that is fine arrives whole.

`ListImports` is the life of an import, whatever the list: the header check, the job and
its progress (written every half second, so any process can read it), the upload URL,
the status and the rejects file. Contact lists and DNC lists say how a file maps onto
them, how it is staged and how it is merged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from tidings.domain.errors import Conflict, DomainError, NotFound
from tidings.domain.events import ERROR, WARNING, EntityRef, EventLog
from tidings.domain.ids import new_id, utcnow
from tidings.domain.imports import (
    AWAITING_UPLOAD,
    COMPLETE,
    FAILED,
    IN_PROGRESS,
    CsvHeader,
    ImportJob,
    StagedParts,
    StagedRows,
)
from tidings.ports import (
    CsvFileReader,
    ImportFiles,
    ImportRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from tidings.services.caller import Caller
from tidings.services.divisioned import InDivision, visible

log = logging.getLogger("tidings.imports")

PROGRESS_SECONDS = 0.5
# An import that has not reported progress for this long was cut short (its process died).
STALE_AFTER = timedelta(minutes=2)
Spawn = Callable[[Coroutine[Any, Any, None]], None]
CallerOf = Callable[[str], Awaitable[Caller]]


class Plan(Protocol):
    @property
    def warnings(self) -> tuple[str, ...]: ...


J = TypeVar("J", bound=ImportJob)  # the job
L = TypeVar("L", bound=InDivision)  # the list
O = TypeVar("O")  # the options a caller gives  # noqa: E741
P = TypeVar("P", bound=Plan)  # how the file maps onto the list


class ListImports(ABC, Generic[J, L, O, P]):
    KIND: str  # "Contact list"
    UPLOAD: str  # the permission to upload into a list
    ADD: str  # the permission to add to a list, held in its division
    VIEW: str  # the permission to read the import status
    EVENT: str  # the event log's name prefix: "CONTACT_LIST"
    LIST_URI: str  # where a list is read: "/api/v2/outbound/contactlists"

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reader: CsvFileReader,
        files: ImportFiles,
        spawn: Spawn,
        caller_of: CallerOf,
    ) -> None:
        self._uow = uow
        self._reader = reader
        self._files = files
        self._spawn = spawn
        self._caller_of = caller_of

    # --- what each kind of list says ---------------------------------------------------

    @abstractmethod
    def _jobs(self, uow: UnitOfWork) -> ImportRepository[J]: ...

    @abstractmethod
    async def _list(self, uow: UnitOfWork, list_id: str) -> L | None: ...

    @abstractmethod
    def _new_job(self, import_id: str, list_id: str, state: str, options: O) -> J: ...

    @abstractmethod
    def _options(self, job: J) -> O: ...

    @abstractmethod
    def _plan(self, target: L, header: CsvHeader, options: O) -> P:
        """How the file maps onto the list; raises FileRejected (400, nothing kept)."""

    @abstractmethod
    def _stage(
        self,
        target: L,
        source: Path,
        header: CsvHeader,
        plan: P,
        directory: Path,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedRows:
        """Blocking: reads and checks the file into staged parts."""

    @abstractmethod
    async def _merge(self, job: J, target: L, parts: StagedParts) -> None:
        """Moves the staged parts into the list, in one transaction."""

    # --- the life of an import ---------------------------------------------------------

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
        options: O,
        *,
        background: bool = True,
    ) -> J:
        """Checks the file's header (a bad one is refused here, 400, nothing kept) and
        starts the import. `source` is the import's own file (see `upload_path`) or, from
        the command line, the user's file, which is left in place."""
        try:
            target = await self._allowed(caller, list_id)
            header = await asyncio.to_thread(self._reader.header, source)
            plan = self._plan(target, header, options)
            job = await self._begin(caller, list_id, import_id, header, plan, options)
        except BaseException:
            await asyncio.to_thread(self._files.remove, [import_id])
            raise
        work = self._run(job, target, source, header, plan)
        if background:
            self._spawn(work)
        else:
            await work
        return job

    async def prepare_upload(self, caller: Caller, list_id: str, options: O) -> J:
        """Records an import that waits for its file (PUT to the upload URL)."""
        await self._allowed(caller, list_id)
        now = utcnow()
        job = self._new_job(new_id(), list_id, AWAITING_UPLOAD, options)
        job.created_by, job.date_created = caller.client_id, now
        async with self._uow() as uow:
            await self._jobs(uow).add(job, now)
            await uow.commit()
        return job

    async def awaits_file(self, import_id: str) -> bool:
        """Does this import wait for its file (an upload URL was handed out for it)?"""
        async with self._uow() as uow:
            job = await self._jobs(uow).get(import_id)
        return job is not None and job.state == AWAITING_UPLOAD

    async def receive_upload(self, import_id: str, source: Path) -> J:
        """Starts an import whose file just arrived at its upload URL, on behalf of the
        client that asked for the URL (with the rights it has now)."""
        async with self._uow() as uow:
            job = await self._jobs(uow).get(import_id)
        if job is None or job.state != AWAITING_UPLOAD or job.created_by is None:
            raise NotFound("Upload", import_id)
        caller = await self._caller_of(job.created_by)
        return await self.start(caller, job.list_id, import_id, source, self._options(job))

    async def status(self, caller: Caller, list_id: str) -> J:
        async with self._uow() as uow:
            await self._visible(uow, caller, self.VIEW, list_id)
            found = (await self._jobs(uow).latest([list_id])).get(list_id)
        if found is None:
            raise NotFound(f"Import of {self.KIND.lower()}", list_id)
        return _as_seen(found)

    async def statuses(self, list_ids: list[str]) -> dict[str, J]:
        """The imports running or failed, per list (as `includeImportStatus` shows them)."""
        async with self._uow() as uow:
            found = await self._jobs(uow).latest(list_ids)
        seen = {list_id: _as_seen(job) for list_id, job in found.items()}
        return {list_id: job for list_id, job in seen.items() if job.state != COMPLETE}

    def rejects_path(self, job: J) -> Path | None:
        """Where the rejects file of an ended import is, if it has one."""
        path = self._files.rejects(job.id)
        return path if job.rejected and job.state == COMPLETE and path.exists() else None

    async def rejects_file(self, import_id: str) -> Path | None:
        """The rejects file of an ended import of this kind (the caller holds a signed
        link), if there is one."""
        async with self._uow() as uow:
            job = await self._jobs(uow).get(import_id)
        return None if job is None else self.rejects_path(job)

    async def _visible(self, uow: UnitOfWork, caller: Caller, permission: str, list_id: str) -> L:
        return await visible(caller, permission, self.KIND, list_id, lambda i: self._list(uow, i))

    async def _allowed(self, caller: Caller, list_id: str) -> L:
        async with self._uow() as uow:
            target = await self._visible(uow, caller, self.UPLOAD, list_id)
        caller.access.require_in(self.ADD, target.division_id, self.KIND, list_id)
        return target

    async def _begin(
        self,
        caller: Caller,
        list_id: str,
        import_id: str,
        header: CsvHeader,
        plan: P,
        options: O,
    ) -> J:
        now = utcnow()
        async with self._uow() as uow:
            jobs = self._jobs(uow)
            # Two imports started at the same instant may both pass this check; each is a
            # whole upsert of its own file, so the list stays consistent.
            running = (await jobs.latest([list_id])).get(list_id)
            if running is not None and _as_seen(running).state == IN_PROGRESS:
                raise Conflict(
                    f"An import into this {self.KIND.lower()} is running; wait for it to end "
                    "(GET .../importstatus)"
                )
            fresh = await jobs.get(import_id) is None
            job = self._new_job(import_id, list_id, IN_PROGRESS, options)
            job.total_records, job.warnings = header.rows, list(plan.warnings)
            job.created_by, job.date_created = caller.client_id, now
            if fresh:
                await jobs.add(job, now)
            else:
                await jobs.save(job, now)
            await uow.commit()
        return job

    async def _run(self, job: J, target: L, source: Path, header: CsvHeader, plan: P) -> None:
        reporter = asyncio.create_task(self._report(job))
        started = time.perf_counter()
        parts = StagedParts()
        merging = asyncio.create_task(self._merge(job, target, parts))
        try:
            try:
                staged = await asyncio.to_thread(
                    self._stage,
                    target,
                    source,
                    header,
                    plan,
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
            await self._end(job, FAILED, exc.message, target)
        except Exception:
            log.exception("import failed", extra={"import_id": job.id})
            await _stop(reporter)
            await self._end(
                job, FAILED, "The import failed on an internal error; see the log", target
            )
        else:
            await _stop(reporter)
            log.info("import merged", extra={"import_id": job.id, "seconds": _since(started)})
            job.imported = staged.rows - staged.duplicates
            if staged.blank:
                job.warnings.append(f"Rows with every cell empty, skipped: {staged.blank}")
            await self._end(job, COMPLETE, None, target)
        finally:
            await _stop(reporter)
            await asyncio.to_thread(self._files.clean, job.id)

    async def _report(self, job: J) -> None:
        """Writes the progress every half second, so any process can read it."""
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            await self._save(job)

    async def _save(self, job: J, event: EventLog | None = None) -> None:
        async with self._uow() as uow:
            await self._jobs(uow).save(job, utcnow())
            if event is not None:  # kept exactly when the end of the import is
                await uow.events.record(event)
            await uow.commit()

    async def _end(self, job: J, state: str, reason: str | None, target: L) -> None:
        job.state, job.failure_reason, job.date_completed = state, reason, utcnow()
        if state == COMPLETE:
            job.completed_records = job.total_records
        await self._save(job, self._event(job, target))
        async with self._uow() as uow:
            dropped = await self._jobs(uow).drop_older(job.list_id, job.id)
            await uow.commit()
        await asyncio.to_thread(self._files.remove, dropped)

    def _event(self, job: J, target: L) -> EventLog | None:
        """The event log's entry for an import that failed or refused rows."""
        name = getattr(target, "name", None)
        what = f"the {self.KIND.lower()} {name!r}" if name else f"the {self.KIND.lower()}"
        ref = EntityRef(job.list_id, name, f"{self.LIST_URI}/{job.list_id}")
        if job.state == FAILED:
            level, event_name = ERROR, f"{self.EVENT}_IMPORT_FAILED"
            message = f"The import into {what} failed: {job.failure_reason}"
        elif job.rejected:
            level, event_name = WARNING, f"{self.EVENT}_IMPORT_ROWS_REJECTED"
            message = (
                f"The import into {what} rejected {job.rejected} of {job.total_records} rows; "
                "the rejects file lists them with the reason"
            )
        else:
            return None
        return EventLog(
            id=new_id(),
            level=level,
            category="IMPORT_ERROR",
            name=event_name,
            message=message,
            timestamp=utcnow(),
            code=None,  # none of the SDK's codes says this; `name` does
            params={"importId": job.id, "rejected": job.rejected, "total": job.total_records},
            error_entity=ref,
            related_entity=ref,
            correlation_id=job.id,
            division_id=target.division_id,
        )


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _as_seen(job: J) -> J:
    """An import whose process died shows as failed (its changes were never committed)."""
    stale = job.date_modified is not None and utcnow() - job.date_modified > STALE_AFTER
    if job.state == IN_PROGRESS and stale:
        job.state = FAILED
        job.failure_reason = (
            "The import was interrupted (the server stopped); nothing of it was kept"
        )
    return job
