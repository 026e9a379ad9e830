"""CSV imports into contact lists (`imports.ListImports`): the header matched to the list's
columns, the contacts checked and upserted by id, the list's size limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tidings.domain.contact_lists import ContactList
from tidings.domain.imports import (
    ContactImport,
    CsvHeader,
    FileRejected,
    ImportPlan,
    StagedParts,
    StagedRows,
    plan_import,
)
from tidings.ports import (
    ContactFileReader,
    ImportFiles,
    ImportRepository,
    StagedContactWriter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from tidings.services.imports import CallerOf, ListImports, Spawn

UPLOAD = "outbound:contactList:upload"


@dataclass(frozen=True)
class ImportOptions:
    contact_id_column: str | None = None
    clear_system_data: bool = False


class ContactImportService(ListImports[ContactImport, ContactList, ImportOptions, ImportPlan]):
    KIND = "Contact list"
    UPLOAD = UPLOAD
    EVENT = "CONTACT_LIST"
    LIST_URI = "/api/v2/outbound/contactlists"
    ADD = "outbound:contact:add"
    VIEW = "outbound:contactList:view"

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
        super().__init__(uow, reader, files, spawn, caller_of)
        self._contacts = reader
        self._writer = writer
        self._max_contacts = max_contacts

    def _jobs(self, uow: UnitOfWork) -> ImportRepository[ContactImport]:
        return uow.contact_imports

    async def _list(self, uow: UnitOfWork, list_id: str) -> ContactList | None:
        return await uow.contact_lists.get(list_id)

    def _new_job(
        self, import_id: str, list_id: str, state: str, options: ImportOptions
    ) -> ContactImport:
        return ContactImport(
            id=import_id,
            list_id=list_id,
            state=state,
            contact_id_column=options.contact_id_column,
            clear_system_data=options.clear_system_data,
        )

    def _options(self, job: ContactImport) -> ImportOptions:
        return ImportOptions(job.contact_id_column, job.clear_system_data)

    def _plan(self, target: ContactList, header: CsvHeader, options: ImportOptions) -> ImportPlan:
        plan = plan_import(target, header.names, options.contact_id_column)
        if header.rows > self._max_contacts:
            raise FileRejected(
                f"The file has {header.rows} rows; a contact list holds at most "
                f"{self._max_contacts} contacts"
            )
        return plan

    def _stage(
        self,
        target: ContactList,
        source: Path,
        header: CsvHeader,
        plan: ImportPlan,
        directory: Path,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedRows:
        return self._contacts.stage(source, header, plan, target, directory, progress, on_part)

    async def _merge(self, job: ContactImport, target: ContactList, parts: StagedParts) -> None:
        await self._writer.merge(
            target.id,
            parts,
            clear_system_data=job.clear_system_data,
            max_contacts=self._max_contacts,
            queued_base=time.time_ns() // 1000 * 1000,
        )
