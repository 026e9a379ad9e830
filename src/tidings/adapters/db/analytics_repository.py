"""The conversation detail query in SQL: the filters become WHERE clauses (a segment filter
a condition some message of the conversation meets), the page is OFFSET over the index on
(started_at, id), and the page's messages come in one more query.

A message condition has two spellings (`_has_message`); which one finds a page fastest
depends on how many messages meet it, so on SQLite the repository asks first: the count of
the detail query, or for the console's keyset pages a probe of at most FEW_MATCHES + 1
messages through an index (`_few`). PostgreSQL plans both spellings alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql import Select

from tidings.adapters.db import text_search
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
# Dimensions whose `matches` an index on messages finds (migrations 0017, 0022).
_INDEXED = frozenset(
    {"outboundCampaignId", "outboundContactId", "deliveryStatus", "addressFrom", "addressTo"}
)
# Inbound messages (replies) are few: a partial index holds them alone (sends pay nothing
# for it). The planners use it only for the literal value, so the SQL spells it out.
_INBOUND = "inbound"
# The channel: a conversation keeps to one (threading and replies stay on it), so every
# message's channel is the conversation's, which the query reads there (indexed, in page
# order) instead of from the messages.
_CHANNEL = frozenset({"mediaType", "messageType"})
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


def _session_predicate(predicate: Predicate, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """The predicate on `column` (a message's, or for the channel the conversation's)."""
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
    if stored is None:
        return false()
    if predicate.dimension == "direction" and stored == _INBOUND:
        return column == literal_column(f"'{_INBOUND}'")
    return column == stored


def _inbound(predicate: Predicate) -> bool:
    return (
        predicate.dimension == "direction"
        and predicate.operator == "matches"
        and (predicate.value or "").lower() == _INBOUND
    )


def _message_predicate(predicate: Predicate) -> ColumnElement[bool]:
    return _session_predicate(predicate, _SESSION_COLUMNS[predicate.dimension])


def _joined(kind: str, parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    if not parts:
        return true()
    return and_(*parts) if kind == "and" else or_(*parts)


def _session_filter(found: Filter) -> ColumnElement[bool]:
    parts = [_message_predicate(p) for p in found.predicates]
    parts += [_session_filter(c) for c in found.clauses]
    return _joined(found.type, parts)


def _channel_only(found: Filter) -> bool:
    """Does the filter name nothing but the channel (so the conversation decides it)?"""
    return all(p.dimension in _CHANNEL for p in found.predicates) and all(
        map(_channel_only, found.clauses)
    )


def _channel_filter(found: Filter) -> ColumnElement[bool]:
    """A channel-only filter on the conversation's channel."""
    parts = [_session_predicate(p, conversations.c.media_type) for p in found.predicates]
    parts += [_channel_filter(c) for c in found.clauses]
    return _joined(found.type, parts)


def _channel_terms(found: Filter) -> list[ColumnElement[bool]]:
    """What the conversation's channel must be for a message to meet the filter: the
    channel predicates it joins with `and` (none of an `or`)."""
    if found.type != "and":
        return []
    return [
        _session_predicate(p, conversations.c.media_type)
        for p in found.predicates
        if p.dimension in _CHANNEL
    ]


def _indexed(predicate: Predicate) -> bool:
    return (predicate.dimension in _INDEXED and predicate.operator == "matches") or _inbound(
        predicate
    )


def _index_served(found: Filter) -> bool:
    """Does an index find the messages the filter selects (without reading the others)?"""
    parts = [_indexed(p) for p in found.predicates] + [_index_served(c) for c in found.clauses]
    if found.type == "and":
        return any(parts)
    return bool(parts) and all(parts)


def _branches(found: Filter) -> list[ColumnElement[bool]]:
    """The filter as conditions whose union it selects, each served by one index where an
    `or` of indexed parts allows (the console's address field: sender or recipient). SQLite
    reads an OR through two indexes only when its statistics call both selective, which a
    sender number's never is; it then scans every message even for a customer's number."""
    if found.type == "or":
        if _index_served(found) and len(found.predicates) + len(found.clauses) > 1:
            return [_message_predicate(p) for p in found.predicates] + [
                _session_filter(c) for c in found.clauses
            ]
        return [_session_filter(found)]
    if any(map(_indexed, found.predicates)):
        return [_session_filter(found)]
    for clause in found.clauses:
        if clause.type == "or" and _index_served(clause):
            rest = replace(found, clauses=tuple(c for c in found.clauses if c is not clause))
            return [and_(_session_filter(rest), part) for part in _branches(clause)]
    return [_session_filter(found)]


