"""The composition root: reads the settings once and builds the adapters and services."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tidings.adapters.address_columns import AddressColumns
from tidings.adapters.addresses import AddressNormalizer
from tidings.adapters.db import migrate
from tidings.adapters.db.contact_import import SqlStagedContactWriter
from tidings.adapters.db.dnc_bulk import SqlDncBulk
from tidings.adapters.db.engine import (
    is_sqlite,
    make_async_engine,
    make_inline_engine,
    sqlite_path,
)
from tidings.adapters.db.export_source import SqlExportSource
from tidings.adapters.db.inline import InlineEngine
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.adapters.db.writer_gate import WriterGate
from tidings.adapters.dns_lookups import DnspythonLookups
from tidings.adapters.email.dkim_keys import RsaDkimKeys
from tidings.adapters.email.inbound import InboundSmtpReceiver
from tidings.adapters.email.smtp import SmtpSender
from tidings.adapters.exporters.csv_files import CsvExportStore
from tidings.adapters.exporters.dnc_files import CsvDncExportFiles
from tidings.adapters.exporters.reports import ReportFiles
from tidings.adapters.imports.contact_csv import CsvContactReader
from tidings.adapters.imports.dnc_csv import CsvDncReader
from tidings.adapters.imports.files import ImportDirectory
from tidings.adapters.passwords import Argon2Passwords
from tidings.adapters.process_lock import ProcessLock
from tidings.adapters.sender_numbers import PhonenumbersParser
from tidings.adapters.sms.simulator import SimulatorEmail, SimulatorSms
from tidings.adapters.sms.smpp import SmppSender
from tidings.adapters.sms.twilio import TwilioAccount, TwilioSender, is_twilio_url
from tidings.adapters.zip_zones import ZipCodeZones
from tidings.config import ConfigError, Settings, host_port
from tidings.dispatch.campaigns import CampaignEngine
from tidings.dispatch.channels import EmailChannel, SmsChannel
from tidings.dispatch.loop import Channels, Dispatcher
from tidings.dispatch.outbox import Outbox
from tidings.dispatch.pace import SenderPace
from tidings.dispatch.webhooks import WebhookDispatcher, WebhookPolicy
from tidings.domain.channels import OutboundEmail, OutboundSms
from tidings.domain.messages import EMAIL, SMS
from tidings.ports import EmailSender, SmsSender, UnitOfWork, UnitOfWorkFactory
from tidings.services.agentless import AgentlessService
from tidings.services.analytics import AnalyticsService
from tidings.services.callable_time_sets import CallableTimeSetService
from tidings.services.campaigns import CampaignService
from tidings.services.channel_events import ChannelRecorder
from tidings.services.console_users import ConsoleUserService
from tidings.services.contact_exports import ContactExportService
from tidings.services.contact_filters import ContactFilterService
from tidings.services.contact_imports import ContactImportService
from tidings.services.contact_lists import ContactListService
from tidings.services.divisions import DivisionService
from tidings.services.dnc import DncService
from tidings.services.dnc_exports import DncExportService
from tidings.services.dnc_imports import DncImportService
from tidings.services.email_domains import EmailDomainService
from tidings.services.events import EventLogService
from tidings.services.inbound_email import InboundEmailService
from tidings.services.oauth import OAuthService
from tidings.services.opt_outs import KeywordSettingsService, OptOutService
from tidings.services.response_previews import ResponsePreviewService
from tidings.services.responses import ResponseService
from tidings.services.sms_numbers import SmsNumberService
from tidings.services.webhooks import WebhookService


def prepare_storage(settings: Settings) -> None:
    """Creates the data directory and brings the database schema up to date."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url)


def schema_is_current(settings: Settings) -> bool:
    return not migrate.pending(settings.resolved_database_url)


