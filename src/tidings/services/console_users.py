"""Console users: created by the operator, signed in with a password, held by a session.

A signed-in user is a `Caller` like an OAuth client: its grants make the same `Access`, so
every service checks the same permissions and divisions whether a page or the API asks."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from tidings.domain.console_users import (
    SIGN_IN_REFUSED,
    ConsoleSession,
    ConsoleUser,
    email_address,
    password_problems,
)
from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, Unauthenticated
from tidings.domain.ids import new_id, utcnow
from tidings.domain.oauth import digest
from tidings.domain.paging import MAX_PAGE_SIZE
from tidings.domain.permissions import ALL_DIVISIONS, Access, Grant, find_role
from tidings.ports import PasswordHasher, UnitOfWorkFactory
from tidings.services.caller import Caller


@dataclass(frozen=True)
class SignedIn:
    user: ConsoleUser
    caller: Caller
    csrf_token: str


class ConsoleUserService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        passwords: PasswordHasher,
        session_hours: float,
        rate_limit_per_minute: int,
    ) -> None:
        self._uow = uow
        self._passwords = passwords
        self._session = timedelta(hours=session_hours)
        self._rate_limit = rate_limit_per_minute
        # Verified against when the e-mail is unknown, so both refusals take as long.
        self._decoy: str | None = None

    async def create(self, raw_email: str, password: str, grants: list[Grant]) -> ConsoleUser:
        """The operator at the command line creates users (they hold the database)."""
        email = email_address(raw_email)
        problems = password_problems(password)
        async with self._uow() as uow:
            wanted = sorted({g.division_id for g in grants} - {ALL_DIVISIONS})
            known = await uow.divisions.existing_ids(wanted)
            for index, grant in enumerate(grants):
                if find_role(grant.role_id) is None:
                    problems.append(FieldProblem(f"role[{index}]", "not.found", grant.role_id))
                elif grant.division_id != ALL_DIVISIONS and grant.division_id not in known:
                    problems.append(
                        FieldProblem(
                            f"role[{index}]", "not.found", f"no division {grant.division_id}"
                        )
                    )
            if problems:
                raise InvalidInput("The console user is not valid", details=problems)
            if await uow.console_users.find_by_email(email) is not None:
                raise Conflict(f"A console user {email} exists already")
            password_hash = await asyncio.to_thread(self._passwords.hash, password)
            user = ConsoleUser(new_id(), email, password_hash, grants, date_created=utcnow())
            await uow.console_users.add(user)
            await uow.commit()
        return user

    async def sign_in(self, raw_email: str, password: str) -> tuple[str, SignedIn]:
        """A new session's token (for the cookie) and who it is; one refusal for all
        reasons. Wrong passwords in a row lock the account for a while (domain rule)."""
        try:
            email = email_address(raw_email)
        except InvalidInput:
            email = ""
        async with self._uow() as uow:
            user = await uow.console_users.find_by_email(email) if email else None
        if user is None and self._decoy is None:
            self._decoy = await asyncio.to_thread(self._passwords.hash, secrets.token_hex(16))
        stored = user.password_hash if user is not None else self._decoy or ""
        matches = await asyncio.to_thread(self._passwords.verify, stored, password[:1024])
        now = utcnow()
        if user is None or user.state != "active":
            raise Unauthenticated(SIGN_IN_REFUSED)
        async with self._uow() as uow:
            if user.locked(now) or not matches:
                if not user.locked(now):
                    await uow.console_users.note_sign_in(user.id, *user.after_failure(now))
                    await uow.commit()
                raise Unauthenticated(SIGN_IN_REFUSED)
            token = secrets.token_urlsafe(32)
            session = ConsoleSession(
                digest(token), user.id, secrets.token_urlsafe(32), now + self._session
            )
            await uow.console_users.note_sign_in(user.id, 0, None)
            await uow.console_users.add_session(session, now)
            await uow.console_users.purge_sessions(now)
            await uow.commit()
        return token, self._signed_in(user, session)

    async def session(self, token: str) -> SignedIn | None:
        """Who holds this session token, if it is live."""
        async with self._uow() as uow:
            found = await uow.console_users.find_session(digest(token), utcnow())
        return None if found is None else self._signed_in(found[1], found[0])

    async def sessions(self, tokens: Iterable[str]) -> dict[str, SignedIn]:
        """Who holds each of these session tokens (the live ones), in one query set: the
        console's live dashboards ask for all of theirs every second."""
        by_digest = {digest(token): token for token in tokens}
        async with self._uow() as uow:
            found = await uow.console_users.find_sessions(sorted(by_digest), utcnow())
        return {
            by_digest[session.digest]: self._signed_in(user, session) for session, user in found
        }

    async def emails(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Console users' addresses by id, to name who made a change (ids of API clients
        and of removed users are not found)."""
        wanted = sorted(set(user_ids))[:MAX_PAGE_SIZE]
        async with self._uow() as uow:
            return await uow.console_users.emails(wanted)

    async def sign_out(self, token: str) -> None:
        async with self._uow() as uow:
            await uow.console_users.delete_session(digest(token))
            await uow.commit()

    def _signed_in(self, user: ConsoleUser, session: ConsoleSession) -> SignedIn:
        caller = Caller(user.id, Access(user.id, user.grants), self._rate_limit)
        return SignedIn(user, caller, session.csrf_token)
