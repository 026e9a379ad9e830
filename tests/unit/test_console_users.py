"""The rules of console users: addresses, passwords and the lock after wrong passwords."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tidings.domain.console_users import (
    LOCK_DURATION,
    MAX_FAILED_SIGN_INS,
    ConsoleUser,
    email_address,
    password_problems,
)
from tidings.domain.errors import InvalidInput

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_addresses_are_kept_in_lower_case_and_must_look_like_one() -> None:
    assert email_address("  Ann@Example.COM ") == "ann@example.com"
    for bad in ("ann", "ann@localhost", "@example.com", "a b@example.com"):
        with pytest.raises(InvalidInput):
            email_address(bad)


def test_a_password_needs_twelve_characters() -> None:
    assert password_problems("x" * 11)[0].field_name == "password"
    assert password_problems("x" * 12) == []


def test_the_fifth_wrong_password_in_a_row_locks_the_account_for_a_while() -> None:
    user = ConsoleUser("u", "ann@example.com", "hash")
    for expected in range(1, MAX_FAILED_SIGN_INS):
        user.failed_sign_ins, user.locked_until = user.after_failure(NOW)
        assert (user.failed_sign_ins, user.locked_until) == (expected, None)
    user.failed_sign_ins, user.locked_until = user.after_failure(NOW)
    assert user.locked(NOW)
    assert not user.locked(NOW + LOCK_DURATION)
    assert user.failed_sign_ins == 0  # after the lock, a full set of tries again
