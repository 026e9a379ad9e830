"""Settings, read once at start-up from the environment and an optional TOML file.

Every setting has an environment name `TIDINGS_<NAME>`; the TOML file uses the lower-case
name as its key (`database_url = "..."`). The environment wins over the file.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

import phonenumbers

# The file `serve` was given, for the API processes it starts (each rebuilds the settings).
CONFIG_FILE_ENV = "TIDINGS_CONFIG_FILE"
# prometheus_client's: where several API processes write the metrics /metrics adds up.
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


class ConfigError(ValueError):
    """A setting has a value Tidings cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./tidings-data")
    database_url: str = ""  # empty: SQLite file inside data_dir
    sms_url: str = "simulator:"
    # Where the aggregator reaches our API (its webhooks: status callbacks, inbound SMS), as
    # the aggregator sees it: behind a proxy, the proxy's public https URL.
    public_url: str = "http://127.0.0.1:8080"
    smtp_url: str = "simulator:"
    # Where the inbound SMTP receiver (replies and bounces) listens, HOST:PORT; empty: off.
    inbound_smtp: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    # API processes of `tidings serve` (one of them also runs the dispatcher).
    workers: int = 1
    log_level: str = "INFO"
    log_format: str = "json"  # json | text
    # Requests a minute per OAuth client; our callers are the customer's own systems.
    rate_limit_per_minute: int = 600_000
    # How long a verified token is trusted from memory before the database is asked again.
    # Bounds how long a revoked token keeps working in *other* processes.
    token_cache_seconds: float = 10.0
    max_body_bytes: int = 10 * 1024 * 1024
    # Bodies of the CSV upload routes (`/uploads/...`): a million-row file is ~100 MB.
    max_upload_bytes: int = 2 * 1024 * 1024 * 1024
    # Signs download links (exports). Empty: a key kept in the data directory. Set the same
    # value on every machine when several serve one PostgreSQL database.
    download_key: str = ""
    download_link_seconds: int = 3600
    # Genesys' limit of contacts in one list.
    max_contacts_per_list: int = 1_000_000
    # Where phone numbers without a country code are taken to be (ISO 3166 code).
    phone_region: str = "US"
    dispatcher_poll_seconds: float = 1.0
    # How often an idle outbox looks for messages queued by another process.
    send_poll_seconds: float = 0.1
    # Sends a dispatcher keeps under way per channel (the adapter's window sits below it).
    send_in_flight: int = 200
    # A reply within this many hours joins the conversation we started with its sender.
    reply_window_hours: float = 72.0
    # The DNS name of the mail host that receives bounces (and usually sends): each outbound
    # e-mail domain is asked to publish `bounce.<domain>` as a CNAME to it, and an SPF hint
    # naming it. Empty: no bounce record is asked for.
    bounce_host: str = ""
    # Where outbound-domain checks send their DNS questions, HOST:PORT; empty: the system's.
    dns_resolver: str = ""
    # SMS a second from one sender number, and e-mails a second through the relay, in each
    # dispatcher process, over campaigns and agentless messages alike; 0: no limit.
    sms_per_second_per_sender: float = 0.0
    email_per_second: float = 0.0
    # The highest messagesPerMinute a campaign may ask for (Genesys leaves it unstated).
    campaign_max_messages_per_minute: int = 600_000
    # Refuse campaigns (and switching them on) whose e-mail domain's DNS is not verified;
    # off: such a campaign may send, with a warning in its `errors`.
    campaign_require_verified_domains: bool = False
    run_dispatcher: bool = True
    # Inbound e-mail larger than this is refused with 552.
    inbound_max_bytes: int = 10 * 1024 * 1024
    # Domains (comma-separated) whose every address takes mail at the inbound receiver,
    # besides our outbound e-mail domains: a reply-to domain such as `reply.example.com`.
    inbound_domains: str = ""
    # The web console: how long a sign-in lasts, and whether its cookies are marked Secure
    # (sent over HTTPS only; turn off only to try the console over plain HTTP on a LAN).
    console_session_hours: float = 12.0
    console_secure_cookies: bool = True
    # A conversation with no message for this many hours (and nothing left to send) ends.
    conversation_inactivity_hours: float = 72.0
    # Outgoing event webhooks: attempts per event before its delivery is failed; the wait
    # after the first failure, doubling up to the longest; the timeout of one request.
    webhook_max_attempts: int = 10
    webhook_first_retry_seconds: float = 10.0
    webhook_longest_retry_seconds: float = 3600.0
    webhook_timeout_seconds: float = 10.0
    # Finished webhook deliveries (and their attempts) are removed this long after queueing.
    webhook_history_days: float = 7.0

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tidings.db').resolve()}"

    def with_overrides(self, **changes: Any) -> Settings:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update({k: v for k, v in changes.items() if v is not None})
        return Settings(**values)


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if kind is Path:
            return Path(str(raw)).expanduser()
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r} has an invalid value {raw!r}") from exc


def load_settings(
    config_file: Path | None = None, environ: dict[str, str] | None = None
) -> Settings:
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if config_file is not None:
        try:
            values.update(tomllib.loads(config_file.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc}") from exc
    hints = get_type_hints(Settings)
    known = {f.name for f in fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"unknown settings in {config_file}: {', '.join(sorted(unknown))}")
    for name in known:
        env_value = env.get(f"TIDINGS_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    coerced = {name: _coerce(name, raw, hints[name]) for name, raw in values.items()}
    settings = Settings(**coerced)
    if settings.rate_limit_per_minute < 1:
        raise ConfigError("rate_limit_per_minute must be at least 1")
    if not 1 <= settings.workers <= 64:
        raise ConfigError("workers must be from 1 to 64")
    if settings.dns_resolver:
        try:
            ipaddress.ip_address(host_port(settings.dns_resolver)[0])
        except ValueError as exc:
            raise ConfigError(f"dns_resolver is an IP address and port: {exc}") from exc
    if settings.inbound_smtp:
        try:
            host_port(settings.inbound_smtp)
        except ValueError as exc:
            raise ConfigError(f"inbound_smtp is a host and port: {exc}") from exc
    if settings.inbound_max_bytes < 1024:
        raise ConfigError("inbound_max_bytes must be at least 1024")
    # An unknown region would make every number written without a country code invalid,
    # silently. `gb` is read as `GB`: the import's whole-column check finds the region's
    # metadata only by the upper-case code (else each number takes the slow path).
    region = settings.phone_region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            f"phone_region is a country code phonenumbers knows (US, GB, DE, ...), "
            f"not {settings.phone_region!r}"
        )
    return settings.with_overrides(phone_region=region)


def host_port(setting: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:53` for IPv6) → (host, port)."""
    host, sep, port = setting.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"write HOST:PORT, e.g. 127.0.0.1:53, not {setting!r}")
    return host, int(port)
