"""Callable time sets (organisation-wide, as in Genesys: they have no division)."""

from __future__ import annotations

from dataclasses import replace

from tidings.domain.callable_times import CallableTimeSet
from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, VersionConflict
from tidings.domain.ids import new_id, utcnow
from tidings.domain.paging import PageRequest
from tidings.ports import UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller

SET = "Callable time set"


class CallableTimeSetService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def find(
        self, caller: Caller, page: PageRequest, name: str | None
    ) -> tuple[list[CallableTimeSet], int]:
        caller.access.require("outbound:callableTimeSet:view")
        async with self._uow() as uow:
            return await uow.callable_time_sets.list(page, name=name)

    async def get(self, caller: Caller, set_id: str) -> CallableTimeSet:
        caller.access.require("outbound:callableTimeSet:view")
        async with self._uow() as uow:
            return await _existing(uow, set_id)

    async def create(self, caller: Caller, draft: CallableTimeSet) -> CallableTimeSet:
        caller.access.require("outbound:callableTimeSet:add")
        now = utcnow()
        created = replace(draft, id=new_id(), version=1, date_created=now, date_modified=now)
        _check(created)
        async with self._uow() as uow:
            await _check_unique(uow, created.name, None)
            await uow.callable_time_sets.add(created)
            await uow.commit()
        return created

    async def update(
        self, caller: Caller, set_id: str, draft: CallableTimeSet, version: int | None
    ) -> CallableTimeSet:
        caller.access.require("outbound:callableTimeSet:edit")
        if version is None:
            raise InvalidInput(
                "The callable time set's version is required",
                details=[FieldProblem("version", "required", "send the version you read")],
            )
        async with self._uow() as uow:
            current = await _existing(uow, set_id)
            if version != current.version:
                raise VersionConflict(SET, set_id, version, current.version)
            updated = replace(
                draft,
                id=set_id,
                version=current.version,
                date_created=current.date_created,
                date_modified=utcnow(),
            )
            _check(updated)
            await _check_unique(uow, updated.name, set_id)
            if not await uow.callable_time_sets.update(updated, current.version):
                raise VersionConflict(SET, set_id, current.version, current.version + 1)
            # Contacts waiting for the old windows are decided again against the new ones.
            await uow.campaign_attempts.release_waiting(callable_time_set_id=set_id)
            await uow.commit()
        return updated

    async def delete(self, caller: Caller, set_id: str) -> None:
        caller.access.require("outbound:callableTimeSet:delete")
        async with self._uow() as uow:
            if not await uow.callable_time_sets.delete(set_id):
                raise NotFound(SET, set_id)
            await uow.commit()


def _check(time_set: CallableTimeSet) -> None:
    problems = time_set.problems()
    if problems:
        raise InvalidInput("The callable time set is not valid", details=problems)


async def _existing(uow: UnitOfWork, set_id: str) -> CallableTimeSet:
    found = await uow.callable_time_sets.get(set_id)
    if found is None:
        raise NotFound(SET, set_id)
    return found


async def _check_unique(uow: UnitOfWork, name: str, own_id: str | None) -> None:
    same = await uow.callable_time_sets.find_by_name(name)
    if same is not None and same.id != own_id:
        raise Conflict(f"A callable time set named {same.name!r} already exists")
