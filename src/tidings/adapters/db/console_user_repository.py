"""Console users, their grants and their sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import console_sessions, console_user_grants, console_users
from tidings.domain.console_users import ConsoleSession, ConsoleUser
from tidings.domain.permissions import Grant


class SqlConsoleUserRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def add(self, user: ConsoleUser) -> None:
        await self._db.execute(
            insert(console_users).values(
                id=user.id,
                email=user.email,
                password_hash=user.password_hash,
                state=user.state,
                failed_sign_ins=user.failed_sign_ins,
                locked_until=user.locked_until,
                date_created=user.date_created,
            )
        )
        if user.grants:
            await self._db.execute(
                insert(console_user_grants),
                [
                    {"user_id": user.id, "role_id": g.role_id, "division_id": g.division_id}
                    for g in dict.fromkeys(user.grants)
                ],
            )

    async def _user(self, row: Any) -> ConsoleUser:
        grants = await self._db.execute(
            select(console_user_grants.c.role_id, console_user_grants.c.division_id).where(
                console_user_grants.c.user_id == row.id
            )
        )
        return _user_of(row, [Grant(g.role_id, g.division_id) for g in grants])

    async def emails(self, user_ids: Sequence[str]) -> dict[str, str]:
        if not user_ids:
            return {}
        rows = await self._db.execute(
            select(console_users.c.id, console_users.c.email).where(
                console_users.c.id.in_(list(user_ids))
            )
        )
        return {row.id: row.email for row in rows}

    async def find_by_email(self, email: str) -> ConsoleUser | None:
        row = (
            await self._db.execute(select(console_users).where(console_users.c.email == email))
        ).first()
        return None if row is None else await self._user(row)

    async def note_sign_in(
        self, user_id: str, failed_sign_ins: int, locked_until: datetime | None
    ) -> None:
        await self._db.execute(
            update(console_users)
            .where(console_users.c.id == user_id)
            .values(failed_sign_ins=failed_sign_ins, locked_until=locked_until)
        )

    async def add_session(self, session: ConsoleSession, created_at: datetime) -> None:
        await self._db.execute(
            insert(console_sessions).values(
                digest=session.digest,
                user_id=session.user_id,
                csrf_token=session.csrf_token,
                expires_at=session.expires_at,
                created_at=created_at,
            )
        )

    async def find_session(
        self, digest: str, now: datetime
    ) -> tuple[ConsoleSession, ConsoleUser] | None:
        row = (await self._db.execute(_live_sessions([digest], now))).first()
        if row is None:
            return None
        session = ConsoleSession(digest, row.id, row.csrf_token, row.expires_at)
        return session, await self._user(row)

    async def find_sessions(
        self, digests: Sequence[str], now: datetime
    ) -> list[tuple[ConsoleSession, ConsoleUser]]:
        if not digests:
            return []
        rows = list(await self._db.execute(_live_sessions(digests, now)))
        grants: dict[str, list[Grant]] = {}
        if rows:
            found = await self._db.execute(
                select(
                    console_user_grants.c.user_id,
                    console_user_grants.c.role_id,
                    console_user_grants.c.division_id,
                ).where(console_user_grants.c.user_id.in_(sorted({r.id for r in rows})))
            )
            for g in found:
                grants.setdefault(g.user_id, []).append(Grant(g.role_id, g.division_id))
        return [
            (
                ConsoleSession(row.digest, row.id, row.csrf_token, row.expires_at),
                _user_of(row, grants.get(row.id, [])),
            )
            for row in rows
        ]

    async def delete_session(self, digest: str) -> None:
        await self._db.execute(delete(console_sessions).where(console_sessions.c.digest == digest))

    async def purge_sessions(self, now: datetime) -> int:
        result = await self._db.execute(
            delete(console_sessions).where(console_sessions.c.expires_at <= now)
        )
        return int(result.rowcount or 0)


def _user_of(row: Any, grants: list[Grant]) -> ConsoleUser:
    return ConsoleUser(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        grants=grants,
        state=row.state,
        failed_sign_ins=row.failed_sign_ins,
        locked_until=row.locked_until,
        date_created=row.date_created,
    )


def _live_sessions(digests: Sequence[str], now: datetime) -> Select[Any]:
    """The live sessions of active users among `digests`, each row with its user's."""
    return (
        select(
            console_sessions.c.digest,
            console_sessions.c.csrf_token,
            console_sessions.c.expires_at,
            console_users,
        )
        .join(console_users, console_users.c.id == console_sessions.c.user_id)
        .where(
            console_sessions.c.digest.in_(list(digests)),
            console_sessions.c.expires_at > now,
            console_users.c.state == "active",
        )
    )
