"""The conversation detail query in SQL: the filters become WHERE clauses (a segment filter
an EXISTS over the conversation's messages), the page is OFFSET over the index on
(started_at, id), and the page's messages come in one more query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql import Select

from tidings.adapters.db.database import Database
from tidings.adapters.db.message_rows import conversation_of as _conversation
from tidings.adapters.db.message_rows import message_of as _message
from tidings.adapters.db.tables import conversations, messages
from tidings.domain.analytics import (
    CHANNEL_OF_MEDIA,
    STATUS_OF_DELIVERY,
    ConversationQuery,
    Filter,
    Predicate,
    VisibleDivisions,
)
from tidings.domain.messages import SMS, Conversation

# Above this many matches a page is found by walking the interval in order (see _has_message).
FEW_MATCHES = 5_000

_SESSION_COLUMNS = {
    "outboundCampaignId": messages.c.campaign_id,
    "outboundContactListId": messages.c.contact_list_id,
    "outboundContactId": messages.c.contact_id,
    "mediaType": messages.c.media_type,
    "messageType": messages.c.media_type,
    "direction": messages.c.direction,
    "deliveryStatus": messages.c.status,
    "addressFrom": messages.c.from_address,
    "addressTo": messages.c.to_address,
}
# Dimensions naming one person's messages (see _names_one_person).
_ONE_PERSON = frozenset({"addressFrom", "addressTo", "outboundContactId"})
# Conversation filters read these from the conversation itself (indexed), the other
# session dimensions from any of its messages.
_CONVERSATION_COLUMNS = {
    "conversationId": conversations.c.id,
    "divisionId": conversations.c.division_id,
    "outboundCampaignId": conversations.c.campaign_id,
}


def _stored_value(dimension: str, value: str) -> str | None:
    """The value as stored for a Genesys value; None when nothing stored can match."""
    if dimension == "mediaType":
        return CHANNEL_OF_MEDIA.get(value.lower())
    if dimension == "messageType":
        return SMS if value.lower() == "sms" else None
    if dimension == "deliveryStatus":
        return STATUS_OF_DELIVERY.get(value.lower())
    if dimension == "direction":
        return value.lower()
    return value


def _session_predicate(predicate: Predicate) -> ColumnElement[bool]:
    column = _SESSION_COLUMNS[predicate.dimension]
    if predicate.dimension == "messageType":  # only SMS sessions have one
        present = column == SMS
        if predicate.operator == "exists":
            return present
        if predicate.operator == "notExists":
            return not_(present)
    if predicate.operator == "exists":
        return column.is_not(None)
    if predicate.operator == "notExists":
        return column.is_(None)
    stored = _stored_value(predicate.dimension, predicate.value or "")
    return false() if stored is None else column == stored


def _joined(kind: str, parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    if not parts:
        return true()
    return and_(*parts) if kind == "and" else or_(*parts)


def _session_filter(found: Filter) -> ColumnElement[bool]:
    parts = [_session_predicate(p) for p in found.predicates]
    parts += [_session_filter(c) for c in found.clauses]
    return _joined(found.type, parts)


def _has_message(condition: ColumnElement[bool], correlated: bool) -> ColumnElement[bool]:
    """A message of the conversation meets `condition`. Two spellings, for SQLite's planner
    (PostgreSQL plans both as one semi-join):

    - `id IN (SELECT conversation_id ...)` runs the subquery once, through an index when the
      filter has one: best for counting, and for a page when few conversations match;
    - a correlated `EXISTS` walks the interval in page order and stops at the page's end:
      best for a page when many match (1M conversations, a status held by 20%: 2 ms against
      1.6 s), worst when few do (it walks them all).
    """
    if correlated:
        return exists().where(messages.c.conversation_id == conversations.c.id, condition)
    return conversations.c.id.in_(select(messages.c.conversation_id).where(condition))


def _conversation_predicate(predicate: Predicate, correlated: bool) -> ColumnElement[bool]:
    column = _CONVERSATION_COLUMNS.get(predicate.dimension)
    if column is None:
        return _has_message(_session_predicate(predicate), correlated)
    if predicate.operator == "exists":
        return column.is_not(None)
    if predicate.operator == "notExists":
        return column.is_(None)
    return column == predicate.value


def _conversation_filter(found: Filter, correlated: bool) -> ColumnElement[bool]:
    parts = [_conversation_predicate(p, correlated) for p in found.predicates]
    parts += [_conversation_filter(c, correlated) for c in found.clauses]
    return _joined(found.type, parts)


def _text_condition(query: ConversationQuery) -> ColumnElement[bool] | None:
    """The console's text filter: the text or the subject contains it (LIKE, escaped)."""
    if not query.text_contains:
        return None
    text = query.text_contains
    return or_(
        messages.c.text_body.icontains(text, autoescape=True),
        messages.c.subject.icontains(text, autoescape=True),
    )


def _message_conditions(query: ConversationQuery) -> list[ColumnElement[bool]]:
    """What a selected message meets: each segment filter's tree, with the text filter
    held by the same message (alone, it is a segment filter of its own)."""
    text = _text_condition(query)
    found = [_session_filter(f) for f in query.segment_filters]
    if text is None:
        return found
    return [and_(f, text) for f in found] or [text]


