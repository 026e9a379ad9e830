"""`TIDINGS_SMTP_URL`: where outgoing mail goes and how the connection is made.

    smtp://[USER:PASS@]HOST[:PORT][?connections=4&starttls=auto&timeout=30]
    smtps://[USER:PASS@]HOST[:PORT][?...]           implicit TLS (port 465 by default)

Options: `connections` (pool size, 1-64), `starttls` (`auto`: upgrade when the relay offers
it; `always`: refuse to send in clear; `never`), `timeout` (seconds per SMTP command),
`ca_file` (a PEM bundle to trust besides the system store, for a private relay),
`verify` (`false` skips certificate checks entirely), `helo` (the name we greet with).
User and password are percent-decoded, so `@` and `:` in them are written `%40` and `%3A`.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from tidings.config import ConfigError

StartTls = Literal["auto", "always", "never"]
_OPTIONS = {"connections", "starttls", "timeout", "ca_file", "verify", "helo"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: StartTls = "auto"
    connections: int = 4
    timeout: float = 30.0
    ca_file: str | None = None
    verify: bool = True
    helo: str | None = None

    @property
    def uses_tls(self) -> bool:
        return self.implicit_tls or self.starttls != "never"

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def describe(self) -> str:
        """The URL without the password, for logs."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"}:
        raise ConfigError(f"smtp_url must start with smtp:// or smtps://, not {url!r}")
    if not parts.hostname:
        raise ConfigError("smtp_url names no host")
    implicit_tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit_tls else 25)
    except ValueError as exc:
        raise ConfigError(f"smtp_url has an invalid port: {exc}") from exc
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = set(query) - _OPTIONS
    if unknown:
        raise ConfigError(f"smtp_url has unknown options: {', '.join(sorted(unknown))}")
    options = {name: values[-1] for name, values in query.items()}

    starttls = options.get("starttls", "auto").lower()
    if starttls not in {"auto", "always", "never"}:
        raise ConfigError("smtp_url starttls must be auto, always or never")
    if implicit_tls and starttls == "always":
        raise ConfigError("smtps:// is already TLS: starttls=always does not apply")
    connections = int(_number(options, "connections", int, 4))
    if not 1 <= connections <= 64:
        raise ConfigError("smtp_url connections must be from 1 to 64")
    timeout = _number(options, "timeout", float, 30.0)
    if timeout <= 0:
        raise ConfigError("smtp_url timeout must be more than 0 seconds")
    verify_text = options.get("verify", "true").lower()
    if verify_text not in _TRUE | _FALSE:
        raise ConfigError("smtp_url verify must be true or false")
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=implicit_tls,
        starttls="never" if implicit_tls else starttls,  # type: ignore[arg-type]
        connections=connections,
        timeout=timeout,
        ca_file=options.get("ca_file") or None,
        verify=verify_text in _TRUE,
        helo=options.get("helo") or None,
    )


def _number(
    options: dict[str, str], name: str, kind: Callable[[str], float], default: float
) -> float:
    if name not in options:
        return default
    try:
        return kind(options[name])
    except ValueError as exc:
        raise ConfigError(f"smtp_url {name} must be a number, not {options[name]!r}") from exc
