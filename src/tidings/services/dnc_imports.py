"""CSV uploads into DNC lists (`imports.ListImports`): the columns named or recognised,
each number or address checked as the API checks it, the entries added in one go."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tidings.domain.dnc import DncList
from tidings.domain.dnc_imports import DncImport, DncImportPlan, plan_dnc_import
from tidings.domain.imports import CsvHeader, StagedParts, StagedRows
from tidings.ports import (
    DncFileReader,
    ImportFiles,
    ImportRepository,
    StagedDncWriter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from tidings.services.imports import CallerOf, ListImports, Spawn

UPLOAD = "outbound:dncList:upload"


@dataclass(frozen=True)
class DncImportOptions:
    phone_columns: tuple[str, ...] = ()
    email_columns: tuple[str, ...] = ()
    expires_at: datetime | None = None


class DncImportService(ListImports[DncImport, DncList, DncImportOptions, DncImportPlan]):
    KIND = "DNC list"
    UPLOAD = UPLOAD
    EVENT = "DNC_LIST"
    LIST_URI = "/api/v2/outbound/dnclists"
    ADD = "outbound:dnc:add"
    VIEW = "outbound:dncList:view"

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reader: DncFileReader,
        writer: StagedDncWriter,
        files: ImportFiles,
        spawn: Spawn,
        caller_of: CallerOf,
    ) -> None:
        super().__init__(uow, reader, files, spawn, caller_of)
        self._entries = reader
        self._writer = writer

    def _jobs(self, uow: UnitOfWork) -> ImportRepository[DncImport]:
        return uow.dnc_imports

    async def _list(self, uow: UnitOfWork, list_id: str) -> DncList | None:
        return await uow.dnc.get(list_id)

    def _new_job(
        self, import_id: str, list_id: str, state: str, options: DncImportOptions
    ) -> DncImport:
        return DncImport(
            id=import_id,
            list_id=list_id,
            state=state,
            phone_columns=list(options.phone_columns),
            email_columns=list(options.email_columns),
            expires_at=options.expires_at,
        )

    def _options(self, job: DncImport) -> DncImportOptions:
        return DncImportOptions(tuple(job.phone_columns), tuple(job.email_columns), job.expires_at)

    def _plan(self, target: DncList, header: CsvHeader, options: DncImportOptions) -> DncImportPlan:
        return plan_dnc_import(
            target, header.names, list(options.phone_columns), list(options.email_columns)
        )

    def _stage(
        self,
        target: DncList,
        source: Path,
        header: CsvHeader,
        plan: DncImportPlan,
        directory: Path,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedRows:
        return self._entries.stage(source, header, plan, directory, progress, on_part)

    async def _merge(self, job: DncImport, target: DncList, parts: StagedParts) -> None:
        await self._writer.merge(target.id, parts, expires_at=job.expires_at)
