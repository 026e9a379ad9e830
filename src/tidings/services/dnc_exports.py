"""DNC list exports: a CSV of a list's entries (address, kind, expiration), written in the
background from a stream of the entries, so a list of millions takes little memory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from tidings.domain.dnc import DncList
from tidings.domain.errors import NotFound
from tidings.domain.ids import new_id
from tidings.ports import DncEntrySource, DncExportFiles, UnitOfWorkFactory
from tidings.services.caller import Caller
from tidings.services.divisioned import visible

log = logging.getLogger("tidings.exports")

DNC = "DNC list"
Spawn = Callable[[Coroutine[Any, Any, None]], None]


class DncExportService:
    def __init__(
        self, uow: UnitOfWorkFactory, source: DncEntrySource, files: DncExportFiles, spawn: Spawn
    ) -> None:
        self._uow = uow
        self._source = source
        self._files = files
        self._spawn = spawn

    async def start(self, caller: Caller, list_id: str) -> str:
        """Starts writing an export; GET .../export gives it once complete."""
        await self._readable(caller, list_id)
        export_id = new_id()
        self._spawn(self._write(list_id, export_id))
        return export_id

    async def latest(self, caller: Caller, list_id: str) -> tuple[str, datetime]:
        """The id and the time of the list's latest complete export."""
        await self._readable(caller, list_id)
        found = await asyncio.to_thread(self._files.latest, list_id)
        if found is None:
            raise NotFound("Completed export of DNC list", list_id)
        return found

    async def file(self, list_id: str, export_id: str) -> Path:
        """The file of a complete export (the caller holds a signed link, checked upstream)."""
        path = await asyncio.to_thread(self._files.path, list_id, export_id)
        if path is None:
            raise NotFound("Export", export_id)
        return path

    async def _readable(self, caller: Caller, list_id: str) -> DncList:
        async with self._uow() as uow:
            found = await visible(caller, "outbound:dncList:view", DNC, list_id, uow.dnc.get)
        caller.access.require_in("outbound:dnc:view", found.division_id, DNC, list_id)
        return found

    async def _write(self, list_id: str, export_id: str) -> None:
        try:
            rows = await asyncio.to_thread(
                self._files.write, list_id, export_id, self._source.entries(list_id)
            )
        except Exception:
            log.exception("DNC export failed", extra={"export_id": export_id})
        else:
            log.info("DNC export written", extra={"export_id": export_id, "rows": rows})
