"""Response libraries and their responses (Response Management)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select

from tidings.adapters.db.database import Database
from tidings.adapters.db.division_repository import name_key
from tidings.adapters.db.divisioned import find_by_name, page_of, update_versioned
from tidings.adapters.db.tables import response_libraries as libraries
from tidings.adapters.db.tables import response_library_members as members
from tidings.adapters.db.tables import responses
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope
from tidings.domain.responses import Library, Response, ResponseText
from tidings.domain.templates import Substitution


def _library(row: Any) -> Library:
    return Library(
        id=row.id,
        name=row.name,
        division_id=row.division_id,
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


class SqlResponseLibraryRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, library_id: str) -> Library | None:
        row = (
            await self._db.execute(select(libraries).where(libraries.c.id == library_id))
        ).first()
        return None if row is None else _library(row)

    async def get_many(self, library_ids: Sequence[str]) -> dict[str, Library]:
        if not library_ids:
            return {}
        rows = await self._db.execute(
            select(libraries).where(libraries.c.id.in_(list(dict.fromkeys(library_ids))))
        )
        return {row.id: _library(row) for row in rows}

    async def find_by_name(self, name: str) -> Library | None:
        row = await find_by_name(self._db, libraries, name)
        return None if row is None else _library(row)

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name_prefix: str | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[Library], int]:
        rows, total = await page_of(self._db, libraries, scope, page, name=name_prefix, ids=ids)
        return [_library(row) for row in rows], total

    async def add(self, library: Library) -> None:
        await self._db.execute(
            insert(libraries).values(
                id=library.id,
                name=library.name,
                name_key=name_key(library.name),
                division_id=library.division_id,
                version=library.version,
                date_created=library.date_created,
                date_modified=library.date_modified,
            )
        )

    async def update(self, library: Library, expected_version: int) -> bool:
        return await update_versioned(
            self._db,
            libraries,
            library,
            expected_version,
            {
                "name": library.name,
                "name_key": name_key(library.name),
                "date_modified": library.date_modified,
            },
        )

    async def delete(self, library_id: str) -> bool:
        """Deletes the library and the responses no other library holds; responses that
        are also in another library stay there."""
        only_here = (
            select(members.c.response_id)
            .where(members.c.library_id == library_id)
            .except_(select(members.c.response_id).where(members.c.library_id != library_id))
        )
        doomed = [row.response_id for row in await self._db.execute(only_here)]
        if doomed:
            await self._db.execute(delete(responses).where(responses.c.id.in_(doomed)))
        await self._db.execute(delete(members).where(members.c.library_id == library_id))
        result = await self._db.execute(delete(libraries).where(libraries.c.id == library_id))
        return bool(result.rowcount)


def _texts(response: Response) -> list[dict[str, str]]:
    return [
        {"content": t.content, "contentType": t.content_type, "type": t.type}
        for t in response.texts
    ]


def _substitutions(response: Response) -> list[dict[str, str | None]]:
    return [
        {"id": s.id, "description": s.description, "defaultValue": s.default_value}
        for s in response.substitutions
    ]


def _response(row: Any, library_ids: list[str]) -> Response:
    return Response(
        id=row.id,
        name=row.name,
        library_ids=library_ids,
        texts=[ResponseText(t["content"], t["contentType"], t["type"]) for t in row.texts],
        response_type=row.response_type,
        substitutions=tuple(
            Substitution(s["id"], s.get("defaultValue"), s.get("description"))
            for s in row.substitutions
        ),
        interaction_type=row.interaction_type,
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


class SqlResponseRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, response_id: str) -> Response | None:
        row = (
            await self._db.execute(select(responses).where(responses.c.id == response_id))
        ).first()
        if row is None:
            return None
        return _response(row, (await self._libraries_of([response_id]))[response_id])

    async def in_library(self, library_id: str, page: PageRequest) -> tuple[list[Response], int]:
        """One page of the library's responses, by name."""
        held = members.c.library_id == library_id
        total = (await self._db.execute(select(func.count()).where(held))).scalar()
        rows = list(
            await self._db.execute(
                select(responses)
                .join(members, members.c.response_id == responses.c.id)
                .where(held)
                .order_by(responses.c.name_key, responses.c.id)
                .limit(page.page_size)
                .offset(page.offset)
            )
        )
        return await self._with_libraries(rows), int(total or 0)

    async def visible(
        self, scope: Scope, library_ids: Sequence[str] | None = None
    ) -> list[Response]:
        """Every response with a library in a division of `scope` (and among `library_ids`,
        when given): what a query looks through."""
        held = (
            select(members.c.response_id)
            .join(libraries, libraries.c.id == members.c.library_id)
            .distinct()
        )
        if not scope.everywhere:
            if not scope.division_ids:
                return []
            held = held.where(libraries.c.division_id.in_(sorted(scope.division_ids)))
        if library_ids is not None:
            held = held.where(members.c.library_id.in_(list(library_ids)))
        rows = list(await self._db.execute(select(responses).where(responses.c.id.in_(held))))
        return await self._with_libraries(rows)

    async def add(self, response: Response) -> None:
        await self._db.execute(
            insert(responses).values(
                id=response.id,
                name=response.name,
                name_key=name_key(response.name),
                response_type=response.response_type,
                interaction_type=response.interaction_type,
                texts=_texts(response),
                substitutions=_substitutions(response),
                version=response.version,
                date_created=response.date_created,
                date_modified=response.date_modified,
            )
        )
        await self._place(response)

    async def update(self, response: Response, expected_version: int) -> bool:
        updated = await update_versioned(
            self._db,
            responses,
            response,
            expected_version,
            {
                "name": response.name,
                "name_key": name_key(response.name),
                "response_type": response.response_type,
                "interaction_type": response.interaction_type,
                "texts": _texts(response),
                "substitutions": _substitutions(response),
                "date_modified": response.date_modified,
            },
        )
        if updated:
            await self._db.execute(delete(members).where(members.c.response_id == response.id))
            await self._place(response)
        return updated

    async def delete(self, response_id: str) -> bool:
        await self._db.execute(delete(members).where(members.c.response_id == response_id))
        result = await self._db.execute(delete(responses).where(responses.c.id == response_id))
        return bool(result.rowcount)

    async def _place(self, response: Response) -> None:
        await self._db.execute(
            insert(members),
            [
                {"response_id": response.id, "library_id": library_id, "position": position}
                for position, library_id in enumerate(response.library_ids)
            ],
        )

    async def _libraries_of(self, response_ids: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {response_id: [] for response_id in response_ids}
        if response_ids:
            rows = await self._db.execute(
                select(members.c.response_id, members.c.library_id)
                .where(members.c.response_id.in_(list(response_ids)))
                .order_by(members.c.response_id, members.c.position)
            )
            for row in rows:
                found[row.response_id].append(row.library_id)
        return found

    async def _with_libraries(self, rows: list[Any]) -> list[Response]:
        held = await self._libraries_of([row.id for row in rows])
        return [_response(row, held[row.id]) for row in rows]
