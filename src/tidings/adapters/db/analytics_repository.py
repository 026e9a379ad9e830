"""The conversation detail query in SQL: the filters become WHERE clauses (a segment filter
a condition some message of the conversation meets), the page is OFFSET over the index on
(started_at, id), and the page's messages come in one more query.

A message condition has two spellings (`_has_message`); which one finds a page fastest
depends on how many messages meet it, so on SQLite the repository asks first: the count of
the detail query, or for the console's keyset pages a probe of at most FEW_MATCHES + 1
messages through an index (`_few`). PostgreSQL plans both spellings alike.

A segment filter on direction, sender, contact list, campaign and channel alone needs no
message at all: the conversation row keeps what its messages say (`_met`, migration 0023),
which counts a filter most of a million conversations meet without joining their messages."""

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
from tidings.adapters.db.message_rows import MIXED
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
# SQLite: up to this many matching messages, counting them through their index (~3 µs
# each) beats deciding the filter from the conversations (60-170 ms for a million).
COUNTED_FROM_MESSAGES = 25_000

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
# What a conversation keeps of its messages (tables.py, 0023): a segment filter on these
# dimensions (and the channel) alone is decided by the conversation row.
_SIDES = {
    "outbound": conversations.c.outbound_from_address,
    "inbound": conversations.c.inbound_from_address,
}
_SAID = frozenset({"direction", "addressFrom", "outboundContactListId", "outboundCampaignId"})
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


def _met(condition: _MessageCondition) -> ColumnElement[bool]:
    """Some message of the conversation meets the condition: decided by what the
    conversation keeps of its messages where the condition allows (`_said_branches`), else
    read from the messages (`_has_message`). The walk tests each conversation in page order;
    the other spelling selects each branch through its own index (SQLite reads an OR of
    them through the interval's index instead)."""
    branches = _said_branches(condition)
    if branches is None:
        return _has_message(condition)
    if condition.walk or len(branches) == 1:
        return or_(*branches)
    return conversations.c.id.in_(
        union_all(*(select(conversations.c.id).where(b) for b in branches))
    )


def _said_branches(condition: _MessageCondition) -> list[ColumnElement[bool]] | None:
    """The condition as disjoint conditions on the conversation (None where it cannot say):
    the conversations whose kept columns decide it (`_said_filter`), and the few whose
    MIXED columns (the senders of one side differ; messages that do not fit the reading of
    one campaign message, see message_rows.said_by) send it to their messages."""
    found = condition.segment
    if condition.by_messages or condition.text or found is None or not _said_only(found):
        return None
    named = _named(found)
    kept = list(_SIDES.values()) if "addressFrom" in named else []
    if named & {"outboundContactListId", "outboundCampaignId"}:
        kept.append(conversations.c.contact_list_id)
    said = _said_filter(found)
    if not kept:
        return [said]
    return [
        and_(*(c.is_distinct_from(MIXED) for c in kept), said),
        and_(or_(*(c == MIXED for c in kept)), _has_message(replace(condition, walk=True))),
    ]


def _names_sender(condition: _MessageCondition) -> bool:
    return condition.segment is not None and "addressFrom" in _named(condition.segment)


def _said_only(found: Filter) -> bool:
    return all(
        p.operator == "matches" and (p.dimension in _SAID or p.dimension in _CHANNEL)
        for p in found.predicates
    ) and all(map(_said_only, found.clauses))


def _named(found: Filter) -> set[str]:
    named = {p.dimension for p in found.predicates}
    for clause in found.clauses:
        named |= _named(clause)
    return named


def _said_filter(found: Filter) -> ColumnElement[bool]:
    """Some message of either side (direction) of the conversation meets the filter: exact
    where each side's messages have one sender and the conversation one contact list. The
    filter holds only `matches` (it is monotone), and the one message naming the campaign
    and its contact list is outbound, so on its side that message meets it if any does."""
    sides = []
    for side, sender in _SIDES.items():
        held = _said_tree(found, side)
        if held is not False:
            sides.append(sender.is_not(None) if held is True else and_(sender.is_not(None), held))
    return or_(*sides) if sides else false()


_Said = bool | ColumnElement[bool]


def _said_tree(found: Filter, side: str) -> _Said:
    """The filter for one side, with what that side settles alone folded to True/False."""
    parts = [_said_predicate(p, side) for p in found.predicates]
    parts += [_said_tree(c, side) for c in found.clauses]
    if not parts:  # as `_joined` reads an empty filter: any message
        return True
    decided, open_ = (
        {p for p in parts if isinstance(p, bool)},
        [p for p in parts if not isinstance(p, bool)],
    )
    if found.type == "and":
        if False in decided:
            return False
        return and_(*open_) if open_ else True
    if True in decided:
        return True
    return or_(*open_) if open_ else False


def _said_predicate(predicate: Predicate, side: str) -> _Said:
    value = predicate.value or ""
    outbound = side == "outbound"
    if predicate.dimension == "direction":
        return value.lower() == side
    if predicate.dimension == "addressFrom":
        return _SIDES[side] == value
    if predicate.dimension == "outboundContactListId":
        return outbound and conversations.c.contact_list_id == value
    if predicate.dimension == "outboundCampaignId":
        return outbound and conversations.c.campaign_id == value
    return _session_predicate(predicate, conversations.c.media_type)


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
    # Read from the messages even where the conversation could say (SQLite: an index of
    # the messages names few, which no statistic of SQLite's tells its planner).
    by_messages: bool = False
    # How the text search index names the text's candidates (None: it does not).
    search: text_search.Search | None = None

    def sql(self) -> ColumnElement[bool]:
        parts = [] if self.segment is None else [_session_filter(self.segment)]
        return _joined("and", parts + self._text())

    def branches(self) -> list[ColumnElement[bool]]:
        """The condition as a union of index-served ones (see `_branches`)."""
        if self.segment is None:
            return [self.sql()]
        return [_joined("and", [b, *self._text()]) for b in _branches(self.segment)]

    def _text(self) -> list[ColumnElement[bool]]:
        return [_text_condition(self.text, self.search)] if self.text else []


