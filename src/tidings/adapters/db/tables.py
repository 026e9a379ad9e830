"""Table definitions. The Alembic migrations are the source of truth for the schema; these
mirror them for queries, and a test checks that the two agree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (SQLite has none), hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(NAIVE)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite a time is text, and SQLAlchemy's own conversion on top of the two above cost
    # 5 µs a value each way: a tenth of a campaign message's CPU. One step each instead,
    # writing SQLAlchemy's format ("2026-11-27 06:28:17.077313") so stored text compares
    # the same.

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_time


NAIVE = "naive datetime given to the database; times must be aware"


# Rows written together mostly share their times (a batch's `now`), so recent ones are
# kept: a hit costs 0.1 µs against 2.5 µs to format.
_TEXTS: dict[datetime, str] = {}


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    found = _TEXTS.get(value)
    if found is not None:
        return found
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(NAIVE)
    # An aware time's ISO form ends in its offset; the first 26 characters are the time.
    found = (value.astimezone(UTC) if offset else value).isoformat(" ", "microseconds")[:26]
    if len(_TEXTS) >= 256:
        _TEXTS.clear()
    _TEXTS[value] = found
    return found


def _sqlite_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text that carries its own offset
            value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(36)

divisions = Table(
    "divisions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
    Column("description", Text),
    Column("home_division", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False, default=1),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)

oauth_clients = Table(
    "oauth_clients",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("description", Text),
    Column("secret_digest", String(64), nullable=False),
    Column("authorized_grant_type", String(32), nullable=False),
    Column("access_token_validity_seconds", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("registered_redirect_uris", JSON, nullable=False),
    Column("scope", JSON, nullable=False),
    Column("date_to_delete", UtcDateTime),
    Column("rate_limit_per_minute", Integer),
    Column("version", Integer, nullable=False, default=1),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
    Column("created_by", ID),
    Column("modified_by", ID),
)

oauth_client_grants = Table(
    "oauth_client_grants",
    metadata,
    Column(
        "client_id",
        ID,
        ForeignKey("oauth_clients.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("role_id", ID, primary_key=True),
    # A division id, or "*" for every division; so no foreign key. Deleting a division
    # that a grant names is refused by the service instead.
    Column("division_id", ID, primary_key=True),
    Index("ix_oauth_client_grants_division_id", "division_id"),
)

oauth_tokens = Table(
    "oauth_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column(
        "client_id",
        ID,
        ForeignKey("oauth_clients.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

dispatchers = Table(
    "dispatchers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("hostname", String(256), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("seen_at", UtcDateTime, nullable=False),
)

# The autoincrementing key: SQLite wants INTEGER PRIMARY KEY, PostgreSQL a 64-bit one.
SEQ = Integer().with_variant(BigInteger(), "postgresql")

contact_lists = Table(
    "contact_lists",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
    Column(
        "division_id",
        ID,
        ForeignKey("divisions.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    # Columns, address columns, data types and time-zone settings, as one document.
    Column("definition", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    # No foreign key: checking one per row halved the speed of imports (migration 0007).
    # The repositories lock the list while adding contacts and delete them with it.
    Column("contact_list_id", ID, nullable=False),
    Column("id", String(256), nullable=False),
    Column("data", JSON, nullable=False),
    Column("callable", Boolean, nullable=False),
    Column("phone_number_status", JSON, nullable=False),
    Column("contactable_status", JSON, nullable=False),
    # Each address column normalised: {column: {raw, address, reason, timeZones}}.
    Column("addresses", JSON, nullable=False),
    Column("priority", Boolean, nullable=False),
    # Queue order: priority first, then this (microseconds at queueing, then position).
    Column("queued_at", BigInteger, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    # System data per channel: the last campaign attempt, its wrap-up code, how many.
    Column("sms_last_attempt", UtcDateTime),
    Column("sms_last_result", String(64)),
    Column("sms_last_column", String(128)),
    Column("sms_attempts", Integer, nullable=False, server_default="0"),
    Column("email_last_attempt", UtcDateTime),
    Column("email_last_result", String(64)),
    Column("email_last_column", String(128)),
    Column("email_attempts", Integer, nullable=False, server_default="0"),
    UniqueConstraint("contact_list_id", "id", name="uq_contacts_contact_list_id_id"),
    Index("ix_contacts_queue", "contact_list_id", "priority", "queued_at"),
    # A campaign's attempts name contacts by seq: a deleted contact's seq must never come
    # back as a newcomer's (SQLite reuses the largest rowid without it; migration 0025).
    sqlite_autoincrement=True,
)

callable_time_sets = Table(
    "callable_time_sets",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
    # [{timeZoneId, timeSlots: [{day, startTime, stopTime}]}]
    Column("callable_times", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)

dnc_lists = Table(
    "dnc_lists",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
    Column(
        "division_id",
        ID,
        ForeignKey("divisions.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    Column("contact_method", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)


def _import_progress() -> list[Column[Any]]:
    """The columns of an import's progress, the same for every kind of list."""
    return [
        Column("total_records", Integer, nullable=False),
        Column("completed_records", Integer, nullable=False),
        Column("imported", Integer, nullable=False),
        Column("rejected", Integer, nullable=False),
        Column("duplicates", Integer, nullable=False),
        Column("failure_reason", Text),
        Column("warnings", JSON, nullable=False),
        Column("created_by", ID),
        Column("date_created", UtcDateTime, nullable=False),
        # Touched with every progress report: an import not touched for a while was cut short.
        Column("date_modified", UtcDateTime, nullable=False),
        Column("date_completed", UtcDateTime),
    ]


