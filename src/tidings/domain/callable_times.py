"""Callable time sets: when a recipient may be messaged, in the recipient's own time.

A set holds entries, each a time zone with weekly slots (day 1 = Monday, start and stop as
wall-clock times, stop exclusive). For a recipient whose zone is known, the entry of that
zone applies if the set has one, else the first entry (the set's default); either way the
slots are read in the recipient's local time, which is what "08:00-21:00 local" rules ask.
A recipient whose zone is unknown gets the default entry read in that entry's own zone.
A number that maps to several zones may be messaged only when every one of them allows it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tidings.domain.errors import FieldProblem

WEEK_AHEAD_DAYS = 8


@dataclass(frozen=True)
class TimeSlot:
    day: int  # 1 = Monday ... 7 = Sunday
    start: time
    stop: time

    def contains(self, local: datetime) -> bool:
        return local.isoweekday() == self.day and self.start <= local.time() < self.stop


@dataclass(frozen=True)
class CallableTime:
    time_zone_id: str
    slots: tuple[TimeSlot, ...]


@dataclass
class CallableTimeSet:
    id: str
    name: str
    callable_times: list[CallableTime]
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None

    def problems(self) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        if not self.name.strip():
            found.append(FieldProblem("name", "required", "must not be blank"))
        if not self.callable_times:
            found.append(FieldProblem("callableTimes", "required", "give at least one entry"))
        for index, entry in enumerate(self.callable_times):
            where = f"callableTimes[{index}]"
            if not is_time_zone(entry.time_zone_id):
                found.append(
                    FieldProblem(f"{where}.timeZoneId", "invalid.value", "not an IANA time zone")
                )
            for number, slot in enumerate(entry.slots):
                if not 1 <= slot.day <= 7:
                    found.append(
                        FieldProblem(f"{where}.timeSlots[{number}].day", "invalid.value", "1 to 7")
                    )
                if slot.stop <= slot.start:
                    found.append(
                        FieldProblem(
                            f"{where}.timeSlots[{number}].stopTime",
                            "invalid.value",
                            "must be after startTime",
                        )
                    )
        return found

    def _entry_for(self, zone: str | None) -> CallableTime:
        return next(
            (entry for entry in self.callable_times if entry.time_zone_id == zone),
            self.callable_times[0],
        )

    def _allows(self, instant: datetime, zone: str | None) -> bool:
        entry = self._entry_for(zone)
        local = instant.astimezone(ZoneInfo(zone or entry.time_zone_id))
        return any(slot.contains(local) for slot in entry.slots)

    def allows(self, instant: datetime, zones: Sequence[str] = ()) -> bool:
        """May a recipient in `zones` (all of them; none: unknown) be messaged at `instant`?"""
        return all(self._allows(instant, zone) for zone in _or_unknown(zones))

    def next_allowed(self, instant: datetime, zones: Sequence[str] = ()) -> datetime | None:
        """The first instant from `instant` on when `allows` holds; None if not within a week.

        Where windows of several zones overlap, the overlap starts where one of them starts,
        so the starts of every slot (and `instant` itself) are the only candidates."""
        candidates = {instant}
        for zone in _or_unknown(zones):
            entry = self._entry_for(zone)
            local_zone = ZoneInfo(zone or entry.time_zone_id)
            today = instant.astimezone(local_zone).date()
            for offset in range(WEEK_AHEAD_DAYS + 1):
                day = today + timedelta(days=offset)
                for slot in entry.slots:
                    if slot.day == day.isoweekday():
                        start = datetime.combine(day, slot.start, local_zone).astimezone(UTC)
                        if start >= instant:
                            candidates.add(start)
        return next((c for c in sorted(candidates) if self.allows(c, zones)), None)


def _or_unknown(zones: Sequence[str]) -> Sequence[str | None]:
    return list(zones) if zones else [None]


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    if name not in _zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
