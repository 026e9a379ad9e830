"""The interfaces the core owns. Adapters implement them; only bootstrap picks which."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

from tidings.domain.analytics import ConversationQuery, VisibleDivisions
from tidings.domain.callable_times import CallableTimeSet
from tidings.domain.campaign_reports import AttemptKey, AttemptRecord, AttemptTotals
from tidings.domain.campaigns import (
    AttemptOutcome,
    Campaign,
    CampaignError,
    Claimed,
    Progress,
    QueuedAttempt,
    SettledSend,
    WaitingAttempt,
)
from tidings.domain.channels import (
    DeliveryReport,
    InboundSms,
    OutboundEmail,
    OutboundSms,
    SendResult,
    SmsPart,
)
from tidings.domain.console_users import ConsoleSession, ConsoleUser
from tidings.domain.contact_filters import ContactListFilter, Criteria
from tidings.domain.contact_lists import AddressCheck, Contact, ContactList
from tidings.domain.divisions import Division
from tidings.domain.dnc import DncList
from tidings.domain.dnc_imports import DncImport, DncImportPlan
from tidings.domain.events import EventLog, EventQuery
from tidings.domain.exports import Export
from tidings.domain.imports import (
    ContactImport,
    CsvHeader,
    ImportJob,
    ImportPlan,
    StagedParts,
    StagedRows,
)
from tidings.domain.inbound_email import DeliveryStatus, ParsedEmail, ReceivedEmail
from tidings.domain.keywords import KeywordSettings
from tidings.domain.messages import Conversation, Message, ReceiptRecord, Settlement
from tidings.domain.oauth import OAuthClient, TokenRecord
from tidings.domain.opt_outs import OptOut, OptOutChange, OptOutEvent
from tidings.domain.paging import PageRequest
from tidings.domain.permissions import Scope
from tidings.domain.receipts import Receipt
from tidings.domain.reports import ReportTable
from tidings.domain.responses import Library, Response
from tidings.domain.senders import DnsLookup, EmailDomain, ParsedNumber, SmsNumber
from tidings.domain.webhooks import Attempt, Delivery, Due, Subscription


class OAuthClientRepository(Protocol):
    async def get(self, client_id: str) -> OAuthClient | None: ...

    async def list(self, page: PageRequest) -> tuple[list[OAuthClient], int]: ...

    async def add(self, client: OAuthClient) -> None: ...

    async def update(self, client: OAuthClient, expected_version: int) -> bool:
        """Writes `client` with version+1 if the stored version is `expected_version`."""
        ...

    async def delete(self, client_id: str) -> bool: ...


class TokenRepository(Protocol):
    async def add(self, token_digest: str, client_id: str, expires_at: datetime) -> None: ...

    async def find(self, token_digest: str) -> TokenRecord | None: ...

    async def revoke_client(self, client_id: str) -> None: ...

    async def purge_expired(self, now: datetime) -> int: ...


class DivisionRepository(Protocol):
    async def get(self, division_id: str) -> Division | None: ...

    async def get_home(self) -> Division: ...

    async def find_by_name(self, name: str) -> Division | None: ...

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[Division], int]: ...

    async def add(self, division: Division) -> None: ...

    async def update(self, division: Division, expected_version: int) -> bool: ...

    async def delete(self, division_id: str) -> bool: ...

    async def usage(self, division_id: str) -> dict[str, int]:
        """What still names the division, counted by kind; empty when nothing does."""
        ...

    async def existing_ids(self, division_ids: Sequence[str]) -> set[str]: ...


class ContactListRepository(Protocol):
    async def get(self, list_id: str) -> ContactList | None: ...

    async def find_by_name(self, name: str) -> ContactList | None: ...

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        ids: Sequence[str] = (),
        division_ids: Sequence[str] = (),
    ) -> tuple[list[ContactList], int]: ...

    async def add(self, contact_list: ContactList) -> None: ...

    async def update(self, contact_list: ContactList, expected_version: int) -> bool: ...

    async def delete(self, list_id: str) -> bool: ...

    async def sizes(self, list_ids: Sequence[str]) -> dict[str, int]: ...


class ContactRepository(Protocol):
    async def get_many(self, list_id: str, contact_ids: Sequence[str]) -> list[Contact]: ...

    async def upsert(
        self, batch: Sequence[Contact], *, keep_system_data: bool, keep_queue_position: bool
    ) -> None:
        """Adds new contacts and replaces the data of existing ones (same list and id);
        their system data and their queue position are kept if asked."""
        ...

    async def search(
        self,
        list_id: str,
        criteria: Criteria,
        sort_keys: Sequence[tuple[str, bool, bool]],
        page: PageRequest,
        now: datetime,
    ) -> tuple[list[Contact], int]:
        """`sort_keys`: (column, descending, numeric), then insertion order."""
        ...

    async def zone_counts(
        self, list_id: str, column: str
    ) -> list[tuple[tuple[str, ...], str | None, int]]: ...

    async def replace(self, contact: Contact) -> bool: ...

    async def delete(self, list_id: str, contact_ids: Sequence[str]) -> int: ...

    async def clear(self, list_id: str) -> int: ...


class ContactFilterRepository(Protocol):
    async def get(self, filter_id: str) -> ContactListFilter | None: ...

    async def find_by_name(self, name: str) -> ContactListFilter | None: ...

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        contact_list_id: str | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[ContactListFilter], int]: ...

    async def add(self, found: ContactListFilter) -> None: ...

    async def update(self, found: ContactListFilter, expected_version: int) -> bool: ...

    async def delete(self, filter_id: str) -> bool: ...


class CallableTimeSetRepository(Protocol):
    async def get(self, set_id: str) -> CallableTimeSet | None: ...

    async def find_by_name(self, name: str) -> CallableTimeSet | None: ...

    async def list(
        self, page: PageRequest, *, name: str | None = None
    ) -> tuple[list[CallableTimeSet], int]: ...

    async def add(self, time_set: CallableTimeSet) -> None: ...

    async def update(self, time_set: CallableTimeSet, expected_version: int) -> bool: ...

    async def delete(self, set_id: str) -> bool: ...


class DncRepository(Protocol):
    async def get(self, list_id: str) -> DncList | None: ...

    async def find_by_name(self, name: str) -> DncList | None: ...

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        name_match: str = "Prefix",
        division_ids: Sequence[str] = (),
    ) -> tuple[list[DncList], int]: ...

    async def add(self, dnc_list: DncList) -> None: ...

    async def update(self, dnc_list: DncList, expected_version: int) -> bool: ...

    async def delete(self, list_id: str) -> bool: ...

    async def sizes(self, list_ids: Sequence[str]) -> dict[str, int]: ...

    async def add_entries(
        self, list_id: str, kind: str, addresses: Sequence[str], expires_at: datetime | None
    ) -> None: ...

    async def remove_entries(self, list_id: str, kind: str, addresses: Sequence[str]) -> int: ...

    async def purge(self, list_id: str, kind: str, *, expired_before: datetime | None) -> int: ...

    async def listing(
        self, list_ids: Sequence[str], kind: str, address: str, now: datetime
    ) -> set[str]: ...

    async def listed_among(
        self, list_ids: Sequence[str], kind: str, addresses: Sequence[str], now: datetime
    ) -> set[str]: ...


class ExportRepository(Protocol):
    async def add(self, export: Export) -> None: ...

    async def get(self, export_id: str) -> Export | None: ...

    async def latest_complete(self, list_id: str) -> Export | None: ...

    async def ids_for(self, list_ids: Sequence[str]) -> list[str]: ...

    async def drop_older(self, list_id: str, keep_id: str) -> list[str]: ...

    async def finish(
        self, export_id: str, state: str, row_count: int, error: str | None, when: datetime
    ) -> None: ...


# A batch of contacts on its way from the database to the export file: a table of the
# fields of `ExportRecord` (data and address checks still their stored JSON text), in a
# form the source and the store agree on (bootstrap pairs them; polars frames), so that a
# million contacts never become a million Python objects.
Batch_co = TypeVar("Batch_co", covariant=True)
Batch_contra = TypeVar("Batch_contra", contravariant=True)


class ExportSource(Protocol[Batch_co]):
    def batches(
        self,
        list_id: str,
        contact_ids: Sequence[str] = (),
        criteria: Criteria | None = None,
        now: datetime | None = None,
    ) -> Iterator[Batch_co]:
        """The list's contacts in insertion order, a few MB at a time: those of
        `contact_ids` when given, and of them those `criteria` take (relative times counted
        back from `now`), evaluated by the database. Blocking: a worker thread's."""
        ...


