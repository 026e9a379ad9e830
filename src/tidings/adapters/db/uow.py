"""The unit of work: one connection, one transaction, committed only by its owner."""

from __future__ import annotations

from types import TracebackType

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
from tidings.adapters.db.database import Database, WriterGate
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
from tidings.domain.dnc_imports import DncImport
from tidings.domain.imports import ContactImport


class SqlUnitOfWork:
    oauth_clients: SqlOAuthClientRepository
    tokens: SqlTokenRepository
    divisions: SqlDivisionRepository
    dispatchers: SqlDispatcherRegistry
    contact_lists: SqlContactListRepository
    contacts: SqlContactRepository
    callable_time_sets: SqlCallableTimeSetRepository
    dnc: SqlDncRepository
    exports: SqlExportRepository
    contact_imports: SqlImportRepository[ContactImport]
    dnc_imports: SqlImportRepository[DncImport]
    contact_filters: SqlContactFilterRepository
    messages: SqlMessageRepository
    sms_numbers: SqlSmsNumberRepository
    email_domains: SqlEmailDomainRepository
    response_libraries: SqlResponseLibraryRepository
    responses: SqlResponseRepository
    campaigns: SqlCampaignRepository
    campaign_attempts: SqlCampaignAttempts
    inbound_emails: SqlInboundEmailRepository
    console_users: SqlConsoleUserRepository
    analytics: SqlAnalyticsRepository
    events: SqlEventRepository
    opt_outs: SqlOptOutRepository
    keyword_settings: SqlKeywordSettingsRepository
    inbound_parts: SqlInboundPartRepository
    campaign_reports: SqlCampaignReports
    webhooks: SqlWebhookRepository

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
        db = self._db = Database(connection, self._writer_gate)
        self.oauth_clients = SqlOAuthClientRepository(db)
        self.tokens = SqlTokenRepository(db)
        self.divisions = SqlDivisionRepository(db)
        self.dispatchers = SqlDispatcherRegistry(db)
        self.contact_lists = SqlContactListRepository(db)
        self.contacts = SqlContactRepository(db)
        self.callable_time_sets = SqlCallableTimeSetRepository(db)
        self.dnc = SqlDncRepository(db)
        self.exports = SqlExportRepository(db)
        self.contact_imports = SqlImportRepository(db, contact_imports, ContactImport)
        self.dnc_imports = SqlImportRepository(db, dnc_imports, DncImport)
        self.contact_filters = SqlContactFilterRepository(db)
        self.webhooks = SqlWebhookRepository(db)
        self.messages = SqlMessageRepository(db, self.webhooks)
        self.sms_numbers = SqlSmsNumberRepository(db)
        self.email_domains = SqlEmailDomainRepository(db)
        self.response_libraries = SqlResponseLibraryRepository(db)
        self.responses = SqlResponseRepository(db)
        self.campaigns = SqlCampaignRepository(db)
        self.campaign_attempts = SqlCampaignAttempts(db)
        self.inbound_emails = SqlInboundEmailRepository(db)
        self.console_users = SqlConsoleUserRepository(db)
        self.analytics = SqlAnalyticsRepository(db)
        self.events = SqlEventRepository(db)
        self.opt_outs = SqlOptOutRepository(db, self.webhooks)
        self.keyword_settings = SqlKeywordSettingsRepository(db)
        self.inbound_parts = SqlInboundPartRepository(db)
        self.campaign_reports = SqlCampaignReports(db)
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
