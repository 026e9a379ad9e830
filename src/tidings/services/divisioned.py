"""Rules shared by the objects that live in a division (contact lists, DNC lists, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from tidings.domain.errors import FieldProblem, InvalidInput, NotAllowed, NotFound
from tidings.ports import UnitOfWork
from tidings.services.caller import Caller


class InDivision(Protocol):
    @property
    def division_id(self) -> str: ...


T = TypeVar("T", bound=InDivision)


async def visible(
    caller: Caller,
    permission: str,
    kind: str,
    object_id: str,
    load: Callable[[str], Awaitable[T | None]],
) -> T:
    """The object, if it exists and the caller holds `permission` in its division: a caller
    without the permission anywhere gets 403, one without it there gets 404."""
    caller.access.require(permission)
    found = await load(object_id)
    if found is None:
        raise NotFound(kind, object_id)
    caller.access.require_in(permission, found.division_id, kind, object_id)
    return found


async def placed_in(
    uow: UnitOfWork, caller: Caller, permission: str, division_id: str | None
) -> str:
    """The division a new or moved object goes to (the home division when none is named);
    it must exist and the caller must hold `permission` there."""
    if not division_id:
        division_id = (await uow.divisions.get_home()).id
    if not await uow.divisions.existing_ids([division_id]):
        raise InvalidInput(
            "No such division",
            details=[FieldProblem("division.id", "not.found", f"no division {division_id}")],
        )
    if not caller.access.require(permission).includes(division_id):
        raise NotAllowed(f"You do not hold {permission} in division {division_id}")
    return division_id
