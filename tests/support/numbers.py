"""Phone numbers for tests that share one server."""

from __future__ import annotations

import random

import phonenumbers


def fresh_number(area: str = "317") -> str:
    """A valid US number nobody in this session provisioned yet (random; checked valid)."""
    while True:
        candidate = f"+1{area}{random.randint(2, 9)}{random.randint(0, 999_999):06d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            return candidate
