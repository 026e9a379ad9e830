"""The unit of work: one connection, one transaction, committed only by its owner."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from tidings.adapters.db.dispatcher_registry import SqlDispatcherRegistry
from tidings.adapters.db.division_repository import SqlDivisionRepository
from tidings.adapters.db.oauth_repository import SqlOAuthClientRepository, SqlTokenRepository


class SqlUnitOfWork:
    oauth_clients: SqlOAuthClientRepository
    tokens: SqlTokenRepository
    divisions: SqlDivisionRepository
    dispatchers: SqlDispatcherRegistry

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._connection = await self._engine.connect()
        self._transaction = await self._connection.begin()
        db = self._connection
        self.oauth_clients = SqlOAuthClientRepository(db)
        self.tokens = SqlTokenRepository(db)
        self.divisions = SqlDivisionRepository(db)
        self.dispatchers = SqlDispatcherRegistry(db)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            if self._connection is not None:
                await self._connection.close()
            self._connection = None
            self._transaction = None

    async def commit(self) -> None:
        if self._transaction is None:
            raise RuntimeError("commit outside the unit of work")
        await self._transaction.commit()
        # A committed unit of work may go on reading; it starts a new transaction.
        assert self._connection is not None
        self._transaction = await self._connection.begin()

    async def rollback(self) -> None:
        if self._transaction is not None:
            await self._transaction.rollback()
            assert self._connection is not None
            self._transaction = await self._connection.begin()