def _names_one_person(found: Filter) -> bool:
    """Does every message the filter selects carry a given address or contact id? Such a
    filter selects few messages whatever the interval, so `_has_message` reads them once
    (IN) instead of walking the interval (1M conversations, one address: 1.1 s against
    4.1 s on SQLite; neither column has an index on messages)."""

    def one_person(p: Predicate) -> bool:
        return p.dimension in _ONE_PERSON and p.operator == "matches"

    if found.type == "and":
        return any(map(one_person, found.predicates)) or any(map(_names_one_person, found.clauses))
    parts = [one_person(p) for p in found.predicates] + [
        _names_one_person(c) for c in found.clauses
    ]
    return bool(parts) and all(parts)


def _walks(query: ConversationQuery, correlated: bool) -> list[bool]:
    """Per message condition (as `_message_conditions` lists them): the correlated spelling?"""
    if not query.segment_filters:
        return [correlated] if query.text_contains else []
    return [correlated and not _names_one_person(f) for f in query.segment_filters]


def _where(
    query: ConversationQuery, visible: VisibleDivisions, *, correlated: bool = False
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        conversations.c.started_at >= query.interval.start,
        conversations.c.started_at < query.interval.end,
    ]
    if not visible.everywhere:
        seen: ColumnElement[bool] = conversations.c.division_id.in_(sorted(visible.division_ids))
        if visible.include_undivided:
            seen = or_(seen, conversations.c.division_id.is_(None))
        where.append(seen)
    where += [
        _has_message(condition, walk)
        for condition, walk in zip(
            _message_conditions(query), _walks(query, correlated), strict=True
        )
    ]
    where += [_conversation_filter(f, correlated) for f in query.conversation_filters]
    return where


def _ordered(statement: Select[tuple[str]], query: ConversationQuery) -> Select[tuple[str]]:
    # segmentStart/segmentEnd order by the conversation's: a conversation's first segment
    # starts with it. conversationEnd has no index (few conversations end).
    if query.order_by in ("conversationEnd", "segmentEnd"):
        key = conversations.c.ended_at
        column = key.desc().nulls_last() if query.descending else key.asc().nulls_last()
        return statement.order_by(column, conversations.c.id)
    if query.descending:
        return statement.order_by(conversations.c.started_at.desc(), conversations.c.id.desc())
    return statement.order_by(conversations.c.started_at, conversations.c.id)


class SqlAnalyticsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def conversation_details(
        self, query: ConversationQuery, visible: VisibleDivisions
    ) -> tuple[list[Conversation], int]:
        """One page of the conversations the query selects, with their messages, and how
        many it selects in all. The count comes first: it says which spelling of the
        message filters finds the page fastest (`_has_message`)."""
        where = _where(query, visible)
        count = select(func.count()).select_from(conversations).where(*where)
        total = int((await self._db.execute(count)).scalar_one())
        if query.offset >= total:
            return [], total
        filtered = query.segment_filters or query.conversation_filters or query.text_contains
        if total > FEW_MATCHES and filtered:
            where = _where(query, visible, correlated=True)
        page = _ordered(select(conversations.c.id).where(*where), query)
        rows = await self._db.execute(page.limit(query.page_size).offset(query.offset))
        return await self._with_messages([row.id for row in rows]), total

    async def conversation_batch(
        self,
        query: ConversationQuery,
        visible: VisibleDivisions,
        after: tuple[datetime, str] | None,
        limit: int,
        *,
        matching_messages: bool = False,
    ) -> list[Conversation]:
        """The next `limit` conversations after `after` (started_at, id) in start order:
        keyset paging, each batch as cheap as the first, for exports of any size. Message
        filters are the correlated spelling: the batches together walk the interval once,
        where the IN spelling would read the matching messages again for every batch.
        `matching_messages`: each conversation keeps only the messages that meet all the
        segment filters and the text filter (the console lists messages, not conversations)."""
        where = _where(query, visible, correlated=True)
        if after is not None:
            started, conversation_id = after
            if query.descending:
                where.append(
                    or_(
                        conversations.c.started_at < started,
                        and_(
                            conversations.c.started_at == started,
                            conversations.c.id < conversation_id,
                        ),
                    )
                )
            else:
                where.append(
                    or_(
                        conversations.c.started_at > started,
                        and_(
                            conversations.c.started_at == started,
                            conversations.c.id > conversation_id,
                        ),
                    )
                )
        order: list[ColumnElement[Any]] = [conversations.c.started_at, conversations.c.id]
        if query.descending:
            order = [conversations.c.started_at.desc(), conversations.c.id.desc()]
        statement = select(conversations.c.id).where(*where).order_by(*order).limit(limit)
        ids = [row.id for row in await self._db.execute(statement)]
        keep = _message_conditions(query) if matching_messages else []
        return await self._with_messages(ids, keep)

    async def _with_messages(
        self, ids: Sequence[str], keep: Sequence[ColumnElement[bool]] = ()
    ) -> list[Conversation]:
        if not ids:
            return []
        found = {
            row.id: _conversation(row)
            for row in await self._db.execute(
                select(conversations).where(conversations.c.id.in_(ids))
            )
        }
        rows = await self._db.execute(
            select(messages)
            .where(messages.c.conversation_id.in_(ids), *keep)
            .order_by(messages.c.created_at, messages.c.id)
        )
        for row in rows:
            found[row.conversation_id].messages.append(_message(row))
        return [found[i] for i in ids if i in found]
