"""Contact list exports: a CSV of every contact with its system columns, so a user sees
each contact that cannot be messaged and why. Written in the background, in batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from tidings.domain.contact_lists import Contact, ContactList
from tidings.domain.errors import NotFound
from tidings.domain.exports import Export, header, row
from tidings.domain.ids import new_id, utcnow
from tidings.ports import ExportSink, ExportStore, UnitOfWorkFactory
from tidings.services.caller import Caller
from tidings.services.divisioned import visible

log = logging.getLogger("tidings.exports")

LIST = "Contact list"
EXPORT = "Export"
BATCH = 5_000
Spawn = Callable[[Coroutine[Any, Any, None]], None]


class ContactExportService:
    def __init__(self, uow: UnitOfWorkFactory, store: ExportStore, spawn: Spawn) -> None:
        self._uow = uow
        self._store = store
        self._spawn = spawn

    async def start(self, caller: Caller, list_id: str, contact_ids: Sequence[str] = ()) -> Export:
        """Records the export and starts writing it; GET .../export gives it once complete."""
        contact_list = await self._readable(caller, list_id)
        async with self._uow() as uow:
            export = Export(
                id=new_id(), contact_list_id=list_id, state="running", date_created=utcnow()
            )
            await uow.exports.add(export)
            await uow.commit()
        self._spawn(self._write(export.id, contact_list, list(contact_ids)))
        return export

    async def latest(self, caller: Caller, list_id: str) -> Export:
        await self._readable(caller, list_id)
        async with self._uow() as uow:
            found = await uow.exports.latest_complete(list_id)
        if found is None:
            raise NotFound("Completed export of contact list", list_id)
        return found

    async def file(self, export_id: str) -> Path:
        """The file of a complete export (the caller holds a signed link, checked upstream)."""
        async with self._uow() as uow:
            found = await uow.exports.get(export_id)
        path = self._store.path(export_id)
        if found is None or found.state != "complete" or not path.exists():
            raise NotFound(EXPORT, export_id)
        return path

    async def _readable(self, caller: Caller, list_id: str) -> ContactList:
        async with self._uow() as uow:
            contact_list = await visible(
                caller, "outbound:contactList:view", LIST, list_id, uow.contact_lists.get
            )
        caller.access.require_in("outbound:contact:view", contact_list.division_id, LIST, list_id)
        return contact_list

    async def _write(self, export_id: str, contact_list: ContactList, ids: list[str]) -> None:
        sink: ExportSink | None = None
        rows = 0
        try:
            sink = await asyncio.to_thread(self._store.create, export_id)
            await asyncio.to_thread(sink.write, [header(contact_list)])
            async for batch in self._batches(contact_list.id, ids):
                lines = [row(contact_list, contact) for contact in batch]
                await asyncio.to_thread(sink.write, lines)
                rows += len(lines)
            await asyncio.to_thread(sink.close)
            await self._finish(export_id, "complete", rows, None)
        except Exception as exc:
            log.exception("export failed", extra={"export_id": export_id})
            if sink is not None:
                await asyncio.to_thread(sink.abort)
            await self._finish(export_id, "failed", rows, str(exc) or type(exc).__name__)

    async def _batches(self, list_id: str, ids: list[str]) -> AsyncIterator[list[Contact]]:
        """Contacts in insertion order, a batch per short unit of work."""
        if ids:
            for start in range(0, len(ids), BATCH):
                async with self._uow() as uow:
                    yield await uow.contacts.get_many(list_id, ids[start : start + BATCH])
            return
        seq = 0
        while True:
            async with self._uow() as uow:
                batch, seq = await uow.contacts.batch_after(list_id, seq, BATCH)
            if not batch:
                return
            yield batch

    async def _finish(self, export_id: str, state: str, rows: int, error: str | None) -> None:
        async with self._uow() as uow:
            await uow.exports.finish(export_id, state, rows, error, utcnow())
            await uow.commit()
