"""The conversation query's rules: which days an interval selects, what is refused, how our
statuses read in Genesys' words; the event log's list parameters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tidings.domain.analytics import (
    ConversationQuery,
    Filter,
    Predicate,
    checked_query,
    delivery_status,
    describe_filters,
    parse_interval,
)
from tidings.domain.errors import InvalidInput
from tidings.domain.events import event_query


def test_an_interval_selects_every_day_it_touches() -> None:
    found = parse_interval("2024-05-01T10:30:00.000Z/2024-05-02T08:00:00.000Z")
    assert (found.start, found.end) == (
        datetime(2024, 5, 1, tzinfo=UTC),
        datetime(2024, 5, 3, tzinfo=UTC),
    )
    whole = parse_interval("2024-05-01T00:00:00Z/2024-05-02T00:00:00Z")
    assert whole.end == datetime(2024, 5, 2, tzinfo=UTC)  # midnight ends the day before
    shifted = parse_interval("2024-05-01T23:00:00-02:00/2024-05-02T03:00:00+00:00")
    assert shifted.start == datetime(2024, 5, 2, tzinfo=UTC)  # read in UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024-05-01",
        "2024-05-02T00:00:00Z/2024-05-01T00:00:00Z",
        "a/b",
        "2020-01-01T00:00:00Z/2022-01-01T00:00:00Z",
    ],
)
def test_a_bad_interval_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_interval(text)
    assert refused.value.details[0].field_name == "interval"


def test_our_statuses_in_genesys_words() -> None:
    assert [
        delivery_status(s)
        for s in ("queued", "sent", "delivery-success", "delivery-failed", "failed", "received")
    ] == ["Queued", "Sent", "DeliverySuccess", "DeliveryFailed", "Failed", "Received"]


def test_deep_pages_are_refused_and_filters_read_as_words() -> None:
    interval = parse_interval("2024-05-01T00:00:00Z/2024-05-02T00:00:00Z")
    with pytest.raises(InvalidInput):
        checked_query(ConversationQuery(interval, page_size=100, page_number=1001))
    query = ConversationQuery(
        interval,
        segment_filters=(
            Filter(
                "or",
                predicates=(Predicate("deliveryStatus", value="DeliveryFailed"),),
                clauses=(Filter(predicates=(Predicate("outboundContactId", "exists"),)),),
            ),
        ),
    )
    assert checked_query(query) is query
    assert describe_filters(query) == [
        "interval: 2024-05-01T00:00:00Z / 2024-05-02T00:00:00Z",
        "segment: deliveryStatus = DeliveryFailed or (outboundContactId exists)",
    ]


def test_event_list_parameters() -> None:
    found = event_query("import_error", None, "warning", None, None)
    assert (found.category, found.level, found.sort_by, found.descending) == (
        "IMPORT_ERROR",
        "WARNING",
        "timestamp",
        True,
    )
    assert not event_query(None, "Prefix", None, "level", "ascending").descending
    with pytest.raises(InvalidInput):
        event_query(None, None, None, None, "sideways")
