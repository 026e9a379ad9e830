"""Callable time sets through the official SDK."""

from __future__ import annotations

from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server

SETS = "/api/v2/outbound/callabletimesets"


def _slot(day: int, start: str, stop: str) -> Any:
    slot = gc.CampaignTimeSlot()
    slot.day, slot.start_time, slot.stop_time = day, start, stop
    return slot


def _time_set(name: str) -> Any:
    entry = gc.CallableTime()
    entry.time_zone_id = "America/New_York"
    entry.time_slots = [_slot(day, "08:00:00", "21:00:00") for day in range(1, 6)]
    body = gc.CallableTimeSet()
    body.name = name
    body.callable_times = [entry]
    return body


def test_callable_time_set_crud(admin_sdk: Any, unique: Any) -> None:
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_callabletimesets(_time_set(unique("TCPA hours")))
    assert created.version == 1
    assert created.callable_times[0].time_slots[0].start_time == "08:00:00"
    created.callable_times[0].time_slots.append(_slot(6, "10:00:00", "14:00:00"))
    updated = api.put_outbound_callabletimeset(created.id, created)
    assert updated.version == 2 and len(updated.callable_times[0].time_slots) == 6
    with pytest.raises(ApiException) as stale:
        api.put_outbound_callabletimeset(created.id, created)
    assert stale.value.status == 409
    listed = api.get_outbound_callabletimesets(name=created.name)
    assert [s.id for s in listed.entities] == [created.id]
    api.delete_outbound_callabletimeset(created.id)
    with pytest.raises(ApiException) as gone:
        api.get_outbound_callabletimeset(created.id)
    assert gone.value.status == 404


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"timeZoneId": "Mars/Olympus", "timeSlots": []}, "callableTimes[0].timeZoneId"),
        (
            {
                "timeZoneId": "UTC",
                "timeSlots": [{"day": 8, "startTime": "09:00:00", "stopTime": "10:00:00"}],
            },
            "callableTimes[0].timeSlots[0].day",
        ),
        (
            {
                "timeZoneId": "UTC",
                "timeSlots": [{"day": 1, "startTime": "25:00:00", "stopTime": "10:00:00"}],
            },
            "callableTimes[0].timeSlots[0].startTime",
        ),
        (
            {
                "timeZoneId": "UTC",
                "timeSlots": [{"day": 1, "startTime": "10:00:00", "stopTime": "09:00:00"}],
            },
            "callableTimes[0].timeSlots[0].stopTime",
        ),
    ],
)
def test_bad_sets_are_refused_naming_the_field(
    server: Server, admin_token: str, unique: Any, entry: dict[str, Any], field: str
) -> None:
    status, body, _ = server.request(
        "POST", SETS, token=admin_token, json_body={"name": unique("bad"), "callableTimes": [entry]}
    )
    assert status == 400, body
    assert field in {d["fieldName"] for d in body["details"]}


def test_a_time_with_a_trailing_newline_is_a_400(
    server: Server, admin_token: str, unique: Any
) -> None:
    entry = {
        "timeZoneId": "UTC",
        "timeSlots": [{"day": 1, "startTime": "08:00\n", "stopTime": "09:00"}],
    }
    status, _, _ = server.request(
        "POST", SETS, token=admin_token, json_body={"name": unique("nl"), "callableTimes": [entry]}
    )
    assert status == 400
