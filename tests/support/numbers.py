"""Phone numbers for tests that share one server."""

from __future__ import annotations

import random
from typing import Any

import phonenumbers

from tests.support.server import Server

# A valid number in an area no test provisions (they provision in 317): a sender that is
# never provisioned, whatever random numbers the shared server took.
NEVER_PROVISIONED = "+12195550100"


def fresh_number(area: str = "317") -> str:
    """A valid US number nobody in this session provisioned yet (random; checked valid)."""
    while True:
        candidate = f"+1{area}{random.randint(2, 9)}{random.randint(0, 999_999):06d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
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
