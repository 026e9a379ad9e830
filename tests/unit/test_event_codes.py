"""eventMessage.code as the SDK reads it: a value of its enum, or none."""

from __future__ import annotations

from datetime import UTC, datetime

import PureCloudPlatformClientV2 as gc
import pytest

from tidings.api.schemas.events import EventLogOut
from tidings.domain.events import SDK_CODES, EventLog


def _event(code: str | None) -> EventLog:
    return EventLog(
        id="e1",
        level="INFO",
        category="MESSAGING_CAMPAIGN",
        name="MESSAGING_CAMPAIGN_STOPPED",
        message="stopped",
        timestamp=datetime(2026, 11, 28, tzinfo=UTC),
        code=code,
    )


@pytest.mark.parametrize("code", sorted(SDK_CODES))
def test_our_codes_are_values_of_the_sdks_enum(code: str) -> None:
    message = gc.EventMessage()
    message.code = code
    assert message.code == code


def test_a_code_written_before_the_sdks_enum_was_followed_reads_as_none() -> None:
    """Older rows hold the event's name there, which the SDK reads as outdated_sdk_version."""
    assert EventLogOut.of(_event("MESSAGING_CAMPAIGN_STOPPED")).event_message.code is None
    assert EventLogOut.of(_event("CAMPAIGN_STOPPED")).event_message.code == "CAMPAIGN_STOPPED"
