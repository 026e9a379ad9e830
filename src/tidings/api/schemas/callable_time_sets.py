"""CallableTimeSet, CallableTime, CampaignTimeSlot."""

from __future__ import annotations

import re
from datetime import time

from pydantic import Field, field_validator

from tidings.api.schemas.common import ApiModel, Listing, UtcDatetime
from tidings.domain.callable_times import CallableTime, CallableTimeSet, TimeSlot

SETS = "/api/v2/outbound/callabletimesets"
_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")


class TimeSlotIn(ApiModel):
    start_time: str
    stop_time: str
    day: int = Field(ge=1, le=7)

    @field_validator("start_time", "stop_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.fullmatch(value):
            raise ValueError("write the time as HH:mm:ss (00:00:00 to 23:59:59)")
        return value


class CallableTimeIn(ApiModel):
    time_slots: list[TimeSlotIn] = Field(max_length=200)
    time_zone_id: str = Field(min_length=1, max_length=64)


class CallableTimeSetIn(ApiModel):
    name: str = Field(min_length=1, max_length=256)
    callable_times: list[CallableTimeIn] = Field(max_length=100)
    version: int | None = None

    def to_domain(self) -> CallableTimeSet:
        return CallableTimeSet(
            id="",
            name=self.name.strip(),
            callable_times=[
                CallableTime(
                    entry.time_zone_id,
                    tuple(
                        TimeSlot(
                            slot.day,
                            time.fromisoformat(slot.start_time),
                            time.fromisoformat(slot.stop_time),
                        )
                        for slot in entry.time_slots
                    ),
                )
                for entry in self.callable_times
            ],
        )


class CallableTimeSetOut(ApiModel):
    id: str
    name: str
    date_created: UtcDatetime | None = None
    date_modified: UtcDatetime | None = None
    version: int
    callable_times: list[CallableTimeIn]
    self_uri: str

    @classmethod
    def of(cls, found: CallableTimeSet) -> CallableTimeSetOut:
        return cls(
            id=found.id,
            name=found.name,
            date_created=found.date_created,
            date_modified=found.date_modified,
            version=found.version,
            callable_times=[
                CallableTimeIn(
                    time_zone_id=entry.time_zone_id,
                    time_slots=[
                        TimeSlotIn(
                            start_time=s.start.strftime("%H:%M:%S"),
                            stop_time=s.stop.strftime("%H:%M:%S"),
                            day=s.day,
                        )
                        for s in entry.slots
                    ],
                )
                for entry in found.callable_times
            ],
            self_uri=f"{SETS}/{found.id}",
        )


class CallableTimeSetListing(Listing):
    entities: list[CallableTimeSetOut]
