"""Reading the dialer event log. Producers write it in their own unit of work
(`uow.events.record`), so an event is kept exactly when the work it describes is."""

from __future__ import annotations

from tidings.domain.errors import NotFound
from tidings.domain.events import EventLog, EventQuery
from tidings.domain.paging import PageRequest
from tidings.ports import UnitOfWorkFactory
from tidings.services.analytics import visible_divisions
from tidings.services.caller import Caller

VIEW = "outbound:eventLog:view"


class EventLogService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def find(
        self, caller: Caller, page: PageRequest, query: EventQuery
    ) -> tuple[list[EventLog], int]:
        scope = caller.access.require(VIEW)
        async with self._uow() as uow:
            visible = await visible_divisions(uow, scope)
            return await uow.events.list(page, query, visible)

    async def get(self, caller: Caller, event_id: str) -> EventLog:
        scope = caller.access.require(VIEW)
        async with self._uow() as uow:
            found = await uow.events.get(event_id)
            visible = await visible_divisions(uow, scope)
        if found is None or not (
            visible.everywhere
            or (found.division_id is None and visible.include_undivided)
            or found.division_id in visible.division_ids
        ):
            raise NotFound("event", event_id)
        return found
