"""OAuthClientRequest / OAuthClient."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from tidings.api.schemas.common import ApiModel, DomainEntityRef, Listing, UtcDatetime
from tidings.domain.oauth import DEFAULT_TOKEN_SECONDS, ClientDraft, OAuthClient
from tidings.domain.permissions import Grant

GrantType = Literal["CODE", "TOKEN", "SAML2-BEARER", "PASSWORD", "CLIENT-CREDENTIALS"]
ClientState = Literal["active", "disabled", "inactive"]
TOKEN_SELF = "/api/v2/oauth/clients"


class RoleDivision(ApiModel):
    role_id: str = Field(min_length=1, max_length=64)
    division_id: str = Field(min_length=1, max_length=64)


class OAuthClientRequest(ApiModel):
    name: str = Field(min_length=1, max_length=256)
    authorized_grant_type: GrantType
    description: str | None = Field(default=None, max_length=1024)
    access_token_validity_seconds: int = DEFAULT_TOKEN_SECONDS
    registered_redirect_uri: list[str] = Field(default_factory=list, max_length=100)
    role_ids: list[str] = Field(default_factory=list, max_length=100)
    scope: list[str] = Field(default_factory=list, max_length=100)
    role_divisions: list[RoleDivision] = Field(default_factory=list, max_length=500)
    state: ClientState = "active"
    date_to_delete: UtcDatetime | None = None
    # Tidings extensions: requests a minute for this client (else the server default), and
    # the version the caller last read (a stale one gets 409).
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=100_000_000)
    version: int | None = None

    def to_draft(self) -> ClientDraft:
        return ClientDraft(
            name=self.name,
            authorized_grant_type=self.authorized_grant_type,
            access_token_validity_seconds=self.access_token_validity_seconds,
            description=self.description,
            state=self.state,
            registered_redirect_uris=self.registered_redirect_uri,
            scope=self.scope,
            grants=[Grant(rd.role_id, rd.division_id) for rd in self.role_divisions],
            home_role_ids=self.role_ids,
            date_to_delete=self.date_to_delete,
            rate_limit_per_minute=self.rate_limit_per_minute,
        )


class OAuthClientOut(ApiModel):
    id: str
    name: str
    description: str | None = None
    access_token_validity_seconds: int
    registered_redirect_uri: list[str]
    secret: str | None = None
    role_ids: list[str]
    date_created: UtcDatetime | None = None
    date_modified: UtcDatetime | None = None
    created_by: DomainEntityRef | None = None
    modified_by: DomainEntityRef | None = None
    authorized_grant_type: GrantType
    scope: list[str]
    role_divisions: list[RoleDivision]
    state: ClientState
    date_to_delete: UtcDatetime | None = None
    rate_limit_per_minute: int | None = None
    version: int
    self_uri: str

    @classmethod
    def of(cls, client: OAuthClient, secret: str | None = None) -> OAuthClientOut:
        def ref(client_id: str | None) -> DomainEntityRef | None:
            if client_id is None:
                return None
            return DomainEntityRef(id=client_id, self_uri=f"{TOKEN_SELF}/{client_id}")

        return cls(
            id=client.id,
            name=client.name,
            description=client.description,
            access_token_validity_seconds=client.access_token_validity_seconds,
            registered_redirect_uri=client.registered_redirect_uris,
            secret=secret,
            role_ids=sorted({g.role_id for g in client.grants}),
            date_created=client.date_created,
            date_modified=client.date_modified,
            created_by=ref(client.created_by),
            modified_by=ref(client.modified_by),
            authorized_grant_type=client.authorized_grant_type,  # type: ignore[arg-type]
            scope=client.scope,
            role_divisions=[
                RoleDivision(role_id=g.role_id, division_id=g.division_id) for g in client.grants
            ],
            state=client.state,  # type: ignore[arg-type]
            date_to_delete=client.date_to_delete,
            rate_limit_per_minute=client.rate_limit_per_minute,
            version=client.version,
            self_uri=f"{TOKEN_SELF}/{client.id}",
        )


class OAuthClientListing(Listing):
    entities: list[OAuthClientOut]


class TokenResponse(ApiModel):
    # OAuth names its fields in snake_case, so no camelCase aliases here.
    model_config = ConfigDict(alias_generator=None)

    access_token: str
    token_type: str
    expires_in: int


class OAuthError(ApiModel):
    model_config = ConfigDict(alias_generator=None)

    error: str
    description: str
    error_description: str