class ExportSink(Protocol[Batch_contra]):
    def write(self, batch: Batch_contra) -> int:
        """Writes the rows of a batch; answers how many rows that was."""
        ...

    def close(self) -> None:
        """Publishes the file whole."""
        ...

    def abort(self) -> None: ...


class ExportStore(Protocol):
    def path(self, export_id: str) -> Path: ...

    def remove(self, export_ids: Iterable[str]) -> None:
        """Deletes the files (exports hold personal data: they go with their list)."""
        ...


class ExportFiles(ExportStore, Protocol[Batch_contra]):
    def create(self, export_id: str, contact_list: ContactList) -> ExportSink[Batch_contra]:
        """A new file, its header written (the list's columns, then the system ones)."""
        ...


J = TypeVar("J", bound=ImportJob)


class ImportRepository(Protocol[J]):
    """Imports of files into lists, of one kind (contact lists or DNC lists)."""

    async def add(self, job: J, now: datetime) -> None: ...

    async def save(self, job: J, now: datetime) -> None: ...

    async def get(self, import_id: str) -> J | None: ...

    async def latest(self, list_ids: Sequence[str]) -> dict[str, J]: ...

    async def drop_older(self, list_id: str, keep_id: str) -> list[str]: ...

    async def ids_for(self, list_ids: Sequence[str]) -> list[str]: ...


