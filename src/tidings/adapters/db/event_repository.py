"""The dialer event log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, insert, or_, select

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import dialer_events
from tidings.domain.analytics import VisibleDivisions
from tidings.domain.events import EntityRef, EventLog, EventQuery
from tidings.domain.paging import PageRequest

_SORT_COLUMNS = {
    "timestamp": dialer_events.c.timestamp,
    "category": dialer_events.c.category,
    "level": dialer_events.c.level,
    "name": dialer_events.c.name,
}


def _ref_row(ref: EntityRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"id": ref.id, "name": ref.name, "selfUri": ref.self_uri}


def _ref(value: Any) -> EntityRef | None:
    if not isinstance(value, dict) or "id" not in value:
        return None
    return EntityRef(str(value["id"]), value.get("name"), value.get("selfUri"))


def _event(row: Any) -> EventLog:
    return EventLog(
        id=row.id,
        level=row.level,
        category=row.category,
        name=row.name,
        message=row.message,
        timestamp=row.timestamp,
        code=row.code,
        params=dict(row.params or {}),
        error_entity=_ref(row.error_entity),
        related_entity=_ref(row.related_entity),
        correlation_id=row.correlation_id,
        division_id=row.division_id,
    )


def _visible(visible: VisibleDivisions) -> list[ColumnElement[bool]]:
    if visible.everywhere:
        return []
    seen: ColumnElement[bool] = dialer_events.c.division_id.in_(sorted(visible.division_ids))
    if visible.include_undivided:
        seen = or_(seen, dialer_events.c.division_id.is_(None))
    return [seen]


def _category(query: EventQuery) -> list[ColumnElement[bool]]:
    if query.category is None:
        return []
    column, value = dialer_events.c.category, query.category
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if query.filter_type in ("Prefix", "BeginsWith"):
        return [column.like(escaped + "%", escape="\\")]
    if query.filter_type == "Contains":
        return [column.like("%" + escaped + "%", escape="\\")]
    if query.filter_type == "EndsWith":
        return [column.like("%" + escaped, escape="\\")]
    return [column == value]


class SqlEventRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, event: EventLog) -> None:
        await self._db.execute(
            insert(dialer_events).values(
                id=event.id,
                level=event.level,
                category=event.category,
                name=event.name,
                message=event.message,
                code=event.code,
                params=event.params,
                error_entity=_ref_row(event.error_entity),
                related_entity=_ref_row(event.related_entity),
                correlation_id=event.correlation_id,
                division_id=event.division_id,
                timestamp=event.timestamp,
            )
        )

    async def get(self, event_id: str) -> EventLog | None:
        row = (
            await self._db.execute(select(dialer_events).where(dialer_events.c.id == event_id))
        ).first()
        return None if row is None else _event(row)

    async def list(
        self, page: PageRequest, query: EventQuery, visible: VisibleDivisions
    ) -> tuple[list[EventLog], int]:
        where = _visible(visible) + _category(query)
        if query.level is not None:
            where.append(dialer_events.c.level == query.level)
        column = _SORT_COLUMNS[query.sort_by]
        order: list[ColumnElement[Any]] = [column.desc() if query.descending else column]
        if query.sort_by != "timestamp":  # within a category or level, newest first
            order.append(dialer_events.c.timestamp.desc())
        order.append(dialer_events.c.id.desc() if query.descending else dialer_events.c.id)
        rows = await self._db.execute(
            select(dialer_events)
            .where(*where)
            .order_by(*order)
            .limit(page.page_size)
            .offset(page.offset)
        )
        found = [_event(row) for row in rows]
        total = int(
            (
                await self._db.execute(
                    select(func.count()).select_from(dialer_events).where(*where)
                )
            ).scalar_one()
        )
        return found, total
