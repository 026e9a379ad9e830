"""Response Management: libraries (in divisions) and the responses they hold.

A response is seen through its libraries: a caller may act on it where it holds the
permission in the division of one of them, and may place it only in libraries where it holds
the permission. Library names are unique, as other named objects; response names are not
(Genesys lets two libraries hold responses of the same name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, VersionConflict
from tidings.domain.ids import new_id, utcnow
from tidings.domain.paging import PageRequest
from tidings.domain.response_query import ResponseQuery
from tidings.domain.responses import Library, Response
from tidings.ports import UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller
from tidings.services.divisioned import placed_in

LIBRARY = "Library"
RESPONSE = "Response"
MAX_BULK_LIBRARIES = 50


def _version_required(version: int | None, kind: str) -> int:
    if version is None:
        raise InvalidInput(
            f"The {kind}'s version is required",
            details=[FieldProblem("version", "required", "send the version you read")],
        )
    return version


class ResponseService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    # --- libraries --------------------------------------------------------------------

    async def find_libraries(
        self, caller: Caller, page: PageRequest, name_prefix: str | None = None
    ) -> tuple[list[Library], int]:
        scope = caller.access.require("responses:library:view")
        async with self._uow() as uow:
            return await uow.response_libraries.list(scope, page, name_prefix=name_prefix)

    async def libraries_by_id(
        self, caller: Caller, library_ids: Sequence[str]
    ) -> tuple[list[Library], int]:
        """The libraries among `library_ids` the caller may see (the others are left out)."""
        scope = caller.access.require("responses:library:view")
        if not library_ids or len(library_ids) > MAX_BULK_LIBRARIES:
            raise InvalidInput(
                f"Name 1 to {MAX_BULK_LIBRARIES} libraries",
                details=[FieldProblem("libraryIds", "invalid.value", f"{len(library_ids)} given")],
            )
        page = PageRequest(page_size=MAX_BULK_LIBRARIES)
        async with self._uow() as uow:
            return await uow.response_libraries.list(scope, page, ids=library_ids)

    async def get_library(self, caller: Caller, library_id: str) -> Library:
        async with self._uow() as uow:
            return await _library(uow, caller, "responses:library:view", library_id)

    async def create_library(self, caller: Caller, draft: Library) -> Library:
        permission = "responses:library:add"
        caller.access.require(permission)
        _check(draft.problems(), LIBRARY)
        async with self._uow() as uow:
            now = utcnow()
            created = replace(
                draft,
                id=new_id(),
                division_id=await placed_in(uow, caller, permission, draft.division_id),
                version=1,
                date_created=now,
                date_modified=now,
            )
            await _unique_library_name(uow, created.name, None)
            await uow.response_libraries.add(created)
            await uow.commit()
        return created

    async def rename_library(
        self, caller: Caller, library_id: str, name: str, version: int | None
    ) -> Library:
        """PUT changes only the name (as in Genesys); the division stays."""
        expected = _version_required(version, "library")
        async with self._uow() as uow:
            current = await _library(uow, caller, "responses:library:edit", library_id)
            if expected != current.version:
                raise VersionConflict(LIBRARY, library_id, expected, current.version)
            updated = replace(current, name=name, date_modified=utcnow())
            _check(updated.problems(), LIBRARY)
            await _unique_library_name(uow, updated.name, library_id)
            if not await uow.response_libraries.update(updated, current.version):
                raise VersionConflict(LIBRARY, library_id, current.version, current.version + 1)
            await uow.commit()
        return updated

    async def delete_library(self, caller: Caller, library_id: str) -> None:
        async with self._uow() as uow:
            await _library(uow, caller, "responses:library:delete", library_id)
            await uow.response_libraries.delete(library_id)
            await uow.commit()

    # --- responses ----------------------------------------------------------------------

    async def in_library(
        self, caller: Caller, library_id: str, page: PageRequest
    ) -> tuple[list[Response], int]:
        async with self._uow() as uow:
            await _library(uow, caller, "responses:response:view", library_id)
            return await uow.responses.in_library(library_id, page)

    async def get(self, caller: Caller, response_id: str) -> Response:
        async with self._uow() as uow:
            return await visible_response(uow, caller, "responses:response:view", response_id)

    async def create(self, caller: Caller, draft: Response) -> Response:
        permission = "responses:response:add"
        caller.access.require(permission)
        _check(draft.problems(), RESPONSE)
        now = utcnow()
        created = replace(draft, id=new_id(), version=1, date_created=now, date_modified=now)
        async with self._uow() as uow:
            await _placeable(uow, caller, permission, created.library_ids)
            await uow.responses.add(created)
            await uow.commit()
        return created

    async def update(
        self,
        caller: Caller,
        response_id: str,
        draft: Response,
        version: int | None,
        *,
        keep: Sequence[str] = (),
    ) -> Response:
        """`keep`: fields of the response taken as stored, not from the draft."""
        permission = "responses:response:edit"
        expected = _version_required(version, "response")
        async with self._uow() as uow:
            current = await visible_response(uow, caller, permission, response_id)
            if expected != current.version:
                raise VersionConflict(RESPONSE, response_id, expected, current.version)
            updated = replace(
                draft,
                **{name: getattr(current, name) for name in keep},
                id=response_id,
                version=current.version,
                date_created=current.date_created,
                date_modified=utcnow(),
            )
            _check(updated.problems(), RESPONSE)
            await _placeable(uow, caller, permission, updated.library_ids)
            if not await uow.responses.update(updated, current.version):
                raise VersionConflict(RESPONSE, response_id, current.version, current.version + 1)
            await uow.commit()
        return updated

    async def delete(self, caller: Caller, response_id: str) -> None:
        async with self._uow() as uow:
            await visible_response(uow, caller, "responses:response:delete", response_id)
            await uow.responses.delete(response_id)
            await uow.commit()

    async def query(self, caller: Caller, query: ResponseQuery) -> tuple[list[Response], int]:
        """The page of responses the query takes among those the caller may see. The
        matching runs here rather than in SQL: response sets are small (templates, not
        contacts), and one matcher serves both databases."""
        scope = caller.access.require("responses:response:view")
        query.check()
        async with self._uow() as uow:
            candidates = await uow.responses.visible(scope, query.library_ids())
        return query.page(candidates)


def _check(problems: list[FieldProblem], kind: str) -> None:
    if problems:
        raise InvalidInput(f"The {kind.lower()} is not valid", details=problems)


async def _library(uow: UnitOfWork, caller: Caller, permission: str, library_id: str) -> Library:
    """The library, if the caller holds `permission` in its division (else 404)."""
    scope = caller.access.require(permission)
    found = await uow.response_libraries.get(library_id)
    if found is None or not scope.includes(found.division_id or ""):
        raise NotFound(LIBRARY, library_id)
    return found


async def visible_response(
    uow: UnitOfWork, caller: Caller, permission: str, response_id: str
) -> Response:
    """The response, if the caller holds `permission` in the division of one of its
    libraries (else 404)."""
    scope = caller.access.require(permission)
    found = await uow.responses.get(response_id)
    if found is not None:
        libraries = await uow.response_libraries.get_many(found.library_ids)
        if any(scope.includes(lib.division_id or "") for lib in libraries.values()):
            return found
    raise NotFound(RESPONSE, response_id)


async def _placeable(
    uow: UnitOfWork, caller: Caller, permission: str, library_ids: Sequence[str]
) -> None:
    """Every library must exist (400 naming it) and sit where the caller holds
    `permission` (404, as an object in a division it cannot see)."""
    scope = caller.access.require(permission)
    found = await uow.response_libraries.get_many(library_ids)
    missing = [
        FieldProblem(f"libraries[{index}].id", "not.found", f"no library {library_id}")
        for index, library_id in enumerate(library_ids)
        if library_id not in found
    ]
    if missing:
        raise InvalidInput("A named library does not exist", details=missing)
    for library in found.values():
        if not scope.includes(library.division_id or ""):
            raise NotFound(LIBRARY, library.id)


async def _unique_library_name(uow: UnitOfWork, name: str, own_id: str | None) -> None:
    same = await uow.response_libraries.find_by_name(name)
    if same is not None and same.id != own_id:
        # Not echoing the other library: it may sit in a division the caller cannot see.
        raise Conflict("A library with this name already exists")