class CsvFileReader(Protocol):
    """Blocking (run in a worker thread): reads and checks a CSV."""

    def header(self, path: Path) -> CsvHeader:
        """Raises FileRejected when the file is not a UTF-8 CSV with a header row."""
        ...


class ContactFileReader(CsvFileReader, Protocol):
    def stage(
        self,
        path: Path,
        header: CsvHeader,
        plan: ImportPlan,
        contact_list: ContactList,
        directory: Path,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedRows:
        """Writes the checked contacts in parts under `directory`, handing each on."""
        ...


class DncFileReader(CsvFileReader, Protocol):
    def stage(
        self,
        path: Path,
        header: CsvHeader,
        plan: DncImportPlan,
        directory: Path,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedRows:
        """Writes the checked entries (kind, address) in parts under `directory`."""
        ...


class StagedContactWriter(Protocol):
    async def merge(
        self,
        list_id: str,
        parts: StagedParts,
        *,
        clear_system_data: bool,
        max_contacts: int,
        queued_base: int,
    ) -> int:
        """Adds or updates the staged contacts in one transaction as their parts arrive;
        the list's size after. Nothing is kept if `parts` fails."""
        ...


class StagedDncWriter(Protocol):
    async def merge(self, list_id: str, parts: StagedParts, *, expires_at: datetime | None) -> int:
        """Adds the staged entries in one transaction (one already listed takes the new
        expiration); the list's size after. Nothing is kept if `parts` fails."""
        ...


DncEntry = tuple[str, str, datetime | None]  # kind, address, expiration


class DncEntrySource(Protocol):
    def entries(self, list_id: str) -> Iterator[list[DncEntry]]:
        """The list's entries in key order, in batches. Blocking: a worker thread's."""
        ...


class DncExportFiles(Protocol):
    """The export files of DNC lists: a list's latest complete file is its export."""

    def write(self, list_id: str, export_id: str, batches: Iterable[list[DncEntry]]) -> int:
        """Writes an export file from the entries and publishes it whole (a failure leaves
        none); answers how many entries it holds. Blocking: a worker thread's."""
        ...

    def latest(self, list_id: str) -> tuple[str, datetime] | None:
        """The id and the completion time of the list's latest complete export."""
        ...

    def path(self, list_id: str, export_id: str) -> Path | None: ...

    def remove(self, list_id: str) -> None: ...


class ImportFiles(Protocol):
    def directory(self, import_id: str) -> Path: ...

    def upload(self, import_id: str) -> Path: ...

    def rejects(self, import_id: str) -> Path: ...

    def clean(self, import_id: str) -> None:
        """Deletes the upload and the staged rows; keeps the rejects file."""
        ...

    def remove(self, import_ids: Iterable[str]) -> None: ...


class ZoneLookup(Protocol):
    def zip_zones(self) -> Mapping[str, str]:
        """Every known 5-digit zip code and its IANA time zone."""
        ...


class AddressNormalizer(Protocol):
    def phone(self, raw: str, *, zones: bool = True) -> AddressCheck:
        """`zones=False`: the address alone, for sending to it (no callable times)."""

    def email(self, raw: str) -> AddressCheck: ...


class DispatcherRegistry(Protocol):
    async def heartbeat(
        self, dispatcher_id: str, hostname: str, pid: int, now: datetime
    ) -> None: ...

    async def forget(self, dispatcher_id: str) -> None: ...

    async def live(self, seen_since: datetime) -> list[str]:
        """Dispatchers whose heartbeat is newer than `seen_since`."""
        ...


class PlannerStatistics(Protocol):
    """The database planner's statistics of the tables the send path grows quickly."""

    async def stale(self) -> list[str]:
        """The tables whose statistics fell far behind their changes."""
        ...

    async def analyse(self, table: str) -> bool:
        """Brings one table's statistics up to date, unless another process is at it or
        the table is busy; whether it did (commit to keep them)."""
        ...


class MessageRepository(Protocol):
    async def add(self, conversation: Conversation | None, message: Message) -> None: ...

    async def add_many(self, pairs: Sequence[tuple[Conversation | None, Message]]) -> None: ...

    async def conversation(self, conversation_id: str) -> Conversation | None: ...

    async def inbound_seen(
        self, media_type: str, theirs: str, provider_message_id: str, since: datetime
    ) -> bool: ...

    async def latest_conversation(
        self, media_type: str, ours: str, theirs: str, since: datetime
    ) -> Conversation | None: ...

    async def messages_of(
        self, conversation_id: str, message_ids: Sequence[str]
    ) -> list[Message]: ...

    async def receipts(self, message_ids: Sequence[str]) -> dict[str, list[ReceiptRecord]]: ...

    async def claim(
        self, dispatcher_id: str, media_type: str, limit: int, now: datetime, lease: timedelta
    ) -> list[Message]: ...

    async def settle(self, channel: str, settled: Sequence[Settlement], now: datetime) -> None: ...

    async def abandon(self, live_dispatchers: Sequence[str], now: datetime) -> int: ...

    async def renew_leases(
        self, dispatcher_id: str, message_ids: Sequence[str], until: datetime
    ) -> None: ...

    async def record_receipts(
        self, channel: str, receipts: Sequence[tuple[Receipt, datetime]]
    ) -> int: ...

    async def opted_out(self, channel: str, address: str, sender: str) -> bool: ...

    async def opted_out_among(
        self, channel: str, pairs: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]: ...

    async def add_opt_out(
        self, channel: str, address: str, sender: str, reason: str, now: datetime
    ) -> None: ...

    async def remembered(self, client_id: str, key: str) -> tuple[str, Any] | None: ...

    async def remember(
        self, client_id: str, key: str, request_hash: str, answer: Any, now: datetime
    ) -> None: ...

    async def forget_keys(self, before: datetime) -> int: ...

    async def end_idle_conversations(
        self, idle_since: datetime, now: datetime, limit: int
    ) -> int: ...


class OptOutRepository(Protocol):
    """Suppressions and the history of every change to them (domain/opt_outs.py)."""

    async def suppress(
        self, channel: str, address: str, sender: str, change: OptOutChange, now: datetime
    ) -> None: ...

    async def lift(
        self, channel: str, address: str, sender: str | None, change: OptOutChange, now: datetime
    ) -> None: ...

    async def page(
        self,
        channel: str,
        page: PageRequest,
        *,
        address: str | None = None,
        sender: str | None = None,
    ) -> tuple[list[OptOut], int]: ...

    async def after(
        self, channel: str, key: tuple[str, str] | None, limit: int
    ) -> list[OptOut]: ...

    async def of_address(self, channel: str, address: str) -> list[OptOut]: ...

    async def history(
        self, channel: str, address: str | None = None, after_id: int = 0, limit: int = 1000
    ) -> list[OptOutEvent]: ...


class KeywordSettingsRepository(Protocol):
    async def get_many(
        self, senders: Sequence[str]
    ) -> dict[str, tuple[KeywordSettings, datetime]]: ...

    async def put(self, sender: str, settings: KeywordSettings, now: datetime) -> None: ...

    async def delete(self, sender: str) -> bool: ...


class InboundPartRepository(Protocol):
    async def add_part(
        self,
        from_address: str,
        to_address: str,
        part: SmsPart,
        text: str,
        provider_message_id: str | None,
        received_at: datetime,
        *,
        since: datetime,
    ) -> tuple[str, str | None, datetime] | None: ...

    async def take_incomplete(self, before: datetime) -> tuple[InboundSms, int] | None: ...


class CampaignRepository(Protocol):
    async def get(self, campaign_id: str) -> Campaign | None: ...

    async def find_by_name(self, name: str) -> Campaign | None: ...

    async def page(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name: str | None = None,
        ids: Sequence[str] = (),
        division_ids: Sequence[str] = (),
        contact_list_id: str | None = None,
        status: str | None = None,
        media_type: str | None = None,
        sender: str | None = None,
        template_id: str | None = None,
    ) -> tuple[list[Campaign], int]: ...

    async def running(self) -> list[Campaign]:
        """Campaigns the engine works on: switched on, or stopping."""
        ...

    async def add(self, campaign: Campaign) -> None: ...

    async def update(self, campaign: Campaign, expected_version: int) -> bool: ...

    async def set_status(
        self,
        campaign_id: str,
        status: str,
        *,
        only_from: Sequence[str] = (),
        errors: Sequence[CampaignError] | None = None,
    ) -> bool: ...

    async def recycle(self, campaign_id: str) -> None:
        """Starts the next cycle: every contact is attempted again."""
        ...

    async def delete(self, campaign_id: str) -> bool: ...

    async def add_counts(self, campaign_id: str, cycle: int, deltas: Mapping[str, int]) -> None: ...

    async def progress(self, campaigns: Sequence[Campaign]) -> list[Progress]: ...

    async def list_size(self, contact_list_id: str) -> int: ...


class CampaignAttempts(Protocol):
    async def seed(self, campaign: Campaign, filters: Sequence[Criteria], now: datetime) -> int: ...

    async def claim(self, campaign: Campaign, limit: int, now: datetime) -> list[Claimed]: ...

    async def wake_waiting(self, campaign: Campaign, now: datetime) -> int: ...

    async def release_waiting(
        self, *, campaign_id: str | None = None, callable_time_set_id: str | None = None
    ) -> int: ...

    async def record(
        self,
        campaign: Campaign,
        queued: Sequence[QueuedAttempt],
        skipped: Sequence[AttemptOutcome],
        waiting: Sequence[WaitingAttempt],
        now: datetime,
    ) -> None: ...

    async def settled_sends(self, campaign: Campaign, limit: int) -> list[SettledSend]: ...

    async def finish(
        self, campaign: Campaign, outcomes: Sequence[AttemptOutcome], now: datetime
    ) -> None: ...

    async def note_contacts(
        self, channel: str, outcomes: Sequence[AttemptOutcome], now: datetime
    ) -> None: ...

    async def in_flight(self, campaign: Campaign, cap: int) -> int: ...

    async def unfinished(self, campaign: Campaign) -> bool: ...

    async def count_waiting(self, campaign: Campaign) -> int: ...

    async def withdraw_unsent(self, campaign: Campaign) -> int: ...

    async def resend_ambiguous(self, campaign: Campaign, wrapup: str) -> int: ...

    async def refresh_statistics(self) -> None: ...


class WebhookRepository(Protocol):
    """Webhook subscriptions and the webhook outbox. Message and opt-out changes write their
    events through it inside the repositories that commit those changes."""

    async def add(self, subscription: Subscription) -> None: ...

    async def get(self, subscription_id: str) -> Subscription | None: ...

    async def all(self) -> list[Subscription]: ...

    async def update(self, subscription: Subscription) -> None: ...

    async def remove(self, subscription_id: str) -> bool: ...

    async def subscribed(self, topic: str) -> list[str]: ...

    async def record(
        self,
        topic: str,
        bodies: Sequence[dict[str, Any]],
        now: datetime,
        subscribers: Sequence[str] | None = None,
    ) -> None: ...

    async def claim(self, limit: int, now: datetime, lease: timedelta) -> list[Due]: ...

    async def attempted(
        self, delivery_id: str, attempt: Attempt, state: str, next_attempt_at: datetime | None
    ) -> None: ...

    async def deliveries(self, subscription_id: str, limit: int) -> list[Delivery]: ...

    async def prune(self, created_before: datetime, limit: int) -> int: ...


class UnitOfWork(Protocol):
    @property
    def oauth_clients(self) -> OAuthClientRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def divisions(self) -> DivisionRepository: ...

    @property
    def dispatchers(self) -> DispatcherRegistry: ...

    @property
    def statistics(self) -> PlannerStatistics: ...

    @property
    def contact_lists(self) -> ContactListRepository: ...

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def callable_time_sets(self) -> CallableTimeSetRepository: ...

    @property
    def dnc(self) -> DncRepository: ...

    @property
    def exports(self) -> ExportRepository: ...

    @property
    def contact_imports(self) -> ImportRepository[ContactImport]: ...

    @property
    def dnc_imports(self) -> ImportRepository[DncImport]: ...

    @property
    def contact_filters(self) -> ContactFilterRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def sms_numbers(self) -> SmsNumberRepository: ...

    @property
    def email_domains(self) -> EmailDomainRepository: ...

    @property
    def response_libraries(self) -> ResponseLibraryRepository: ...

    @property
    def responses(self) -> ResponseRepository: ...

    @property
    def campaigns(self) -> CampaignRepository: ...

    @property
    def campaign_attempts(self) -> CampaignAttempts: ...

    @property
    def inbound_emails(self) -> InboundEmailRepository: ...

    @property
    def console_users(self) -> ConsoleUserRepository: ...

    @property
    def analytics(self) -> AnalyticsRepository: ...

    @property
    def events(self) -> EventRepository: ...

    @property
    def opt_outs(self) -> OptOutRepository: ...

    @property
    def keyword_settings(self) -> KeywordSettingsRepository: ...

    @property
    def inbound_parts(self) -> InboundPartRepository: ...

    @property
    def campaign_reports(self) -> CampaignReports: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Makes the unit's writes durable. It ends the unit: nothing follows a commit."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class ChannelEvents(Protocol):
    """Where channel adapters hand what the network tells them. Each call returns once the
    event is durable, so an adapter may acknowledge it to the provider afterwards."""

    async def delivery_report(self, report: DeliveryReport) -> None: ...

    async def inbound_sms(self, message: InboundSms) -> None: ...


class SmsSender(Protocol):
    """One provider connection (or pool). `send` may be called from many tasks at once; the
    adapter keeps its own window and rate limit and waits rather than refusing."""

    async def start(self, events: ChannelEvents) -> None:
        """Connects (or prepares to) and starts delivering receipts and inbound messages."""
        ...

    async def send(self, sms: OutboundSms) -> SendResult: ...

    async def close(self) -> None: ...


class EmailSender(Protocol):
    async def start(self, events: ChannelEvents) -> None: ...

    async def send(self, email: OutboundEmail) -> SendResult: ...

    async def close(self) -> None: ...


class SmsNumberRepository(Protocol):
    async def get(self, number_id: str) -> SmsNumber | None: ...

    async def find_by_address(self, address: str) -> SmsNumber | None:
        """The number provisioned for `address` (E.164, short code or alphanumeric id)."""
        ...

    async def list(
        self,
        page: PageRequest,
        *,
        pattern: str | None = None,
        types: Sequence[str] = (),
        statuses: Sequence[str] = (),
        countries: Sequence[str] = (),
        sort_by: str = "phoneNumber",
        descending: bool = False,
    ) -> tuple[list[SmsNumber], int]:
        """`pattern`: a LIKE pattern (`%` wildcards) the address, without its `+`, matches."""
        ...

    async def add(self, number: SmsNumber) -> None: ...

    async def update(self, number: SmsNumber, expected_version: int) -> bool: ...

    async def delete(self, number_id: str) -> bool: ...


class EmailDomainRepository(Protocol):
    async def get(self, domain: str) -> EmailDomain | None:
        """The domain by name; names compare without case."""
        ...

    async def list(
        self, page: PageRequest, *, pattern: str | None = None
    ) -> tuple[list[EmailDomain], int]:
        """`pattern`: a LIKE pattern (`%` wildcards) the domain name matches."""
        ...

    async def add(self, domain: EmailDomain) -> None: ...

    async def save_check(self, domain: EmailDomain) -> bool:
        """Stores the verdicts of a DNS check (records, DMARC, time); False if it is gone."""
        ...

    async def delete(self, domain: str) -> bool: ...


class DkimKeyFactory(Protocol):
    def generate(self) -> tuple[bytes, str]:
        """A new private key (PEM) and the `p=` value of its DNS record. Blocking (CPU):
        a worker thread's."""
        ...


class DnsLookups(Protocol):
    async def lookup(self, name: str, record_type: str) -> DnsLookup:
        """The values of the records of `record_type` (TXT strings joined, CNAME targets)."""
        ...


class PhoneNumberParser(Protocol):
    def parse(self, raw: str, country_code: str | None) -> ParsedNumber:
        """A local, mobile or toll-free number; a national form is read in `country_code`."""
        ...


class ResponseRepository(Protocol):
    async def get(self, response_id: str) -> Response | None: ...

    async def in_library(self, library_id: str, page: PageRequest) -> tuple[list[Response], int]:
        """One page of the library's responses, by name."""
        ...

    async def visible(
        self, scope: Scope, library_ids: Sequence[str] | None = None
    ) -> list[Response]:
        """Every response with a library in a division of `scope` (and among `library_ids`)."""
        ...

    async def add(self, response: Response) -> None: ...

    async def update(self, response: Response, expected_version: int) -> bool: ...

    async def delete(self, response_id: str) -> bool: ...


class ResponseLibraryRepository(Protocol):
    async def get(self, library_id: str) -> Library | None: ...

    async def get_many(self, library_ids: Sequence[str]) -> dict[str, Library]: ...

    async def find_by_name(self, name: str) -> Library | None: ...

    async def list(
        self,
        scope: Scope,
        page: PageRequest,
        *,
        name_prefix: str | None = None,
        ids: Sequence[str] = (),
    ) -> tuple[list[Library], int]: ...

    async def add(self, library: Library) -> None: ...

    async def update(self, library: Library, expected_version: int) -> bool: ...

    async def delete(self, library_id: str) -> bool:
        """Deletes the library and the responses no other library holds."""
        ...


class InboundEmailRepository(Protocol):
    async def keep(
        self, mail: ReceivedEmail, kind: str, message_id: str | None, header_message_id: str
    ) -> None:
        """Stores the mail byte for byte with what became of it."""
        ...

    async def email_message(self, message_id: str) -> Message | None: ...

    async def record_bounce(
        self, message: Message, status: DeliveryStatus, received_at: datetime
    ) -> None: ...


class InboundMail(Protocol):
    """Where the inbound SMTP receiver hands what arrives."""

    async def accepts(self, address: str) -> bool:
        """Whether mail for this recipient is taken (asked at RCPT time)."""
        ...

    def is_bounce_address(self, address: str) -> bool:
        """One of our VERP return paths (its tag checked)."""
        ...

    async def receive(self, mail: ReceivedEmail, parsed: ParsedEmail) -> str:
        """Stores the mail and acts on it; returns once it is durable (its domain kind)."""
        ...


class ConsoleUserRepository(Protocol):
    async def add(self, user: ConsoleUser) -> None: ...

    async def find_by_email(self, email: str) -> ConsoleUser | None: ...

    async def emails(self, user_ids: Sequence[str]) -> dict[str, str]:
        """The e-mail address of each of `user_ids` that is a console user."""
        ...

    async def note_sign_in(
        self, user_id: str, failed_sign_ins: int, locked_until: datetime | None
    ) -> None:
        """Stores the failure count and lock after a sign-in attempt."""
        ...

    async def add_session(self, session: ConsoleSession, created_at: datetime) -> None: ...

    async def find_session(
        self, digest: str, now: datetime
    ) -> tuple[ConsoleSession, ConsoleUser] | None:
        """A live session of an active user, with the user."""
        ...

    async def find_sessions(
        self, digests: Sequence[str], now: datetime
    ) -> list[tuple[ConsoleSession, ConsoleUser]]:
        """The live sessions of active users among `digests`, with their users (in one
        query set whatever their number)."""
        ...

    async def delete_session(self, digest: str) -> None: ...

    async def purge_sessions(self, now: datetime) -> int: ...


class CampaignReports(Protocol):
    """The read side of campaign attempts (the console's history and its CSV export)."""

    async def attempts(
        self,
        campaign_id: str,
        channel: str,
        limit: int,
        *,
        after: AttemptKey | None = None,
        before: AttemptKey | None = None,
    ) -> list[AttemptRecord]: ...

    async def totals(self, campaign_id: str) -> AttemptTotals: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, stored: str, password: str) -> bool: ...


class AnalyticsRepository(Protocol):
    async def conversation_details(
        self, query: ConversationQuery, visible: VisibleDivisions
    ) -> tuple[list[Conversation], int]:
        """One page of the conversations the query selects, with their messages; the total."""
        ...

    async def conversation_batch(
        self,
        query: ConversationQuery,
        visible: VisibleDivisions,
        after: tuple[datetime, str] | None,
        limit: int,
        *,
        matching_messages: bool = False,
    ) -> list[Conversation]:
        """The next conversations after (started_at, id) in start order (keyset);
        `matching_messages` keeps only the messages the segment and text filters select."""
        ...


class EventRepository(Protocol):
    async def record(self, event: EventLog) -> None:
        """Adds an event to the dialer event log, in the caller's unit of work."""
        ...

    async def get(self, event_id: str) -> EventLog | None: ...

    async def list(
        self, page: PageRequest, query: EventQuery, visible: VisibleDivisions
    ) -> tuple[list[EventLog], int]: ...


class CsvReportWriter(Protocol):
    def head(self) -> bytes:
        """The byte order mark and the header row."""
        ...

    def rows(self, rows: Sequence[Sequence[str]]) -> bytes:
        """The next rows, neutralised against spreadsheet formulas."""
        ...


class ReportFormats(Protocol):
    def csv(self, columns: Sequence[str]) -> CsvReportWriter: ...

    def pdf(self, table: ReportTable) -> bytes:
        """The table as a PDF document (title, filters, generation time, page numbers)."""
        ...
