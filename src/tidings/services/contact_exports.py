"""Contact list exports: a CSV of every contact with its system columns, so a user sees
each contact that cannot be messaged and why. Written in the background, in batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tidings.domain.contact_filters import Criteria
from tidings.domain.contact_lists import ContactList
from tidings.domain.errors import NotFound
from tidings.domain.exports import Export
from tidings.domain.ids import new_id, utcnow
from tidings.ports import ExportFiles, ExportSource, UnitOfWorkFactory
from tidings.services.caller import Caller
from tidings.services.contact_filters import criteria_for
from tidings.services.divisioned import visible

log = logging.getLogger("tidings.exports")

LIST = "Contact list"
EXPORT = "Export"
Spawn = Callable[[Coroutine[Any, Any, None]], None]
Batch = TypeVar("Batch")


class ContactExportService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        source: ExportSource[Batch],
        store: ExportFiles[Batch],
        spawn: Spawn,
    ) -> None:
        """`source` and `store` pass batches in a form they agree on; this never looks
        inside them."""
        self._uow = uow
        self._source: ExportSource[object] = source
        self._store: ExportFiles[Any] = store
        self._spawn = spawn

    async def start(
        self,
        caller: Caller,
        list_id: str,
        contact_ids: Sequence[str] = (),
        *,
        filter_id: str | None = None,
        criteria: Criteria | None = None,
    ) -> Export:
        """Records the export and starts writing it; GET .../export gives it once complete.
        A saved filter or criteria limit it to the contacts a search with them takes (of
        `contact_ids`, when some are given), as they are when the file is written."""
        contact_list = await self._readable(caller, list_id)
        taken: Criteria | None = None
        async with self._uow() as uow:
            if filter_id or criteria:
                taken = await criteria_for(uow, caller, contact_list, filter_id, criteria)
            export = Export(
                id=new_id(), contact_list_id=list_id, state="running", date_created=utcnow()
            )
            await uow.exports.add(export)
            await uow.commit()
        self._spawn(self._write(export.id, contact_list, list(contact_ids), taken))
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

    async def _write(
        self,
        export_id: str,
        contact_list: ContactList,
        ids: list[str],
        criteria: Criteria | None = None,
    ) -> None:
        try:
            rows = await asyncio.to_thread(self._write_file, export_id, contact_list, ids, criteria)
        except Exception as exc:
            log.exception("export failed", extra={"export_id": export_id})
            await self._finish(export_id, "failed", 0, str(exc) or type(exc).__name__)
        else:
            await self._finish(export_id, "complete", rows, None)
            await self._drop_older(contact_list.id, export_id)

    def _write_file(
        self,
        export_id: str,
        contact_list: ContactList,
        ids: list[str],
        criteria: Criteria | None = None,
    ) -> int:
        """Blocking: streams the contacts into the file in a worker thread."""
        sink = self._store.create(export_id, contact_list)
        rows = 0
        try:
            for batch in self._source.batches(contact_list.id, ids, criteria, utcnow()):
                rows += sink.write(batch)
        except BaseException:
            sink.abort()
            raise
        sink.close()
        return rows

    async def _drop_older(self, list_id: str, keep_id: str) -> None:
        """Only the latest export of a list is kept: files are large and hold personal data."""
        async with self._uow() as uow:
            dropped = await uow.exports.drop_older(list_id, keep_id)
            await uow.commit()
        await asyncio.to_thread(self._store.remove, dropped)

    async def _finish(self, export_id: str, state: str, rows: int, error: str | None) -> None:
        async with self._uow() as uow:
            await uow.exports.finish(export_id, state, rows, error, utcnow())
            await uow.commit()
