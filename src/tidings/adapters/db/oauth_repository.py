"""OAuth clients, their grants and their tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import oauth_client_grants, oauth_clients, oauth_tokens
from tidings.domain.ids import utcnow
from tidings.domain.oauth import OAuthClient, TokenRecord
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Grant


def _client_values(client: OAuthClient) -> dict[str, Any]:
    return {
        "name": client.name,
        "description": client.description,
        "secret_digest": client.secret_digest,
        "authorized_grant_type": client.authorized_grant_type,
        "access_token_validity_seconds": client.access_token_validity_seconds,
        "state": client.state,
        "registered_redirect_uris": client.registered_redirect_uris,
        "scope": client.scope,
        "date_to_delete": client.date_to_delete,
        "rate_limit_per_minute": client.rate_limit_per_minute,
        "date_modified": client.date_modified,
        "modified_by": client.modified_by,
    }


class SqlOAuthClientRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def _grants(self, client_ids: list[str]) -> dict[str, list[Grant]]:
        found: dict[str, list[Grant]] = {cid: [] for cid in client_ids}
        if not client_ids:
            return found
        rows = await self._db.execute(
            select(oauth_client_grants).where(oauth_client_grants.c.client_id.in_(client_ids))
        )
        for row in rows:
            found[row.client_id].append(Grant(row.role_id, row.division_id))
        return found

    @staticmethod
    def _entity(row: Any, grants: list[Grant]) -> OAuthClient:
        return OAuthClient(
            id=row.id,
            name=row.name,
            description=row.description,
            secret_digest=row.secret_digest,
            authorized_grant_type=row.authorized_grant_type,
            access_token_validity_seconds=row.access_token_validity_seconds,
            state=row.state,
            registered_redirect_uris=list(row.registered_redirect_uris or []),
            scope=list(row.scope or []),
            grants=sorted(grants, key=lambda g: (g.role_id, g.division_id)),
            date_to_delete=row.date_to_delete,
            rate_limit_per_minute=row.rate_limit_per_minute,
            version=row.version,
            date_created=row.date_created,
            date_modified=row.date_modified,
            created_by=row.created_by,
            modified_by=row.modified_by,
        )

    async def get(self, client_id: str) -> OAuthClient | None:
        row = (
            await self._db.execute(select(oauth_clients).where(oauth_clients.c.id == client_id))
        ).first()
        if row is None:
            return None
        return self._entity(row, (await self._grants([client_id]))[client_id])

    async def list(self, page: PageRequest) -> tuple[list[OAuthClient], int]:
        total = (await self._db.execute(select(func.count()).select_from(oauth_clients))).scalar()
        rows = (
            await self._db.execute(
                select(oauth_clients)
                .order_by(oauth_clients.c.name, oauth_clients.c.id)
                .limit(page.page_size)
                .offset(page.offset)
            )
        ).all()
        grants = await self._grants([row.id for row in rows])
        return [self._entity(row, grants[row.id]) for row in rows], int(total or 0)

    async def _write_grants(self, client: OAuthClient) -> None:
        await self._db.execute(
            delete(oauth_client_grants).where(oauth_client_grants.c.client_id == client.id)
        )
        if client.grants:
            await self._db.execute(
                insert(oauth_client_grants),
                [
                    {"client_id": client.id, "role_id": g.role_id, "division_id": g.division_id}
                    for g in set(client.grants)
                ],
            )

    async def add(self, client: OAuthClient) -> None:
        await self._db.execute(
            insert(oauth_clients).values(
                id=client.id,
                version=client.version,
                date_created=client.date_created,
                created_by=client.created_by,
                **_client_values(client),
            )
        )
        await self._write_grants(client)

    async def update(self, client: OAuthClient, expected_version: int) -> bool:
        result = await self._db.execute(
            update(oauth_clients)
            .where(oauth_clients.c.id == client.id, oauth_clients.c.version == expected_version)
            .values(version=expected_version + 1, **_client_values(client))
        )
        if result.rowcount != 1:
            return False
        client.version = expected_version + 1
        await self._write_grants(client)
        return True

    async def delete(self, client_id: str) -> bool:
        result = await self._db.execute(
            delete(oauth_clients).where(oauth_clients.c.id == client_id)
        )
        return bool(result.rowcount)


class SqlTokenRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def add(self, token_digest: str, client_id: str, expires_at: datetime) -> None:
        await self._db.execute(
            insert(oauth_tokens).values(
                digest=token_digest,
                client_id=client_id,
                expires_at=expires_at,
                created_at=utcnow(),
            )
        )

    async def find(self, token_digest: str) -> TokenRecord | None:
        row = (
            await self._db.execute(
                select(
                    oauth_tokens.c.client_id,
                    oauth_tokens.c.expires_at,
                    oauth_clients.c.state,
                    oauth_clients.c.rate_limit_per_minute,
                )
                .join(oauth_clients, oauth_clients.c.id == oauth_tokens.c.client_id)
                .where(oauth_tokens.c.digest == token_digest)
            )
        ).first()
        if row is None:
            return None
        grants = (
            await self._db.execute(
                select(oauth_client_grants.c.role_id, oauth_client_grants.c.division_id).where(
                    oauth_client_grants.c.client_id == row.client_id
                )
            )
        ).all()
        return TokenRecord(
            client_id=row.client_id,
            expires_at=row.expires_at,
            client_state=row.state,
            grants=tuple(Grant(g.role_id, g.division_id) for g in grants),
            rate_limit_per_minute=row.rate_limit_per_minute,
        )

    async def revoke_client(self, client_id: str) -> None:
        await self._db.execute(delete(oauth_tokens).where(oauth_tokens.c.client_id == client_id))

    async def purge_expired(self, now: datetime) -> int:
        result = await self._db.execute(
            delete(oauth_tokens).where(oauth_tokens.c.expires_at <= now)
        )
        return int(result.rowcount or 0)