def _has_message(condition: _MessageCondition) -> ColumnElement[bool]:
    """A message of the conversation meets the condition. Two spellings, for SQLite's
    planner (PostgreSQL plans both as one semi-join):

    - `id IN (SELECT conversation_id ...)` runs the subquery once, through an index when the
      filter has one: best for counting, and for a page when few messages match;
    - a correlated `EXISTS` (`walk`) walks the interval in page order and stops at the
      page's end: best for a page when many match (1M conversations, a status held by 20%:
      2 ms against 1.6 s), worst when few do (it walks them all).
    """
    if condition.walk:
        return exists().where(messages.c.conversation_id == conversations.c.id, condition.sql())
    return conversations.c.id.in_(_conversation_ids(condition.branches()))


def _conversation_ids(branches: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """The conversations of the messages meeting any of the branches (repeats and all)."""
    found = [select(messages.c.conversation_id).where(b) for b in branches]
    return found[0] if len(found) == 1 else union_all(*found)  # type: ignore[return-value]


@dataclass(frozen=True)
class _MessageCondition:
    """What some message of a selected conversation meets: a segment filter's tree (None
    for none), the text filter (held by the same message), and how to look for it."""

    segment: Filter | None
    text: str | None
    walk: bool = False  # the correlated spelling (see _has_message)
    # The database whose text search index names the text's candidates (None: no index).
    searched_on: str | None = None

    def sql(self) -> ColumnElement[bool]:
        parts = [] if self.segment is None else [_session_filter(self.segment)]
        return _joined("and", parts + self._text())

    def branches(self) -> list[ColumnElement[bool]]:
        """The condition as a union of index-served ones (see `_branches`)."""
        if self.segment is None:
            return [self.sql()]
        return [_joined("and", [b, *self._text()]) for b in _branches(self.segment)]

    def _text(self) -> list[ColumnElement[bool]]:
        return [_text_condition(self.text, self.searched_on)] if self.text else []


def _text_condition(words: str, searched_on: str | None) -> ColumnElement[bool]:
    """The console's text filter: the text or the subject contains it (LIKE, escaped). The
    text search index, if asked, names the candidates first."""
    like = or_(
        messages.c.text_body.icontains(words, autoescape=True),
        messages.c.subject.icontains(words, autoescape=True),
    )
    if searched_on is None:
        return like
    named = text_search.candidates(words, searched_on)
    # PostgreSQL's copy of the texts decides alone: the same ILIKE, and estimated once (the
    # planner multiplies two estimates of one condition and walks when it should not).
    return named if text_search.candidates_are_exact(searched_on) else and_(named, like)


def _message_conditions(query: ConversationQuery) -> list[_MessageCondition]:
    """Each segment filter's tree, with the text filter held by the same message (alone,
    it is a condition of its own). A channel-only filter is the conversation's
    (`_conversation_terms`); the text then stands alone."""
    found = [
        _MessageCondition(f, query.text_contains)
        for f in query.segment_filters
        if not _channel_only(f)
    ]
    if query.text_contains and not found:
        found.append(_MessageCondition(None, query.text_contains))
    return found


def _conversation_terms(query: ConversationQuery) -> list[ColumnElement[bool]]:
    """What the segment filters ask of the conversation's own channel."""
    terms: list[ColumnElement[bool]] = []
    for found in query.segment_filters:
        terms += [_channel_filter(found)] if _channel_only(found) else _channel_terms(found)
    return terms


def _conversation_predicate(predicate: Predicate, walk: bool) -> ColumnElement[bool]:
    if predicate.dimension in _CHANNEL:
        return _session_predicate(predicate, conversations.c.media_type)
    column = _CONVERSATION_COLUMNS.get(predicate.dimension)
    if column is None:
        only = Filter(predicates=(predicate,))
        return _has_message(_MessageCondition(only, None, walk=walk))
    if predicate.operator == "exists":
        return column.is_not(None)
    if predicate.operator == "notExists":
        return column.is_(None)
    return column == predicate.value


def _conversation_filter(found: Filter, walk: bool) -> ColumnElement[bool]:
    parts = [_conversation_predicate(p, walk) for p in found.predicates]
    parts += [_conversation_filter(c, walk) for c in found.clauses]
    return _joined(found.type, parts)


def _where(
    query: ConversationQuery,
    visible: VisibleDivisions,
    conditions: Sequence[_MessageCondition],
    *,
    walk: bool = False,
) -> list[ColumnElement[bool]]:
    """`walk`: conversation filters on messages use the correlated spelling."""
    where: list[ColumnElement[bool]] = [
        conversations.c.started_at >= query.interval.start,
        conversations.c.started_at < query.interval.end,
    ]
    if not visible.everywhere:
        seen: ColumnElement[bool] = conversations.c.division_id.in_(sorted(visible.division_ids))
        if visible.include_undivided:
            seen = or_(seen, conversations.c.division_id.is_(None))
        where.append(seen)
    where += _conversation_terms(query)
    where += [_has_message(c) for c in conditions]
    where += [_conversation_filter(f, walk) for f in query.conversation_filters]
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
        self._sqlite = db.connection.dialect.name == "sqlite"
        self._search_ready: bool | None = None

    async def conversation_details(
        self, query: ConversationQuery, visible: VisibleDivisions
    ) -> tuple[list[Conversation], int]:
        """One page of the conversations the query selects, with their messages, and how
        many it selects in all. The count comes first: it says which spelling of the
        message filters finds the page fastest (`_has_message`)."""
        searched_on = await self._searched_on(query.text_contains)
        conditions = [replace(c, searched_on=searched_on) for c in _message_conditions(query)]
        count = select(func.count()).select_from(conversations)
        total = int(
            (await self._db.execute(count.where(*_where(query, visible, conditions)))).scalar_one()
        )
        if query.offset >= total:
            return [], total
        filtered = query.segment_filters or query.conversation_filters or query.text_contains
        walk = total > FEW_MATCHES and bool(filtered)
        if walk:
            conditions = [replace(c, walk=True) for c in conditions]
        where = _where(query, visible, conditions, walk=walk)
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
        keyset paging, each batch as cheap as the first, for exports of any size. A message
        condition many messages meet is the correlated spelling: the batches together walk
        the interval once, where the IN spelling would read the matching messages again for
        every batch; one few messages meet (an address, a contact, a rare text) is read
        once per batch through its index instead of walking the whole interval (`_plan`).
        `matching_messages`: each conversation keeps only the messages that meet all the
        segment filters and the text filter (the console lists messages, not conversations)."""
        conditions = await self._plan(_message_conditions(query))
        where = _where(query, visible, conditions, walk=True)
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
        keep = [c.sql() for c in conditions] if matching_messages else []
        return await self._with_messages(ids, keep)

    async def _plan(self, conditions: list[_MessageCondition]) -> list[_MessageCondition]:
        """Each condition's spelling for a keyset page. PostgreSQL plans both alike (and
        reads its trigram index for the text when it pays): the walk. SQLite: the IN
        spelling when an index says few messages meet it, else the walk."""
        planned = []
        for condition in conditions:
            searched_on = await self._searched_on(condition.text)
            if not self._sqlite:
                planned.append(replace(condition, walk=True, searched_on=searched_on))
                continue
            few = searched_on is not None or (
                condition.segment is not None
                and _index_served(condition.segment)
                and await self._few(condition.segment)
            )
            planned.append(replace(condition, walk=not few, searched_on=searched_on))
        return planned

    async def _few(self, found: Filter) -> bool:
        """At most FEW_MATCHES messages meet the filter (read through its index)?"""
        matching = _conversation_ids(_branches(found)).limit(FEW_MATCHES + 1)
        probe = select(func.count()).select_from(matching.subquery())
        return int((await self._db.execute(probe)).scalar_one()) <= FEW_MATCHES

    async def _searched_on(self, words: str | None) -> str | None:
        """The database, when its text search index is to name the text's candidates.
        PostgreSQL: whenever it is there (for a text of under three characters its trigram
        index cannot help, but the copy of the texts is narrower to scan than `messages`
        and better known to the planner, which chooses between index, scan and walk).
        SQLite: when the text has a trigram and the index names at most FEW_MATCHES
        messages (a common text is found faster by walking the interval)."""
        if not words:
            return None
        if self._sqlite and len(words) < text_search.MIN_SEARCH_LENGTH:
            return None
        if self._search_ready is None:
            self._search_ready = await text_search.search_ready(self._db)
        if not self._search_ready:
            return None
        if not self._sqlite:
            return self._db.connection.dialect.name
        probe = text_search.candidates_probe(words, FEW_MATCHES + 1)
        rare = int((await self._db.execute(probe)).scalar_one()) <= FEW_MATCHES
        return "sqlite" if rare else None

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
