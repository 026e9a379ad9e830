"""The unit of work: one connection, one transaction, committed only by its owner."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncTransaction

from tidings.adapters.db.database import Database, WriterGate
from tidings.adapters.db.dispatcher_registry import SqlDispatcherRegistry
from tidings.adapters.db.division_repository import SqlDivisionRepository
from tidings.adapters.db.oauth_repository import SqlOAuthClientRepository, SqlTokenRepository


class SqlUnitOfWork:
    oauth_clients: SqlOAuthClientRepository
    tokens: SqlTokenRepository
    divisions: SqlDivisionRepository
    dispatchers: SqlDispatcherRegistry

    def __init__(self, engine: AsyncEngine, writer_gate: WriterGate | None = None) -> None:
        self._engine = engine
        self._writer_gate = writer_gate
        self._db: Database | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        connection = await self._engine.connect()
        self._transaction = await connection.begin()
        db = self._db = Database(connection, self._writer_gate)
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
        assert self._db is not None
        try:
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            self._db.end_write()
            await self._db.connection.close()
            self._db = None
            self._transaction = None

    async def commit(self) -> None:
        await self._finish(commit=True)

    async def rollback(self) -> None:
        await self._finish(commit=False)

    async def _finish(self, *, commit: bool) -> None:
        if self._transaction is None or self._db is None:
            raise RuntimeError("the unit of work is not open")
        try:
            if commit:
                await self._transaction.commit()
            else:
                await self._transaction.rollback()
        finally:
            self._db.end_write()
        # A finished unit of work may go on; it starts a new transaction.
        self._transaction = await self._db.connection.begin()
