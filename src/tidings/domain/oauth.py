"""Rules of OAuth clients and tokens, as Genesys Cloud has them."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from tidings.domain.errors import FieldProblem
from tidings.domain.permissions import Grant

MIN_TOKEN_SECONDS = 300
MAX_TOKEN_SECONDS = 172_800
DEFAULT_TOKEN_SECONDS = 86_400

# Tidings issues tokens only with the client-credentials grant; the other types can be
# stored (for compatibility with exported configurations) but cannot get a token.
SUPPORTED_GRANT_TYPE = "CLIENT-CREDENTIALS"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_access_token() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """Secrets and tokens are long random strings, so a plain SHA-256 is the right store:
    a slow password hash would add cost to every token request and no safety."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def secrets_match(presented: str, stored_digest: str) -> bool:
    return secrets.compare_digest(digest(presented), stored_digest)


@dataclass
class OAuthClient:
    id: str
    name: str
    secret_digest: str
    authorized_grant_type: str
    access_token_validity_seconds: int = DEFAULT_TOKEN_SECONDS
    description: str | None = None
    state: str = "active"
    registered_redirect_uris: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    date_to_delete: datetime | None = None
    rate_limit_per_minute: int | None = None  # None: the server-wide setting
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None
    created_by: str | None = None
    modified_by: str | None = None

    def can_get_token(self) -> bool:
        return self.state == "active" and self.authorized_grant_type == SUPPORTED_GRANT_TYPE


@dataclass(frozen=True)
class TokenRecord:
    """A live token as the database knows it, with what its client may do."""

    client_id: str
    expires_at: datetime
    client_state: str
    grants: tuple[Grant, ...]
    rate_limit_per_minute: int | None


def check_token_validity(seconds: int) -> list[FieldProblem]:
    if MIN_TOKEN_SECONDS <= seconds <= MAX_TOKEN_SECONDS:
        return []
    return [
        FieldProblem(
            "accessTokenValiditySeconds",
            "invalid.value",
            f"must be between {MIN_TOKEN_SECONDS} and {MAX_TOKEN_SECONDS} seconds",
        )
    ]


@dataclass
class ClientDraft:
    """What a caller asks an OAuth client to be (create and full update)."""

    name: str
    authorized_grant_type: str
    access_token_validity_seconds: int = DEFAULT_TOKEN_SECONDS
    description: str | None = None
    state: str = "active"
    registered_redirect_uris: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    # The deprecated `roleIds`: roles granted in the home division, as in Genesys. Ignored
    # when `grants` are given: GET shows every granted role in `roleIds`, and a client that
    # PUTs back what it read must not gain those roles in the home division.
    home_role_ids: list[str] = field(default_factory=list)
    date_to_delete: datetime | None = None
    rate_limit_per_minute: int | None = None

    def problems(self) -> list[FieldProblem]:
        found = check_token_validity(self.access_token_validity_seconds)
        if not self.name.strip():
            found.append(FieldProblem("name", "required", "must not be blank"))
        if self.rate_limit_per_minute is not None and self.rate_limit_per_minute < 1:
            found.append(FieldProblem("rateLimitPerMinute", "invalid.value", "must be 1 or more"))
        return found
