"""Phone numbers for tests that share one server."""

from __future__ import annotations

import random
from typing import Any

import phonenumbers

from tests.support.server import Server

# A valid number in an area no test provisions (they provision in 317): a sender that is
# never provisioned, whatever random numbers the shared server took.
NEVER_PROVISIONED = "+12195550100"

_HANDED_OUT: set[str] = set()


def fresh_number(area: str = "317") -> str:
    """A valid US number nobody in this session provisioned yet (random; checked valid)."""
    while True:
        candidate = f"+1{area}{random.randint(2, 9)}{random.randint(0, 999_999):06d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            return candidate


def fresh_recipient(area: str = "260") -> str:
    """A number to send to that no other test in this process sends to, and that the
    simulator delivers (it fails numbers ending in 666). Area 260 is left to this helper so
    that counting a recipient's messages counts only the calling test's."""
    while True:
        candidate = fresh_number(area)
        if candidate not in _HANDED_OUT and not candidate.endswith("666"):
            _HANDED_OUT.add(candidate)
            return candidate


def provision_number(server: Server, token: str, area: str = "317") -> dict[str, Any]:
    """Provisions a fresh SMS number on the shared server; its body as the API gave it."""
    for _ in range(20):
        status, body, _ = server.request(
            "POST",
            "/api/v2/routing/sms/phonenumbers",
            token=token,
            json_body={"phoneNumber": fresh_number(area), "phoneNumberType": "local"},
        )
        if status == 200:
            return dict(body)
    raise AssertionError(f"could not provision a number: {status} {body}")