class Background:
    """Tasks that outlive the request that started them (exports): kept referenced so they
    are not collected, and awaited briefly at shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, seconds: float = 10.0) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=seconds)


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    unit_of_work: UnitOfWorkFactory
    oauth: OAuthService
    divisions: DivisionService
    contact_lists: ContactListService
    contact_filters: ContactFilterService
    callable_time_sets: CallableTimeSetService
    dnc: DncService
    dnc_imports: DncImportService
    dnc_exports: DncExportService
    responses: ResponseService
    response_previews: ResponsePreviewService
    exports: ContactExportService
    imports: ContactImportService
    sms_numbers: SmsNumberService
    email_domains: EmailDomainService
    background: Background
    download_key: bytes
    export_source: SqlExportSource
    import_writer: SqlStagedContactWriter
    dnc_bulk: SqlDncBulk
    agentless: AgentlessService
    campaigns: CampaignService
    channel_events: ChannelRecorder
    # Replies, bounces and unsubscribes by mail (the receiver) and by link (the API).
    inbound_mail: InboundEmailService
    sms_sender: SmsSender
    email_sender: EmailSender
    verp_key: bytes
    addresses: AddressNormalizer
    send_path_uow: UnitOfWorkFactory
    inline_engine: InlineEngine | None
    console_users: ConsoleUserService
    analytics: AnalyticsService
    events: EventLogService
    opt_outs: OptOutService
    keyword_settings: KeywordSettingsService
    webhooks: WebhookService
    running_dispatcher: Dispatcher | None = None
    # The Auth Token that signs Twilio webhooks; None when the SMS provider is not Twilio
    # (the webhook routes then answer 404).
    twilio_auth_token: str | None = None

    @property
    def uses_sqlite(self) -> bool:
        return is_sqlite(self.settings.resolved_database_url)

    def dispatcher_lock(self) -> ProcessLock:
        """Held by the one process that runs the dispatcher: per SQLite file (SQLite takes
        one dispatcher), else per data directory (one per `serve`; workers add more)."""
        database = sqlite_path(self.settings.resolved_database_url)
        if database is not None:
            return ProcessLock(database.with_name(database.name + ".dispatcher.lock"))
        return ProcessLock(self.settings.data_dir / "dispatcher.lock")

    def dispatcher(self) -> Dispatcher:
        """The dispatcher of this process: it owns the provider connections."""
        settings = self.settings

        def outbox(media_type: str, channel: SmsChannel | EmailChannel) -> Outbox:
            # A claimed message whose send has not reached the wire is still failed as
            # unknown when its dispatcher dies: put no more on the way than the adapter can
            # send at once (the outbox adds as many answered and not yet settled), so a
            # crash leaves at most twice its window of unknown outcomes.
            sender = self.sms_sender if media_type == SMS else self.email_sender
            window = getattr(sender, "max_in_flight", settings.send_in_flight)
            return Outbox(
                self.send_path_uow,
                media_type,
                channel.send,
                in_flight=min(settings.send_in_flight, window),
                poll_seconds=settings.send_poll_seconds,
                receipts_by_provider_id=getattr(sender, "receipts_by_provider_id", True),
            )

        channels = Channels(
            events=self.channel_events,
            connections=(self.sms_sender, self.email_sender, *self.inbound_receivers()),
            outboxes=(
                outbox(
                    SMS,
                    SmsChannel(self.sms_sender, SenderPace(settings.sms_per_second_per_sender)),
                ),
                outbox(
                    EMAIL,
                    EmailChannel(
                        self.email_sender,
                        self.unit_of_work,
                        self.verp_key,
                        SenderPace(settings.email_per_second),
                        settings.public_url,
                    ),
                ),
            ),
            housekeeping=(self.channel_events.store_incomplete_parts,),
        )
        campaigns = CampaignEngine(
            self.unit_of_work,
            queued=self.message_queued,
            poll_seconds=settings.send_poll_seconds,
        )
        self.running_dispatcher = Dispatcher(
            self.unit_of_work,
            poll_seconds=settings.dispatcher_poll_seconds,
            channels=channels,
            campaigns=campaigns,
            inactivity=timedelta(hours=settings.conversation_inactivity_hours),
            webhooks=WebhookDispatcher(
                self.unit_of_work,
                WebhookPolicy(
                    max_attempts=settings.webhook_max_attempts,
                    first_retry=timedelta(seconds=settings.webhook_first_retry_seconds),
                    longest_retry=timedelta(seconds=settings.webhook_longest_retry_seconds),
                    timeout_seconds=settings.webhook_timeout_seconds,
                    kept=timedelta(days=settings.webhook_history_days),
                ),
            ),
        )
        return self.running_dispatcher

    def inbound_receivers(self) -> tuple[InboundSmtpReceiver, ...]:
        """The inbound SMTP receiver, when `TIDINGS_INBOUND_SMTP` names where it listens."""
        settings = self.settings
        if not settings.inbound_smtp:
            return ()
        host, port = host_port(settings.inbound_smtp)
        receiver = InboundSmtpReceiver(
            host, port, self.inbound_mail, max_bytes=settings.inbound_max_bytes
        )
        return (receiver,)

    def simulated_sms(self) -> list[OutboundSms | OutboundEmail] | None:
        """What the SMS simulator took in this process, newest last; None when the SMS
        provider is not the simulator (the console's simulator page is then not found)."""
        if not isinstance(self.sms_sender, SimulatorSms):
            return None
        return list(self.sms_sender.received)

    def message_queued(self, media_type: str) -> None:
        if self.running_dispatcher is not None:
            self.running_dispatcher.wake(media_type)

    async def database_ready(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.background.drain()
        await self.channel_events.close()
        self.export_source.close()
        self.import_writer.close()
        self.dnc_bulk.close()
        await self.engine.dispose()
        if self.inline_engine is not None:
            await self.inline_engine.dispose()


def build(settings: Settings) -> Container:
    engine = make_async_engine(settings.resolved_database_url)
    writer_gate = _writer_gate(settings)
    addresses = AddressNormalizer(settings.phone_region)
    zip_zones = ZipCodeZones()
    background = Background()
    export_source = SqlExportSource(settings.resolved_database_url)
    export_store = CsvExportStore(settings.data_dir / "exports")
    import_writer = SqlStagedContactWriter(settings.resolved_database_url, writer_gate)
    import_files = ImportDirectory(settings.data_dir / "imports")
    address_columns = AddressColumns(addresses)
    dnc_bulk = SqlDncBulk(settings.resolved_database_url, writer_gate)
    dnc_exports = CsvDncExportFiles(settings.data_dir / "dnc-exports")

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(engine, writer_gate)

    inline = (
        InlineEngine(make_inline_engine(settings.resolved_database_url))
        if is_sqlite(settings.resolved_database_url)
        else None
    )

    def send_path_uow() -> UnitOfWork:
        """Units of work of the send path: on SQLite run inline (adapters/db/inline.py)."""
        return SqlUnitOfWork(inline or engine, writer_gate)

    download_key = _download_key(settings)
    verp_key = hmac.new(download_key, b"verp", hashlib.sha256).digest()
    wake: list[Callable[[str], None]] = []
    channel_events = ChannelRecorder(
        send_path_uow,
        reply_window=timedelta(hours=settings.reply_window_hours),
        wake=lambda media: _call_each(wake, media),
    )
    oauth = OAuthService(
        uow,
        default_rate_limit=settings.rate_limit_per_minute,
        token_cache_seconds=settings.token_cache_seconds,
        processes=settings.workers,
    )
    container = Container(
        settings=settings,
        engine=engine,
        unit_of_work=uow,
        oauth=oauth,
        divisions=DivisionService(uow),
        contact_lists=ContactListService(
            uow, addresses, zip_zones, export_store, import_files, settings.max_contacts_per_list
        ),
        contact_filters=ContactFilterService(uow),
        callable_time_sets=CallableTimeSetService(uow),
        dnc=DncService(uow, addresses, import_files, dnc_exports),
        dnc_imports=DncImportService(
            uow,
            CsvDncReader(address_columns),
            dnc_bulk,
            import_files,
            background.spawn,
            oauth.caller_for_client,
        ),
        dnc_exports=DncExportService(uow, dnc_bulk, dnc_exports, background.spawn),
        responses=ResponseService(uow),
        response_previews=ResponsePreviewService(uow),
        exports=ContactExportService(
            uow,
            export_source,
            export_store,
            background.spawn,
        ),
        imports=ContactImportService(
            uow,
            CsvContactReader(address_columns, zip_zones),
            import_writer,
            import_files,
            background.spawn,
            oauth.caller_for_client,
            settings.max_contacts_per_list,
        ),
        sms_numbers=SmsNumberService(uow, PhonenumbersParser(settings.phone_region)),
        email_domains=EmailDomainService(
            uow, RsaDkimKeys(), DnspythonLookups(settings.dns_resolver), settings.bounce_host
        ),
        background=background,
        download_key=download_key,
        export_source=export_source,
        import_writer=import_writer,
        dnc_bulk=dnc_bulk,
        agentless=AgentlessService(send_path_uow, addresses, lambda media: _call_each(wake, media)),
        campaigns=CampaignService(
            uow,
            max_messages_per_minute=settings.campaign_max_messages_per_minute,
            require_verified_domains=settings.campaign_require_verified_domains,
        ),
        channel_events=channel_events,
        inbound_mail=InboundEmailService(
            uow, verp_key, [d for d in settings.inbound_domains.split(",") if d.strip()]
        ),
        sms_sender=_sms_sender(settings.sms_url, settings.public_url, settings.phone_region),
        email_sender=_email_sender(settings.smtp_url),
        verp_key=verp_key,
        addresses=addresses,
        send_path_uow=send_path_uow,
        inline_engine=inline,
        console_users=ConsoleUserService(
            uow,
            Argon2Passwords(),
            settings.console_session_hours,
            settings.rate_limit_per_minute,
        ),
        analytics=AnalyticsService(uow, ReportFiles()),
        events=EventLogService(uow),
        opt_outs=OptOutService(uow, addresses),
        keyword_settings=KeywordSettingsService(uow),
        webhooks=WebhookService(uow),
        twilio_auth_token=(
            TwilioAccount.from_url(settings.sms_url).auth_token
            if is_twilio_url(settings.sms_url)
            else None
        ),
    )
    wake.append(container.message_queued)
    return container


def _call_each(callbacks: list[Callable[[str], None]], value: str) -> None:
    for callback in callbacks:
        callback(value)


def _sms_sender(url: str, public_url: str, region: str) -> SmsSender:
    if url.startswith("simulator:"):
        return SimulatorSms(url)
    if is_twilio_url(url):
        return TwilioSender.from_url(url, public_url)
    if url.startswith("smpp://"):
        return SmppSender.from_url(url, region)
    raise ConfigError(f"TIDINGS_SMS_URL {url!r}: use simulator:, smpp://... or twilio://...")


def _email_sender(url: str) -> EmailSender:
    if url.startswith("simulator:"):
        return SimulatorEmail(url)
    if url.startswith(("smtp://", "smtps://")):
        return SmtpSender.from_url(url)
    raise ConfigError(f"TIDINGS_SMTP_URL {url!r}: use simulator:, smtp://... or smtps://...")


def _writer_gate(settings: Settings) -> WriterGate | None:
    """SQLite takes one writer at a time; its writers queue at this gate (see database.py)."""
    url = settings.resolved_database_url
    if not is_sqlite(url):
        return None
    database = sqlite_path(url)
    return WriterGate(
        None if database is None else database.with_name(database.name + ".write.lock")
    )


def _download_key(settings: Settings) -> bytes:
    """The key that signs download links: the setting, else a random key kept (0600) in the
    data directory, made on first use."""
    if settings.download_key:
        return settings.download_key.encode()
    path = settings.data_dir / "download.key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    key = secrets.token_bytes(32)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    return key