def _text_condition(words: str, search: text_search.Search | None) -> ColumnElement[bool]:
    """The console's text filter: the text or the subject contains it (LIKE, escaped). The
    text search index, if asked, names the candidates first."""
    like = or_(
        messages.c.text_body.icontains(words, autoescape=True),
        messages.c.subject.icontains(words, autoescape=True),
    )
    if search is None:
        return like
    named = text_search.candidates(words, search)
    # PostgreSQL's copy of the texts decides alone: the same ILIKE, and estimated once (the
    # planner multiplies two estimates of one condition and walks when it should not).
    return named if text_search.candidates_are_exact(search.dialect) else and_(named, like)


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
    where += [_met(c) for c in conditions]
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
        search = await self._search(query.text_contains)
        conditions = [replace(c, search=search) for c in _message_conditions(query)]
        if self._sqlite:
            conditions = [await self._by_messages_if_few(c) for c in conditions]
        else:  # PostgreSQL plans both spellings alike, and an OR of branches best as one
            conditions = [replace(c, walk=True) for c in conditions]
        total = await self._count(query, visible, conditions)
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

    async def _count(
        self,
        query: ConversationQuery,
        visible: VisibleDivisions,
        conditions: list[_MessageCondition],
    ) -> int:
        """How many conversations the query selects. SQLite: a condition the conversations
        decide in disjoint branches is counted branch by branch, each through its own index
        (an OR of them it reads through the interval's index, row by row: 1M conversations,
        a campaign's 50,000, 218 ms against 79 ms)."""
        count = select(func.count()).select_from(conversations)
        # The OR of branches row by row, for any count but the split one below: the IN
        # spelling would gather every match (1M of them: 1 s).
        conditions = [
            replace(c, walk=True) if _said_branches(c) is not None else c for c in conditions
        ]
        for n, condition in enumerate(conditions if self._sqlite else []):
            branches = _said_branches(condition)
            # addressFrom's branch is an OR of the two sides, read row by row either way.
            if branches is not None and len(branches) > 1 and not _names_sender(condition):
                others = conditions[:n] + conditions[n + 1 :]
                where = _where(query, visible, others)
                found = [await self._db.execute(count.where(*where, b)) for b in branches]
                return sum(int(result.scalar_one()) for result in found)
        return int(
            (await self._db.execute(count.where(*_where(query, visible, conditions)))).scalar_one()
        )

    async def _by_messages_if_few(self, condition: _MessageCondition) -> _MessageCondition:
        """SQLite: an index of the messages that names few of them (a customer's number,
        the replies) counts the conversations faster than what the conversations keep,
        whose statistics cannot tell a customer's number from our sender's."""
        found = condition.segment
        if found is None or condition.text or not _said_only(found) or not _index_served(found):
            return condition
        return replace(condition, by_messages=await self._few(found, COUNTED_FROM_MESSAGES))

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
            search = await self._search(condition.text)
            if not self._sqlite:
                planned.append(replace(condition, walk=True, search=search))
                continue
            few = search is not None or (
                condition.segment is not None
                and _index_served(condition.segment)
                and await self._few(condition.segment)
            )
            planned.append(replace(condition, walk=not few, by_messages=few, search=search))
        return planned

    async def _few(self, found: Filter, few: int | None = None) -> bool:
        """At most `few` (FEW_MATCHES) messages meet the filter (read through its index)?"""
        few = FEW_MATCHES if few is None else few
        matching = _conversation_ids(_branches(found)).limit(few + 1)
        probe = select(func.count()).select_from(matching.subquery())
        return int((await self._db.execute(probe)).scalar_one()) <= few

    async def _search(self, words: str | None) -> text_search.Search | None:
        """How the text search index is to name the text's candidates, if it is to.
        PostgreSQL: whenever it is there (for a text of under three characters its trigram
        index cannot help, but the copy of the texts is narrower to scan than `messages`
        and better known to the planner, which chooses between index, scan and walk).
        SQLite: when the index names at most FEW_MATCHES messages (a common text is found
        faster by walking the interval): through every trigram of a text of three
        characters or more, through the trigrams a shorter one begins (`short_query`)."""
        if not words:
            return None
        if self._search_ready is None:
            self._search_ready = await text_search.search_ready(self._db)
        if not self._search_ready:
            return None
        if not self._sqlite:
            return text_search.Search(self._db.connection.dialect.name)
        if len(words) >= text_search.MIN_SEARCH_LENGTH:
            fts_query: str | None = text_search.trigram_query(words)
        else:
            fts_query = await text_search.short_query(self._db, words)
        if fts_query is None:
            return None
        probe = text_search.candidates_probe(fts_query, FEW_MATCHES + 1)
        rare = int((await self._db.execute(probe)).scalar_one()) <= FEW_MATCHES
        return text_search.Search("sqlite", fts_query) if rare else None

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
