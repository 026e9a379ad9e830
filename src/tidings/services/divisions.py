"""Divisions: list, read, create, rename, delete."""

from __future__ import annotations

from collections.abc import Sequence

from tidings.domain.divisions import MAX_NAME_LENGTH, Division
from tidings.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    VersionConflict,
)
from tidings.domain.ids import new_id, utcnow
from tidings.domain.paging import PageRequest
from tidings.ports import UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller

DIVISION = "Division"


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(
            "The division name is not valid",
            details=[FieldProblem("name", "invalid.value", f"1 to {MAX_NAME_LENGTH} characters")],
        )
    return cleaned


class DivisionService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def list(
        self,
        caller: Caller,
        page: PageRequest,
        *,
        name: str | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[Division], int]:
        scope = caller.access.require("authorization:division:view")
        async with self._uow() as uow:
            return await uow.divisions.list(scope, page, name=name, ids=ids)

    async def get(self, caller: Caller, division_id: str) -> Division:
        async with self._uow() as uow:
            return await self._visible(uow, caller, "authorization:division:view", division_id)

    async def home(self, caller: Caller) -> Division:
        async with self._uow() as uow:
            home = await uow.divisions.get_home()
        caller.access.require_in("authorization:division:view", home.id, DIVISION, home.id)
        return home

    async def create(self, caller: Caller, name: str, description: str | None) -> Division:
        caller.access.require("authorization:division:add")
        name = _check_name(name)
        now = utcnow()
        division = Division(
            id=new_id(), name=name, description=description, date_created=now, date_modified=now
        )
        async with self._uow() as uow:
            await self._check_unique(uow, name, None)
            await uow.divisions.add(division)
            await uow.commit()
        return division

    async def update(
        self,
        caller: Caller,
        division_id: str,
        name: str,
        description: str | None,
        version: int | None,
    ) -> Division:
        name = _check_name(name)
        async with self._uow() as uow:
            division = await self._visible(uow, caller, "authorization:division:edit", division_id)
            if version is not None and version != division.version:
                raise VersionConflict(DIVISION, division_id, version, division.version)
            await self._check_unique(uow, name, division_id)
            expected = division.version
            division.name = name
            division.description = description
            division.date_modified = utcnow()
            if not await uow.divisions.update(division, expected):
                raise VersionConflict(DIVISION, division_id, expected, expected + 1)
            await uow.commit()
        return division

    async def delete(self, caller: Caller, division_id: str) -> None:
        async with self._uow() as uow:
            division = await self._visible(
                uow, caller, "authorization:division:delete", division_id
            )
            if division.home_division:
                raise InvalidInput("The home division cannot be deleted")
            _check_empty(await uow.divisions.usage(division_id))
            await uow.divisions.delete(division_id)
            # Counted again inside the delete's transaction: a grant written at this moment
            # (grants have no foreign key, since `*` names every division) is caught here.
            _check_empty(await uow.divisions.usage(division_id))
            await uow.commit()

    @staticmethod
    async def _visible(
        uow: UnitOfWork, caller: Caller, permission: str, division_id: str
    ) -> Division:
        caller.access.require(permission)
        division = await uow.divisions.get(division_id)
        if division is None:
            raise NotFound(DIVISION, division_id)
        caller.access.require_in(permission, division.id, DIVISION, division_id)
        return division

    @staticmethod
    async def _check_unique(uow: UnitOfWork, name: str, own_id: str | None) -> None:
        same = await uow.divisions.find_by_name(name)
        if same is not None and same.id != own_id:
            raise Conflict(f"A division named {same.name!r} already exists")


def _check_empty(usage: dict[str, int]) -> None:
    if usage:
        named = ", ".join(f"{count} {kind}(s)" for kind, count in usage.items())
        raise InvalidInput(f"The division is not empty: {named} name it; move or remove them first")
