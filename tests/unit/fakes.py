"""In-memory implementations of the ports, for testing services without I/O."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType

from tidings.domain.divisions import Division
from tidings.domain.oauth import OAuthClient, TokenRecord
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope


@dataclass
class FakeStore:
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    divisions: dict[str, Division] = field(default_factory=dict)
    token_lookups: int = 0
    commits: int = 0


class FakeOAuthClients:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def get(self, client_id: str) -> OAuthClient | None:
        found = self.store.clients.get(client_id)
        return None if found is None else replace(found, grants=list(found.grants))

    async def list(self, page: PageRequest) -> tuple[list[OAuthClient], int]:
        every = sorted(self.store.clients.values(), key=lambda c: c.name)
        return every[page.offset : page.offset + page.page_size], len(every)

    async def add(self, client: OAuthClient) -> None:
        self.store.clients[client.id] = client

    async def update(self, client: OAuthClient, expected_version: int) -> bool:
        if self.store.clients[client.id].version != expected_version:
            return False
        client.version = expected_version + 1
        self.store.clients[client.id] = replace(client)
        return True

    async def delete(self, client_id: str) -> bool:
        self.store.tokens = {k: v for k, v in self.store.tokens.items() if v[0] != client_id}
        return self.store.clients.pop(client_id, None) is not None


class FakeTokens:
    def __init__(self, store: FakeStore, tally: FakeStore) -> None:
        self.store = store
        self.tally = tally  # the committed store, where lookups are counted

    async def add(self, token_digest: str, client_id: str, expires_at: datetime) -> None:
        self.store.tokens[token_digest] = (client_id, expires_at)

    async def find(self, token_digest: str) -> TokenRecord | None:
        self.tally.token_lookups += 1
        found = self.store.tokens.get(token_digest)
        if found is None:
            return None
        client = self.store.clients[found[0]]
        return TokenRecord(
            client.id, found[1], client.state, tuple(client.grants), client.rate_limit_per_minute
        )

    async def revoke_client(self, client_id: str) -> None:
        self.store.tokens = {k: v for k, v in self.store.tokens.items() if v[0] != client_id}

    async def purge_expired(self, now: datetime) -> int:
        before = len(self.store.tokens)
        self.store.tokens = {k: v for k, v in self.store.tokens.items() if v[1] > now}
        return before - len(self.store.tokens)


class FakeDivisions:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def get(self, division_id: str) -> Division | None:
        return self.store.divisions.get(division_id)

    async def get_home(self) -> Division:
        return next(d for d in self.store.divisions.values() if d.home_division)

    async def find_by_name(self, name: str) -> Division | None:
        key = name.strip().casefold()
        return next((d for d in self.store.divisions.values() if d.name.casefold() == key), None)

    async def list(
        self, scope: Scope, page: PageRequest, *, name: str | None = None, ids: Sequence[str] = ()
    ) -> tuple[list[Division], int]:
        chosen = [d for d in self.store.divisions.values() if scope.includes(d.id)]
        return chosen[page.offset : page.offset + page.page_size], len(chosen)

    async def add(self, division: Division) -> None:
        self.store.divisions[division.id] = division

    async def update(self, division: Division, expected_version: int) -> bool:
        if self.store.divisions[division.id].version != expected_version:
            return False
        division.version = expected_version + 1
        self.store.divisions[division.id] = division
        return True

    async def delete(self, division_id: str) -> bool:
        return self.store.divisions.pop(division_id, None) is not None

    async def usage(self, division_id: str) -> dict[str, int]:
        grants = sum(
            1 for c in self.store.clients.values() for g in c.grants if g.division_id == division_id
        )
        return {"OAuth client grant": grants} if grants else {}

    async def existing_ids(self, division_ids: Sequence[str]) -> set[str]:
        return {d for d in division_ids if d in self.store.divisions}


class FakeDispatchers:
    def __init__(self) -> None:
        self.seen: dict[str, datetime] = {}

    async def heartbeat(self, dispatcher_id: str, hostname: str, pid: int, now: datetime) -> None:
        self.seen[dispatcher_id] = now

    async def forget(self, dispatcher_id: str) -> None:
        self.seen.pop(dispatcher_id, None)


class FakeUnitOfWork:
    """Works on a copy of the store; only `commit` writes it back, like a transaction."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def __aenter__(self) -> FakeUnitOfWork:
        self.work = copy.deepcopy(self.store)
        self.oauth_clients = FakeOAuthClients(self.work)
        self.tokens = FakeTokens(self.work, self.store)
        self.divisions = FakeDivisions(self.work)
        self.dispatchers = FakeDispatchers()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self.store.clients = copy.deepcopy(self.work.clients)
        self.store.tokens = copy.deepcopy(self.work.tokens)
        self.store.divisions = copy.deepcopy(self.work.divisions)
        self.store.commits += 1