# One row per address: a check against a list is a primary-key lookup, never a scan.
dnc_entries = Table(
    "dnc_entries",
    metadata,
    # No foreign key: PostgreSQL checked it row by row, tripling the time a million-entry
    # upload takes (migration 0009). The repositories hold the list while adding entries
    # and delete them with it.
    Column("dnc_list_id", ID, primary_key=True),
    Column("kind", String(8), primary_key=True),  # phone | email
    Column("address", String(320), primary_key=True),  # E.164, or the case-folded e-mail
    Column("expires_at", UtcDateTime),
)

dnc_imports = Table(
    "dnc_imports",
    metadata,
    Column("id", ID, primary_key=True),
    Column(
        "dnc_list_id",
        ID,
        ForeignKey("dnc_lists.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("state", String(16), nullable=False),  # as contact_imports.state
    Column("phone_columns", JSON, nullable=False),
    Column("email_columns", JSON, nullable=False),
    Column("expires_at", UtcDateTime),
    *_import_progress(),
    Index("ix_dnc_imports_dnc_list_id_date_created", "dnc_list_id", "date_created"),
)

exports = Table(
    "exports",
    metadata,
    Column("id", ID, primary_key=True),
    Column(
        "contact_list_id",
        ID,
        ForeignKey("contact_lists.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("state", String(16), nullable=False),  # running | complete | failed
    Column("row_count", Integer, nullable=False),
    Column("error", Text),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_completed", UtcDateTime),
    Index("ix_exports_contact_list_id_state", "contact_list_id", "state"),
)

contact_imports = Table(
    "contact_imports",
    metadata,
    Column("id", ID, primary_key=True),
    Column(
        "contact_list_id",
        ID,
        ForeignKey("contact_lists.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "state", String(16), nullable=False
    ),  # AWAITING_UPLOAD | IN_PROGRESS | COMPLETE | FAILED
    Column("contact_id_column", String(256)),
    Column("clear_system_data", Boolean, nullable=False),
    *_import_progress(),
    Index("ix_contact_imports_contact_list_id_date_created", "contact_list_id", "date_created"),
)

contact_list_filters = Table(
    "contact_list_filters",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
    Column(
        "contact_list_id",
        ID,
        ForeignKey("contact_lists.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # {filterType, clauses: [{filterType, predicates: [...]}]} in Genesys' field names.
    Column("criteria", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("media_type", String(8), nullable=False),  # sms | email
    Column("from_address", String(320), nullable=False),
    Column("to_address", String(320), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("campaign_id", ID),
    Column("division_id", ID),
    # What the conversation's messages say, kept on it for the analytics query (0023): the
    # sender of its outbound messages and of its inbound ones (NULL: none; MIXED: they
    # differ) and the contact list its campaign message names. A segment filter on
    # direction, addressFrom, contact list or campaign is then decided by the conversation
    # row alone, instead of by joining a million messages.
    Column("outbound_from_address", String(320)),
    Column("inbound_from_address", String(320)),
    Column("contact_list_id", ID),
    # Threading finds the latest conversation between two addresses.
    Index("ix_conversations_to_address_from_address", "to_address", "from_address", "started_at"),
    # The analytics query: its interval and page order, and conversation filters on a campaign.
    Index("ix_conversations_started_at_id", "started_at", "id"),
    Index("ix_conversations_campaign_id_started_at", "campaign_id", "started_at"),
    # Segment filters on the channel: a conversation keeps to one, its messages' channel.
    Index("ix_conversations_media_type_started_at_id", "media_type", "started_at", "id"),
    Index(
        "ix_conversations_outbound_from_address_started_at", "outbound_from_address", "started_at"
    ),
    Index("ix_conversations_inbound_from_address_started_at", "inbound_from_address", "started_at"),
    Index("ix_conversations_contact_list_id_started_at", "contact_list_id", "started_at"),
    # The inactivity pass looks for open conversations started before a cutoff.
    Index("ix_conversations_ended_at_started_at", "ended_at", "started_at"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("conversation_id", ID, nullable=False, index=True),
    Column("media_type", String(8), nullable=False),
    Column("direction", String(8), nullable=False),  # outbound | inbound
    Column("from_address", String(320), nullable=False),
    Column("to_address", String(320), nullable=False),
    Column("from_name", String(256)),
    Column("to_name", String(256)),
    Column("reply_to", String(320)),
    Column("status", String(24), nullable=False),
    Column("text_body", Text),
    Column("subject", Text),
    Column("html_body", Text),
    Column("segment_count", Integer, nullable=False),
    Column("encoding", String(8)),
    Column("provider_message_id", String(128)),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Column("provider_code", String(32)),
    # The outbox: pending → sending (claimed under a lease) → done.
    Column("send_state", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("lease_until", UtcDateTime),
    Column("claimed_by", ID),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status_changed_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("response_id", ID),
    Column("client_id", ID),
    Column("campaign_id", ID),
    Column("contact_list_id", ID),
    Column("contact_id", String(256)),
    # Inbound e-mail: the whole text (text_body holds the new text, history cut off), and
    # whether it was an automatic reply (a vacation notice), which is no reply.
    Column("full_text_body", Text),
    Column("auto_reply", Boolean),
    Index("ix_messages_send_state_next_attempt_at", "send_state", "next_attempt_at"),
    # Analytics segment filters and the console's filters: a campaign, an address, a contact,
    # a status (with the conversation: counting the matches reads the index only). The text
    # filter's index is not here (text_search.py). On PostgreSQL each index also costs every
    # update that moves a message to a new row version (claim, settle, receipt).
    Index("ix_messages_campaign_id_conversation_id", "campaign_id", "conversation_id"),
    Index("ix_messages_to_address_conversation_id", "to_address", "conversation_id"),
    Index("ix_messages_from_address_conversation_id", "from_address", "conversation_id"),
    Index("ix_messages_contact_id", "contact_id"),
    # SQLite only: there it counts a status's conversations from the index (1.2 s → 0.3 s at
    # 200,000 of a million). PostgreSQL's hash join gains nothing from it, and there each
    # status change would then rewrite every index of the message instead of none.
    Index(
        "ix_messages_status_conversation_id",
        "status",
        "conversation_id",
        info={"only_on": "sqlite"},
    ).ddl_if(dialect="sqlite"),
    # Replies are few: they alone are in this one (a send costs it nothing).
    Index(
        "ix_messages_inbound_conversation_id",
        "conversation_id",
        sqlite_where=text("direction = 'inbound'"),
        postgresql_where=text("direction = 'inbound'"),
    ),
    # A keyword's answer (opt-out confirmation, help): sent even to a suppressed number.
    Column("keyword_reply", Boolean, nullable=False, server_default=false()),
)

# Every id a provider gave a message (one per part of a long SMS). Not unique: an SMSC may
# hand out an id again after a restart; the newest message with the id wins.
message_provider_ids = Table(
    "message_provider_ids",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(8), nullable=False),
    Column("provider_message_id", String(128), nullable=False),
    Column("message_id", ID, nullable=False),
    Index("ix_message_provider_ids_channel_provider_message_id", "channel", "provider_message_id"),
)

# Receipts as they came; `message_id` is empty until the receipt's message is known (a
# receipt may overtake the settling of its own submit).
message_receipts = Table(
    "message_receipts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(8), nullable=False),
    Column("provider_message_id", String(128), nullable=False),
    Column("message_id", ID, index=True),
    Column("state", String(16), nullable=False),
    Column("status", String(24), nullable=False),
    Column("error", String(64)),
    Column("final", Boolean, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("reason", Text),  # what a bounce said (the reply of the receiving server)
    Index("ix_message_receipts_channel_provider_message_id", "channel", "provider_message_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("client_id", ID, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("answer", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
)

# Addresses that must not be messaged: by one sender, or by every sender ("*").
opt_outs = Table(
    "opt_outs",
    metadata,
    Column("channel", String(8), primary_key=True),
    Column("address", String(320), primary_key=True),
    Column("sender", String(320), primary_key=True),
    Column("reason", Text),
    Column("created_at", UtcDateTime, nullable=False),
    # True: this sender may message the address despite its all-senders ("*") opt-out
    # (STOPALL, then START to this sender).
    Column("exempt", Boolean, nullable=False, server_default=false()),
    Column("source", String(16)),  # keyword | api
    Column("keyword", String(64)),
    Column("message_id", ID),  # the inbound message that carried the keyword
    Column("actor", String(256)),  # the OAuth client that set it by API
)

sms_phone_numbers = Table(
    "sms_phone_numbers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("phone_number", String(32), nullable=False),
    # The number's lookup key (domain.senders.sender_key): one number, one row.
    Column("address_key", String(32), nullable=False, unique=True),
    Column("phone_number_type", String(16), nullable=False),
    Column("name", String(256)),
    Column("status", String(32), nullable=False),
    Column("country_code", String(2)),
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)

response_libraries = Table(
    "response_libraries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
    Column(
        "division_id",
        ID,
        ForeignKey("divisions.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)

email_domains = Table(
    "email_domains",
    metadata,
    Column("id", String(253), primary_key=True),  # the domain name, lower case
    Column("name", String(256), nullable=False),
    Column("sender_type", String(32), nullable=False),
    Column("dkim_selector", String(63), nullable=False),
    # The signing key in PEM, unencrypted: whoever reads the database can sign as the domain
    # (docs/operations.md).
    Column("dkim_private_key", Text, nullable=False),
    # [{purpose, type, name, value, status}] as asked to be published, with the last verdicts.
    Column("records", JSON, nullable=False),
    Column("dmarc", JSON),  # {status, policy, record} of the last check
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_checked", UtcDateTime),
)

responses = Table(
    "responses",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("name_key", Text, nullable=False, index=True),
    Column("response_type", String(32)),
    Column("interaction_type", String(16)),
    # [{content, contentType, type}] and [{id, description, defaultValue}], Genesys' names.
    Column("texts", JSON, nullable=False),
    Column("substitutions", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)

# Which libraries hold a response (one or more), in the order the response names them.
response_library_members = Table(
    "response_library_members",
    metadata,
    Column(
        "response_id",
        ID,
        ForeignKey("responses.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "library_id",
        ID,
        ForeignKey("response_libraries.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("position", Integer, nullable=False),
)

messaging_campaigns = Table(
    "messaging_campaigns",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
    Column(
        "division_id",
        ID,
        ForeignKey("divisions.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    Column("status", String(16), nullable=False, index=True),
    Column(
        "contact_list_id",
        ID,
        ForeignKey("contact_lists.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    Column("callable_time_set_id", ID),
    Column("dnc_list_ids", JSON, nullable=False),
    Column("contact_list_filter_ids", JSON, nullable=False),
    Column("contact_sorts", JSON, nullable=False),
    Column("messages_per_minute", Integer, nullable=False),
    Column("always_running", Boolean, nullable=False),
    Column("sms_config", JSON),
    Column("email_config", JSON),
    Column("errors", JSON, nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("date_modified", UtcDateTime, nullable=False),
)

# One row per (campaign, cycle, contact): the campaign's durable cursor. A contact is
# `pending` until claimed, `queued` once its message is in the outbox (claimed and queued in
# one transaction), `done` once that message settled or the contact was skipped.
campaign_attempts = Table(
    "campaign_attempts",
    metadata,
    Column("campaign_id", ID, primary_key=True),
    Column("cycle", Integer, primary_key=True),
    Column("contact_seq", SEQ, primary_key=True),
    Column("contact_id", String(256), nullable=False),
    Column("state", String(8), nullable=False),
    Column("rank", Integer, nullable=False),  # 0: priority contacts, 1: the others
    Column("position", SEQ, nullable=False),  # order by the campaign's contactSorts
    Column("next_at", UtcDateTime),  # not before: waiting for the callable time
    Column("message_id", ID),
    Column("wrapup", String(64)),
    Column("reason", Text),
    Column("column_name", String(128)),
    Column("address", String(320)),
    Column("settled_at", UtcDateTime),
    Index(
        "ix_campaign_attempts_campaign_id_cycle_state_rank_position",
        "campaign_id",
        "cycle",
        "state",
        "rank",
        "position",
    ),
)

campaign_counters = Table(
    "campaign_counters",
    metadata,
    Column("campaign_id", ID, primary_key=True),
    Column("cycle", Integer, primary_key=True),
    Column("key", String(64), primary_key=True),  # total | messaged | a wrap-up code | filtered
    Column("n", BigInteger, nullable=False),
)

# Every e-mail the inbound receiver acknowledged, byte for byte, with what became of it
# (domain.inbound_email kinds) and the message it made or concerned. A mail is acknowledged
# only once this row is committed.
inbound_emails = Table(
    "inbound_emails",
    metadata,
    Column("id", ID, primary_key=True),
    Column("received_at", UtcDateTime, nullable=False, index=True),
    Column("mail_from", Text, nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("message_id", ID, index=True),
    Column("header_message_id", Text),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# --- the web console's users (migration 0016) ---------------------------------------------

console_users = Table(
    "console_users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id, with its parameters
    Column("state", String(16), nullable=False),
    # Failed sign-ins in a row; at the limit the account locks until `locked_until`.
    Column("failed_sign_ins", Integer, nullable=False),
    Column("locked_until", UtcDateTime),
    Column("date_created", UtcDateTime, nullable=False),
)

console_user_grants = Table(
    "console_user_grants",
    metadata,
    Column("user_id", ID, ForeignKey("console_users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ID, primary_key=True),
    Column("division_id", ID, primary_key=True),  # a division id or "*", as OAuth grants
)

# Server-side sessions: the cookie holds a random token, the table its SHA-256, so signing
# out (deleting the row) ends the session everywhere at once.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column(
        "user_id",
        ID,
        ForeignKey("console_users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("csrf_token", String(64), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# The dialer event log (GET /api/v2/outbound/events).
dialer_events = Table(
    "dialer_events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("level", String(8), nullable=False),  # INFO | WARNING | ERROR
    Column("category", String(40), nullable=False),
    Column("name", String(128), nullable=False),
    Column("message", Text, nullable=False),
    Column("code", String(128)),
    Column("params", JSON, nullable=False),
    Column("error_entity", JSON),  # {id, name, selfUri}
    Column("related_entity", JSON),
    Column("correlation_id", String(128)),
    Column("division_id", ID),
    Column("timestamp", UtcDateTime, nullable=False),
    Index("ix_dialer_events_timestamp", "timestamp"),
    Index("ix_dialer_events_category_timestamp", "category", "timestamp"),
)

# Every change of an opt-out: the audit trail (which message, which keyword, when, who).
opt_out_events = Table(
    "opt_out_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(8), nullable=False),
    Column("address", String(320), nullable=False),
    Column("sender", String(320), nullable=False),  # "*": every sender
    Column("action", String(16), nullable=False),  # optOut | optIn
    Column("source", String(16), nullable=False),  # keyword | api
    Column("keyword", String(64)),
    Column("message_id", ID),
    Column("actor", String(256)),
    Column("reason", Text),
    Column("occurred_at", UtcDateTime, nullable=False),
    Index("ix_opt_out_events_channel_address", "channel", "address"),
)

# Keyword settings per sender address; sender "*" holds the organisation's defaults.
sms_keyword_settings = Table(
    "sms_keyword_settings",
    metadata,
    Column("sender", String(320), primary_key=True),
    Column("opt_out_keywords", JSON),
    Column("opt_in_keywords", JSON),
    Column("help_keywords", JSON),
    Column("opt_out_text", Text),
    Column("opt_in_text", Text),
    Column("help_text", Text),
    Column("date_modified", UtcDateTime, nullable=False),
)

# Parts of a concatenated inbound SMS waiting for the rest of their message.
inbound_sms_parts = Table(
    "inbound_sms_parts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("from_address", String(320), nullable=False),
    Column("to_address", String(320), nullable=False),
    Column("reference", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("text", Text, nullable=False),
    # The part as it came (domain.channels.SmsPart): the parts' bytes joined decode a
    # character split between two parts (migration 0026).
    Column("payload", LargeBinary),
    Column("alphabet", String(8)),
    Column("provider_message_id", String(128)),
    Column("received_at", UtcDateTime, nullable=False),
    Index(
        "ix_inbound_sms_parts_from_address_to_address", "from_address", "to_address", "reference"
    ),
)

# Outgoing event webhooks (our extension): who is told about which topics, and one row per
# event and subscription, written in the transaction of the change it reports.
webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("events", JSON, nullable=False),
    Column("secret", String(128), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column(
        "subscription_id",
        ID,
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", ID, nullable=False),
    Column("topic", String(256), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Index("ix_webhook_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    Index("ix_webhook_deliveries_subscription_id", "subscription_id", "created_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        ID,
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attempted_at", UtcDateTime, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Index("ix_webhook_attempts_delivery_id", "delivery_id"),
)
