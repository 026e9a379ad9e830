"""OAuth clients and client-credentials tokens."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from tidings.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotAllowed,
    NotFound,
    Unauthenticated,
    VersionConflict,
)
from tidings.domain.ids import new_id, utcnow
from tidings.domain.oauth import (
    SUPPORTED_GRANT_TYPE,
    ClientDraft,
    OAuthClient,
    digest,
    new_access_token,
    new_secret,
    secrets_match,
)
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import ALL_DIVISIONS, Access, Grant, find_role
from tidings.domain.ratelimit import RateLimiter
from tidings.ports import UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller

CLIENT = "OAuth client"


class TokenRefused(Exception):
    """The token endpoint's own error, in the OAuth shape rather than the Genesys one."""

    def __init__(self, error: str, description: str, status: int) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


@dataclass
class _Cached:
    caller: Caller
    valid_until: float  # monotonic


class OAuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        default_rate_limit: int,
        token_cache_seconds: float,
        processes: int = 1,
        max_cached_tokens: int = 100_000,
    ) -> None:
        self._uow = uow
        self._default_rate_limit = default_rate_limit
        self._cache_seconds = token_cache_seconds
        self._max_cached = max_cached_tokens
        self._cache: dict[str, _Cached] = {}
        # Tokens just refused: a client retrying a dead token must not cost a database
        # round trip per request either.
        self._refused: dict[str, float] = {}
        self._limiter = RateLimiter()
        # Each API process keeps its own bucket and the kernel spreads connections over the
        # processes, so each enforces its share of a client's limit.
        self._processes = processes

    # --- tokens -------------------------------------------------------------------------

    async def issue_token(self, client_id: str, secret: str) -> IssuedToken:
        async with self._uow() as uow:
            client = await uow.oauth_clients.get(client_id) if client_id else None
            if client is None or not secrets_match(secret, client.secret_digest):
                raise TokenRefused("invalid_client", "Invalid client credentials", 401)
            if client.state != "active":
                raise TokenRefused("invalid_client", f"The client is {client.state}", 401)
            if client.authorized_grant_type != SUPPORTED_GRANT_TYPE:
                raise TokenRefused(
                    "unauthorized_client",
                    "The client may not use the client_credentials grant",
                    400,
                )
            token = new_access_token()
            lifetime = client.access_token_validity_seconds
            try:
                await uow.tokens.add(
                    digest(token), client.id, utcnow() + timedelta(seconds=lifetime)
                )
            except Conflict as gone:  # the client was deleted at this very moment
                raise TokenRefused("invalid_client", "Invalid client credentials", 401) from gone
            await uow.commit()
        return IssuedToken(token, lifetime)

    async def authenticate(self, token: str) -> Caller:
        """The caller behind a bearer token; memory first, so a hit costs no database trip."""
        key = digest(token)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached.valid_until > now:
            caller = cached.caller
        elif self._refused.get(key, 0.0) > now:
            raise Unauthenticated("The access token is invalid or has expired")
        else:
            try:
                caller = await self._load_caller(key, now)
            except Unauthenticated:
                if len(self._refused) >= self._max_cached:
                    self._refused.clear()
                self._refused[key] = now + self._cache_seconds
                raise
        share = math.ceil(caller.rate_limit_per_minute / self._processes)
        self._limiter.take(caller.client_id, share, now)
        return caller

    async def _load_caller(self, key: str, now: float) -> Caller:
        self._cache.pop(key, None)
        async with self._uow() as uow:
            record = await uow.tokens.find(key)
        wall = utcnow()
        if record is None or record.expires_at <= wall:
            raise Unauthenticated("The access token is invalid or has expired")
        if record.client_state != "active":
            raise Unauthenticated("The client of this access token is not active")
        caller = Caller(
            record.client_id,
            Access(record.client_id, record.grants),
            record.rate_limit_per_minute or self._default_rate_limit,
        )
        remaining = (record.expires_at - wall).total_seconds()
        if len(self._cache) >= self._max_cached:
            self._evict(now)
        self._cache[key] = _Cached(caller, now + min(self._cache_seconds, remaining))
        return caller

    async def caller_for_client(self, client_id: str) -> Caller:
        """The caller a client is now, for work it asked for earlier (an upload URL)."""
        async with self._uow() as uow:
            client = await uow.oauth_clients.get(client_id)
        if client is None or client.state != "active":
            raise NotAllowed("The client that asked for this upload URL is gone or inactive")
        return Caller(
            client.id,
            Access(client.id, client.grants),
            client.rate_limit_per_minute or self._default_rate_limit,
        )

    def _evict(self, now: float) -> None:
        for key in [k for k, v in self._cache.items() if v.valid_until <= now]:
            del self._cache[key]
        if len(self._cache) >= self._max_cached:
            self._cache.clear()

    def forget_client(self, client_id: str) -> None:
        """Drops the cached tokens of a client whose rights just changed (in this process;
        other processes notice within `token_cache_seconds`)."""
        for key in [k for k, v in self._cache.items() if v.caller.client_id == client_id]:
            del self._cache[key]

    # --- clients ------------------------------------------------------------------------

    async def _check_draft(
        self, uow: UnitOfWork, draft: ClientDraft, caller: Caller | None
    ) -> None:
        problems = draft.problems()
        wanted = {g.division_id for g in draft.grants} - {ALL_DIVISIONS}
        known = await uow.divisions.existing_ids(sorted(wanted))
        for index, grant in enumerate(draft.grants):
            where = f"roleDivisions[{index}]"
            role = find_role(grant.role_id)
            if role is None:
                problems.append(
                    FieldProblem(f"{where}.roleId", "not.found", f"no role {grant.role_id}")
                )
                continue
            if grant.division_id != ALL_DIVISIONS and grant.division_id not in known:
                problems.append(
                    FieldProblem(
                        f"{where}.divisionId", "not.found", f"no division {grant.division_id}"
                    )
                )
                continue
            if caller is not None and not caller.access.can_grant(role, grant.division_id):
                problems.append(
                    FieldProblem(
                        f"{where}.roleId",
                        "permission.escalation",
                        f"you may not grant role {role.name} in division {grant.division_id}: "
                        "you do not hold all of its permissions there",
                    )
                )
        if problems:
            raise InvalidInput("The OAuth client is not valid", details=problems)

    async def create_client(
        self, draft: ClientDraft, caller: Caller | None = None
    ) -> tuple[OAuthClient, str]:
        """Creates a client; `caller` None is the operator at the command line."""
        if caller is not None:
            caller.access.require("oauth:client:add")
        async with self._uow() as uow:
            draft = await _resolve_roles(uow, draft)
            await self._check_draft(uow, draft, caller)
            secret = new_secret()
            now = utcnow()
            client = OAuthClient(
                id=new_id(),
                secret_digest=digest(secret),
                date_created=now,
                date_modified=now,
                created_by=caller.client_id if caller else None,
                modified_by=caller.client_id if caller else None,
                **_draft_values(draft),
            )
            await uow.oauth_clients.add(client)
            await uow.commit()
        return client, secret

    async def list_clients(
        self, caller: Caller, page: PageRequest
    ) -> tuple[list[OAuthClient], int]:
        caller.access.require("oauth:client:view")
        async with self._uow() as uow:
            return await uow.oauth_clients.list(page)

    async def get_client(self, caller: Caller, client_id: str) -> OAuthClient:
        caller.access.require("oauth:client:view")
        async with self._uow() as uow:
            return await _existing(uow, client_id)

    async def update_client(
        self, caller: Caller, client_id: str, draft: ClientDraft, version: int | None
    ) -> OAuthClient:
        caller.access.require("oauth:client:edit")
        async with self._uow() as uow:
            client = await _existing(uow, client_id)
            _check_may_act_on(caller, client)
            draft = await _resolve_roles(uow, draft)
            await self._check_draft(uow, draft, caller)
            if version is not None and version != client.version:
                raise VersionConflict(CLIENT, client_id, version, client.version)
            expected = client.version
            for name, value in _draft_values(draft).items():
                setattr(client, name, value)
            client.date_modified = utcnow()
            client.modified_by = caller.client_id
            if not await uow.oauth_clients.update(client, expected):
                raise VersionConflict(CLIENT, client_id, expected, expected + 1)
            if not client.can_get_token():
                # Disabled, or no longer a client-credentials client: its tokens end now.
                await uow.tokens.revoke_client(client_id)
            await uow.commit()
        self.forget_client(client_id)
        return client

    async def delete_client(self, caller: Caller, client_id: str) -> None:
        caller.access.require("oauth:client:delete")
        async with self._uow() as uow:
            _check_may_act_on(caller, await _existing(uow, client_id))
            if not await uow.oauth_clients.delete(client_id):
                raise NotFound(CLIENT, client_id)
            await uow.commit()
        self.forget_client(client_id)

    async def rotate_secret(self, caller: Caller, client_id: str) -> tuple[OAuthClient, str]:
        """A new secret; tokens already issued stay valid until they expire (as in Genesys)."""
        caller.access.require("oauth:client:edit")
        async with self._uow() as uow:
            client = await _existing(uow, client_id)
            _check_may_act_on(caller, client)
            secret = new_secret()
            expected = client.version
            client.secret_digest = digest(secret)
            client.date_modified = utcnow()
            client.modified_by = caller.client_id
            if not await uow.oauth_clients.update(client, expected):
                raise VersionConflict(CLIENT, client_id, expected, expected + 1)
            await uow.commit()
        return client, secret


def _check_may_act_on(caller: Caller, client: OAuthClient) -> None:
    """Changing, rotating or deleting a client is as strong as granting what it holds: a
    caller confined to one division must not take over a client that reaches further."""
    for grant in client.grants:
        role = find_role(grant.role_id)
        if role is not None and not caller.access.can_grant(role, grant.division_id):
            raise NotAllowed(
                f"You may not change OAuth client {client.id}: it holds role {role.name} in "
                f"division {grant.division_id}, which you could not grant"
            )


async def _existing(uow: UnitOfWork, client_id: str) -> OAuthClient:
    client = await uow.oauth_clients.get(client_id)
    if client is None:
        raise NotFound(CLIENT, client_id)
    return client


async def _resolve_roles(uow: UnitOfWork, draft: ClientDraft) -> ClientDraft:
    """Role names are accepted where ids are expected (`admin` for its id); the deprecated
    `roleIds` become grants in the home division."""

    def resolve(grant: Grant) -> Grant:
        role = find_role(grant.role_id)
        return grant if role is None else Grant(role.id, grant.division_id)

    grants = list(draft.grants)
    if draft.home_role_ids and not grants:
        home = await uow.divisions.get_home()
        grants += [Grant(role_id, home.id) for role_id in draft.home_role_ids]
    draft.grants = list(dict.fromkeys(resolve(g) for g in grants))
    draft.home_role_ids = []
    return draft


def _draft_values(draft: ClientDraft) -> dict[str, Any]:
    return {f.name: getattr(draft, f.name) for f in fields(draft) if f.name != "home_role_ids"}
