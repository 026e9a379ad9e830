"""The error tree. Every error a user can cause is one of these; the API maps them to the
Genesys error body, so the core never speaks HTTP."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field_name: str
    error_code: str = "invalid.value"
    message: str = ""


class DomainError(Exception):
    code = "general.error"

    def __init__(self, message: str, *, details: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(DomainError):
    code = "bad.request"


class NotFound(DomainError):
    code = "not.found"

    def __init__(self, kind: str, entity_id: str) -> None:
        super().__init__(f"{kind} {entity_id} was not found")
        self.entity_id = entity_id


class Unauthenticated(DomainError):
    code = "authentication.required"


class MissingPermission(DomainError):
    code = "missing.permissions"

    def __init__(self, permissions: list[str]) -> None:
        listed = ", ".join(permissions)
        super().__init__(
            "Unable to perform the requested action. "
            f"You are missing the following permission(s): [{listed}]"
        )
        self.permissions = permissions


class NotAllowed(DomainError):
    """The caller holds the permission but may not use it on this object."""

    code = "not.authorized"


class VersionConflict(DomainError):
    code = "version.mismatch"

    def __init__(self, kind: str, entity_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"{kind} {entity_id} is at version {actual}, the request was made "
            f"against version {expected}; read it again and retry"
        )


class Conflict(DomainError):
    code = "conflict"


class RateLimited(DomainError):
    code = "too.many.requests.retry.after"

    def __init__(self, limit: int, retry_after_seconds: int) -> None:
        super().__init__(
            f"Rate limit exceeded the maximum of {limit} requests a minute; "
            f"retry after {retry_after_seconds} seconds"
        )
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds
