"""People who sign in to the web console. A console user holds role-division grants like
an OAuth client, so the services check the same permissions and divisions for both."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.permissions import Grant

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a megabyte "password" is an attack
# Failed sign-ins in a row that lock an account, and for how long. The lock slows a guesser
# down to a handful of tries an hour, yet a user who mistypes is back within minutes.
MAX_FAILED_SIGN_INS = 5
LOCK_DURATION = timedelta(minutes=15)

# Said for every refused sign-in, whichever half was wrong (or the account locked), so the
# form does not tell a guesser which e-mail addresses have accounts.
SIGN_IN_REFUSED = "The e-mail address or the password is not right"


@dataclass
class ConsoleUser:
    id: str
    email: str
    password_hash: str
    grants: list[Grant] = field(default_factory=list)
    state: str = "active"
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    date_created: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def after_failure(self, now: datetime) -> tuple[int, datetime | None]:
        """The failure count and lock after one more wrong password."""
        count = self.failed_sign_ins + 1
        if count >= MAX_FAILED_SIGN_INS:
            return 0, now + LOCK_DURATION
        return count, self.locked_until


@dataclass(frozen=True)
class ConsoleSession:
    digest: str  # SHA-256 of the cookie's token
    user_id: str
    csrf_token: str
    expires_at: datetime


def email_address(raw: str) -> str:
    """The address as stored: trimmed, lower case (sign-in ignores case)."""
    email = raw.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > 320 or " " in email:
        raise InvalidInput(
            "The e-mail address is not valid",
            details=[FieldProblem("email", "invalid.value", "write name@example.com")],
        )
    return email


def password_problems(password: str) -> list[FieldProblem]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [FieldProblem("password", "too.short", f"at least {MIN_PASSWORD_LENGTH} characters")]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [FieldProblem("password", "too.long", f"at most {MAX_PASSWORD_LENGTH}")]
    return []
