"""The unit of work: one connection, one transaction, committed only by its owner."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncTransaction

from tidings.adapters.db.analytics_repository import SqlAnalyticsRepository
from tidings.adapters.db.callable_time_set_repository import SqlCallableTimeSetRepository
from tidings.adapters.db.campaign_attempts import SqlCampaignAttempts
from tidings.adapters.db.campaign_report_repository import SqlCampaignReports
from tidings.adapters.db.campaign_repository import SqlCampaignRepository
from tidings.adapters.db.console_user_repository import SqlConsoleUserRepository
from tidings.adapters.db.contact_filter_repository import SqlContactFilterRepository
from tidings.adapters.db.contact_list_repository import SqlContactListRepository
from tidings.adapters.db.contact_repository import SqlContactRepository
from tidings.adapters.db.database import Database
from tidings.adapters.db.dispatcher_registry import SqlDispatcherRegistry
from tidings.adapters.db.division_repository import SqlDivisionRepository
from tidings.adapters.db.dnc_repository import SqlDncRepository
from tidings.adapters.db.event_repository import SqlEventRepository
from tidings.adapters.db.export_repository import SqlExportRepository
from tidings.adapters.db.import_repository import SqlImportRepository
from tidings.adapters.db.inbound_email_repository import SqlInboundEmailRepository
from tidings.adapters.db.inline import InlineEngine, InlineTransaction
from tidings.adapters.db.keyword_repositories import (
    SqlInboundPartRepository,
    SqlKeywordSettingsRepository,
    SqlOptOutRepository,
)
from tidings.adapters.db.message_repository import SqlMessageRepository
from tidings.adapters.db.oauth_repository import SqlOAuthClientRepository, SqlTokenRepository
from tidings.adapters.db.planner_statistics import SqlPlannerStatistics
from tidings.adapters.db.response_repository import (
    SqlResponseLibraryRepository,
    SqlResponseRepository,
)
from tidings.adapters.db.sender_repositories import (
    SqlEmailDomainRepository,
    SqlSmsNumberRepository,
)
from tidings.adapters.db.tables import contact_imports, dnc_imports
from tidings.adapters.db.webhook_repository import SqlWebhookRepository
from tidings.adapters.db.writer_gate import WriterGate
from tidings.domain.dnc_imports import DncImport
from tidings.domain.imports import ContactImport

R = TypeVar("R")


class _Built(Generic[R]):
    """A repository of the open unit of work, built when first asked for and kept until the
    unit closes."""

    def __init__(self, build: Callable[[SqlUnitOfWork], R]) -> None:
        self._build = build

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> _Built[R]: ...

    @overload
    def __get__(self, uow: SqlUnitOfWork, owner: type) -> R: ...

    def __get__(self, uow: SqlUnitOfWork | None, owner: type) -> Any:
        if uow is None:
            return self
        # Stored under the same name: the instance's value shadows this descriptor from now
        # on, so later uses cost a plain attribute lookup.
        built = uow.__dict__[self._name] = self._build(uow)
        return built


class SqlUnitOfWork:
    # Repositories are built on first use: a unit of work of the send path touches one or
    # two, and building all 28 cost a sixth of such a transaction. Webhooks come first
    # because two others are built on it, and mypy reads their types in order.
    webhooks = _Built(lambda uow: SqlWebhookRepository(uow.db))
    oauth_clients = _Built(lambda uow: SqlOAuthClientRepository(uow.db))
    tokens = _Built(lambda uow: SqlTokenRepository(uow.db))
    divisions = _Built(lambda uow: SqlDivisionRepository(uow.db))
    dispatchers = _Built(lambda uow: SqlDispatcherRegistry(uow.db))
    statistics = _Built(lambda uow: SqlPlannerStatistics(uow.db))
    contact_lists = _Built(lambda uow: SqlContactListRepository(uow.db))
    contacts = _Built(lambda uow: SqlContactRepository(uow.db))
    callable_time_sets = _Built(lambda uow: SqlCallableTimeSetRepository(uow.db))
    dnc = _Built(lambda uow: SqlDncRepository(uow.db))
    exports = _Built(lambda uow: SqlExportRepository(uow.db))
    contact_imports = _Built(
        lambda uow: SqlImportRepository(uow.db, contact_imports, ContactImport)
    )
    dnc_imports = _Built(lambda uow: SqlImportRepository(uow.db, dnc_imports, DncImport))
    contact_filters = _Built(lambda uow: SqlContactFilterRepository(uow.db))
    messages = _Built(lambda uow: SqlMessageRepository(uow.db, uow.webhooks))
    sms_numbers = _Built(lambda uow: SqlSmsNumberRepository(uow.db))
    email_domains = _Built(lambda uow: SqlEmailDomainRepository(uow.db))
    response_libraries = _Built(lambda uow: SqlResponseLibraryRepository(uow.db))
    responses = _Built(lambda uow: SqlResponseRepository(uow.db))
    campaigns = _Built(lambda uow: SqlCampaignRepository(uow.db))
    campaign_attempts = _Built(lambda uow: SqlCampaignAttempts(uow.db))
    inbound_emails = _Built(lambda uow: SqlInboundEmailRepository(uow.db, uow.messages))
    console_users = _Built(lambda uow: SqlConsoleUserRepository(uow.db))
    analytics = _Built(lambda uow: SqlAnalyticsRepository(uow.db))
    events = _Built(lambda uow: SqlEventRepository(uow.db))
    opt_outs = _Built(lambda uow: SqlOptOutRepository(uow.db, uow.webhooks))
    keyword_settings = _Built(lambda uow: SqlKeywordSettingsRepository(uow.db))
    inbound_parts = _Built(lambda uow: SqlInboundPartRepository(uow.db))
    campaign_reports = _Built(lambda uow: SqlCampaignReports(uow.db))

    def __init__(
        self, engine: AsyncEngine | InlineEngine, writer_gate: WriterGate | None = None
    ) -> None:
        self._engine = engine
        self._writer_gate = writer_gate
        self._db: Database | None = None
        self._transaction: AsyncTransaction | InlineTransaction | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        connection = await self._engine.connect()
        self._transaction = await connection.begin()
        self._db = Database(connection, self._writer_gate)
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
            for name in _BUILT:
                self.__dict__.pop(name, None)
            self._transaction = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the unit of work is not open")
        return self._db

    async def commit(self) -> None:
        if self._transaction is None or self._db is None:
            raise RuntimeError("the unit of work is not open")
        try:
            await self._transaction.commit()
        except BaseException:
            # A failed COMMIT may leave the driver inside its transaction (SQLite keeps it
            # on a full disk or I/O error); such a connection must not go back to the pool,
            # where it would hold the write lock.
            await self._db.connection.invalidate()
            raise
        finally:
            self._db.end_write()
            self._transaction = None


_BUILT = tuple(name for name, value in vars(SqlUnitOfWork).items() if isinstance(value, _Built))
