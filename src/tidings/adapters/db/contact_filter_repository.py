"""Contact list filters: stored as their criteria document, seen through their list's
division."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from tidings.adapters.db.database import Database
from tidings.adapters.db.division_repository import name_key
from tidings.adapters.db.divisioned import page_of, update_versioned
from tidings.adapters.db.tables import contact_list_filters as filters
from tidings.adapters.db.tables import contact_lists
from tidings.domain.contact_filters import (
    Clause,
    ContactListFilter,
    Criteria,
    FilterRange,
    Predicate,
)
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope


def criteria_document(criteria: Criteria) -> dict[str, Any]:
    return {
        "filterType": criteria.filter_type,
        "clauses": [
            {
                "filterType": clause.filter_type,
                "predicates": [_predicate_document(p) for p in clause.predicates],
            }
            for clause in criteria.clauses
        ],
    }


def _predicate_document(predicate: Predicate) -> dict[str, Any]:
    found: dict[str, Any] = {
        "column": predicate.column,
        "columnType": predicate.column_type,
        "operator": predicate.operator,
        "value": predicate.value,
        "inverted": predicate.inverted,
    }
    if predicate.range is not None:
        bounds = predicate.range
        found["range"] = {
            "min": bounds.min,
            "max": bounds.max,
            "minInclusive": bounds.min_inclusive,
            "maxInclusive": bounds.max_inclusive,
            "inSet": list(bounds.in_set),
        }
    return found


def criteria_of(document: dict[str, Any]) -> Criteria:
    return Criteria(
        clauses=tuple(
            Clause(
                predicates=tuple(_predicate_of(p) for p in clause["predicates"]),
                filter_type=clause["filterType"],
            )
            for clause in document["clauses"]
        ),
        filter_type=document["filterType"],
    )


def _predicate_of(document: dict[str, Any]) -> Predicate:
    bounds = document.get("range")
    return Predicate(
        column=document["column"],
        operator=document["operator"],
        column_type=document["columnType"],
        value=document.get("value"),
        range=None
        if bounds is None
        else FilterRange(
            bounds["min"],
            bounds["max"],
            bounds["minInclusive"],
            bounds["maxInclusive"],
            tuple(bounds["inSet"]),
        ),
        inverted=document["inverted"],
    )


def _entity(row: Any) -> ContactListFilter:
    return ContactListFilter(
        id=row.id,
        name=row.name,
        contact_list_id=row.contact_list_id,
        criteria=criteria_of(row.criteria),
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


class SqlContactFilterRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, filter_id: str) -> ContactListFilter | None:
        row = (await self._db.execute(select(filters).where(filters.c.id == filter_id))).first()
        return None if row is None else _entity(row)

    async def find_by_name(self, name: str) -> ContactListFilter | None:
        row = (
            await self._db.execute(select(filters).where(filters.c.name_key == name_key(name)))
        ).first()
        return None if row is None else _entity(row)

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        contact_list_id: str | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[ContactListFilter], int]:
        """A page of the filters whose list is in the scope's divisions."""
        where = [filters.c.contact_list_id == contact_list_id] if contact_list_id else []
        rows, total = await page_of(
            self._db,
            filters,
            scope,
            page,
            name=name,
            name_match=name_match,
            ids=ids,
            where=where,
            division=contact_lists.c.division_id,
            source=filters.join(contact_lists, contact_lists.c.id == filters.c.contact_list_id),
        )
        return [_entity(row) for row in rows], total

    async def add(self, found: ContactListFilter) -> None:
        await self._db.execute(insert(filters).values(**_values(found), id=found.id))

    async def update(self, found: ContactListFilter, expected_version: int) -> bool:
        values = _values(found)
        del values["version"]  # update_versioned sets it
        return await update_versioned(self._db, filters, found, expected_version, values)

    async def delete(self, filter_id: str) -> bool:
        result = await self._db.execute(delete(filters).where(filters.c.id == filter_id))
        return bool(result.rowcount)


def _values(found: ContactListFilter) -> dict[str, Any]:
    return {
        "name": found.name,
        "name_key": name_key(found.name),
        "contact_list_id": found.contact_list_id,
        "criteria": criteria_document(found.criteria),
        "version": found.version,
        "date_created": found.date_created,
        "date_modified": found.date_modified,
    }
