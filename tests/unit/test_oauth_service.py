"""The OAuth use cases against in-memory fakes: token checks, caching, revocation."""

from __future__ import annotations

import pytest

from tests.unit.fakes import FakeStore, FakeUnitOfWork
from tidings.domain.divisions import Division
from tidings.domain.errors import InvalidInput, RateLimited, Unauthenticated
from tidings.domain.oauth import ClientDraft
from tidings.domain.permissions import ALL_DIVISIONS, Grant, find_role
from tidings.services.oauth import OAuthService, TokenRefused


def _service(store: FakeStore, **options: object) -> OAuthService:
    settings = {"default_rate_limit": 600_000, "token_cache_seconds": 60.0, **options}
    return OAuthService(lambda: FakeUnitOfWork(store), **settings)  # type: ignore[arg-type]


def _store() -> FakeStore:
    store = FakeStore()
    store.divisions["home"] = Division(id="home", name="Home", home_division=True)
    return store


def _draft(*roles: str, **fields: object) -> ClientDraft:
    return ClientDraft(
        name="crm",
        authorized_grant_type="CLIENT-CREDENTIALS",
        grants=[Grant(r, ALL_DIVISIONS) for r in roles],
        **fields,  # type: ignore[arg-type]
    )


async def test_a_cached_token_costs_no_database_lookup() -> None:
    store = _store()
    service = _service(store)
    client, secret = await service.create_client(_draft("admin"))
    token = (await service.issue_token(client.id, secret)).access_token
    for _ in range(100):
        caller = await service.authenticate(token)
    assert caller.client_id == client.id
    assert store.token_lookups == 1


async def test_without_caching_every_check_asks_the_database() -> None:
    store = _store()
    service = _service(store, token_cache_seconds=0.0)
    client, secret = await service.create_client(_draft("admin"))
    token = (await service.issue_token(client.id, secret)).access_token
    await service.authenticate(token)
    await service.authenticate(token)
    assert store.token_lookups == 2


async def test_disabling_a_client_ends_its_cached_tokens_at_once() -> None:
    store = _store()
    service = _service(store)
    client, secret = await service.create_client(_draft("admin"))
    token = (await service.issue_token(client.id, secret)).access_token
    caller = await service.authenticate(token)
    await service.update_client(caller, client.id, _draft("admin", state="disabled"), None)
    with pytest.raises(Unauthenticated):
        await service.authenticate(token)


async def test_wrong_secret_and_disabled_clients_get_no_token() -> None:
    store = _store()
    service = _service(store)
    client, secret = await service.create_client(_draft("admin"))
    with pytest.raises(TokenRefused) as wrong:
        await service.issue_token(client.id, secret + "x")
    assert wrong.value.status == 401
    disabled, disabled_secret = await service.create_client(_draft(state="disabled"))
    with pytest.raises(TokenRefused):
        await service.issue_token(disabled.id, disabled_secret)


async def test_each_process_enforces_its_share_of_the_limit() -> None:
    store = _store()
    service = _service(store, processes=2)
    client, secret = await service.create_client(_draft("admin", rate_limit_per_minute=4))
    token = (await service.issue_token(client.id, secret)).access_token
    await service.authenticate(token)
    await service.authenticate(token)
    with pytest.raises(RateLimited):
        await service.authenticate(token)


async def test_role_names_resolve_and_legacy_role_ids_grant_in_home() -> None:
    store = _store()
    service = _service(store)
    draft = _draft()
    draft.home_role_ids = ["reporting"]
    client, _ = await service.create_client(draft)
    reporting = find_role("reporting")
    assert reporting and client.grants == [Grant(reporting.id, "home")]


async def test_legacy_role_ids_are_ignored_beside_role_divisions() -> None:
    """GET lists every granted role in roleIds; PUTting that back must not widen access."""
    store = _store()
    service = _service(store)
    draft = _draft("sender")
    draft.home_role_ids = ["sender"]
    client, _ = await service.create_client(draft)
    sender = find_role("sender")
    assert sender and client.grants == [Grant(sender.id, ALL_DIVISIONS)]


async def test_an_unknown_token_is_refused_from_memory_the_second_time() -> None:
    store = _store()
    service = _service(store)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await service.authenticate("no-such-token")
    assert store.token_lookups == 1


async def test_a_bad_draft_changes_nothing() -> None:
    store = _store()
    service = _service(store)
    with pytest.raises(InvalidInput):
        await service.create_client(_draft("admin", access_token_validity_seconds=10))
    assert store.clients == {} and store.commits == 0
