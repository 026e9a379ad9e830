from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.domain.callable_times import CallableTime, CallableTimeSet, TimeSlot, is_time_zone

WEEKDAYS_9_TO_5 = tuple(TimeSlot(day, time(9), time(17)) for day in range(1, 6))


def _set(*entries: CallableTime) -> CallableTimeSet:
    return CallableTimeSet(id="s", name="business hours", callable_times=list(entries))


NEW_YORK = _set(CallableTime("America/New_York", WEEKDAYS_9_TO_5))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_slots_are_read_in_the_recipients_local_time() -> None:
    # Monday 2030-06-03 14:00 UTC is 10:00 in New York and 23:00 in Tokyo.
    monday = utc(2030, 6, 3, 14)
    assert NEW_YORK.allows(monday, ["America/New_York"])
    assert not NEW_YORK.allows(monday, ["Asia/Tokyo"])
    assert NEW_YORK.allows(monday)  # unknown zone: the default entry's own zone


def test_an_entry_for_the_recipients_zone_wins_over_the_default() -> None:
    tokyo_evenings = CallableTime("Asia/Tokyo", (TimeSlot(1, time(20), time(23, 30)),))
    both = _set(CallableTime("America/New_York", WEEKDAYS_9_TO_5), tokyo_evenings)
    assert both.allows(utc(2030, 6, 3, 14), ["Asia/Tokyo"])  # 23:00 Monday in Tokyo


def test_a_number_in_several_zones_needs_all_of_them() -> None:
    # 13:30 UTC: 09:30 in New York, 08:30 in Chicago (not yet open).
    instant = utc(2030, 6, 3, 13, 30)
    assert NEW_YORK.allows(instant, ["America/New_York"])
    assert not NEW_YORK.allows(instant, ["America/New_York", "America/Chicago"])
    assert NEW_YORK.next_allowed(instant, ["America/New_York", "America/Chicago"]) == utc(
        2030, 6, 3, 14
    )


def test_next_allowed_skips_the_weekend() -> None:
    friday_evening = utc(2030, 6, 7, 22)  # 18:00 Friday in New York
    assert NEW_YORK.next_allowed(friday_evening, ["America/New_York"]) == utc(2030, 6, 10, 13)


def test_stop_is_exclusive_and_dst_is_followed() -> None:
    assert not NEW_YORK.allows(utc(2030, 6, 3, 21), ["America/New_York"])  # 17:00 EDT
    assert NEW_YORK.allows(utc(2030, 1, 7, 21, 59), ["America/New_York"])  # 16:59 EST


def test_a_set_with_no_slot_in_a_week_never_allows() -> None:
    empty = _set(CallableTime("UTC", ()))
    assert empty.next_allowed(utc(2030, 6, 3)) is None


def test_problems_name_the_field() -> None:
    bad = _set(CallableTime("Mars/Olympus", (TimeSlot(8, time(10), time(9)),)))
    assert {p.field_name for p in bad.problems()} == {
        "callableTimes[0].timeZoneId",
        "callableTimes[0].timeSlots[0].day",
        "callableTimes[0].timeSlots[0].stopTime",
    }
    assert is_time_zone("Europe/Paris") and not is_time_zone("../etc/passwd")


ZONES = ["America/New_York", "America/Chicago", "Europe/London", "Asia/Tokyo", "Australia/Sydney"]
slots = st.builds(
    lambda day, start, length: TimeSlot(
        day,
        time(start // 60, start % 60),
        time(min(start + length, 1439) // 60, min(start + length, 1439) % 60),
    ),
    st.integers(1, 7),
    st.integers(0, 1380).map(lambda m: m - m % 15),
    st.integers(15, 600).map(lambda m: m - m % 15),
)
instants = st.integers(0, 365 * 24 * 4).map(lambda q: utc(2030, 1, 1) + timedelta(minutes=15 * q))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(slots, min_size=1, max_size=4),
    st.sampled_from(ZONES),
    st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True),
    instants,
)
def test_next_allowed_is_the_first_allowed_quarter_hour(
    found_slots: list[TimeSlot], entry_zone: str, zones: list[str], start: datetime
) -> None:
    """Against a brute-force walk: slots are on quarter hours, so checking every quarter
    hour up to the answer proves nothing earlier was allowed."""
    time_set = _set(CallableTime(entry_zone, tuple(found_slots)))
    answer = time_set.next_allowed(start, zones)
    limit = answer or start + timedelta(days=7)
    probe = start
    while probe < limit:
        assert not time_set.allows(probe, zones), probe
        probe += timedelta(minutes=15)
    if answer is not None:
        assert time_set.allows(answer, zones)
