"""Rules shared by the objects that live in a division (contact lists, DNC lists, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Protocol, TypeVar

from tidings.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotAllowed,
    NotFound,
    VersionConflict,
)
from tidings.domain.ids import new_id, utcnow
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


class Named(InDivision, Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> int: ...

    def problems(self) -> list[FieldProblem]: ...


N = TypeVar("N", bound=Named)


class NamedRepository(Protocol[N]):
    async def get(self, object_id: str) -> N | None: ...

    async def find_by_name(self, name: str) -> N | None: ...

    async def add(self, item: N) -> None: ...

    async def update(self, item: N, expected_version: int) -> bool: ...


async def create(
    uow: UnitOfWork,
    caller: Caller,
    permission: str,
    kind: str,
    repository: NamedRepository[N],
    draft: N,
) -> N:
    """Adds a named object to its division (the home division when the draft names none)."""
    caller.access.require(permission)
    division_id = await placed_in(uow, caller, permission, draft.division_id)
    now = utcnow()
    created = replace(  # type: ignore[type-var]
        draft, id=new_id(), division_id=division_id, version=1, date_created=now, date_modified=now
    )
    await _check(repository, kind, created, None)
    await repository.add(created)
    return created


async def update(
    uow: UnitOfWork,
    caller: Caller,
    permission: str,
    kind: str,
    repository: NamedRepository[N],
    object_id: str,
    draft: N,
    version: int | None,
) -> N:
    """Replaces a named object; `version` must be the one stored (Genesys requires it)."""
    if version is None:
        raise InvalidInput(
            f"The {kind}'s version is required",
            details=[FieldProblem("version", "required", "send the version you read")],
        )
    current = await visible(caller, permission, kind, object_id, repository.get)
    if version != current.version:
        raise VersionConflict(kind, object_id, version, current.version)
    division_id = draft.division_id or current.division_id
    if division_id != current.division_id:
        await placed_in(uow, caller, permission, division_id)
    updated = replace(  # type: ignore[type-var]
        draft,
        id=object_id,
        division_id=division_id,
        version=current.version,
        date_created=getattr(current, "date_created", None),
        date_modified=utcnow(),
    )
    await _check(repository, kind, updated, object_id)
    if not await repository.update(updated, current.version):
        raise VersionConflict(kind, object_id, current.version, current.version + 1)
    return updated


async def _check(repository: NamedRepository[N], kind: str, item: N, own_id: str | None) -> None:
    problems = item.problems()
    if problems:
        raise InvalidInput(f"The {kind} is not valid", details=problems)
    same = await repository.find_by_name(item.name)
    if same is not None and getattr(same, "id", None) != own_id:
        # Names are unique across divisions, as in Genesys; the message does not echo the
        # other object's spelling, which may sit in a division the caller cannot see.
        raise Conflict(f"A {kind} with this name already exists")
