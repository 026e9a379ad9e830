"""SMS through a Twilio-compatible HTTP aggregator: one form POST per message.

`TIDINGS_SMS_URL=twilio://ACCOUNT_SID:AUTH_TOKEN@HOST:PORT?scheme=https&concurrency=20&tps=0`
(host `api.twilio.com` when empty). We speak the few calls ourselves with httpx rather than
use the `twilio` package, which cannot be pointed at another base URL without patching it.

What comes back from the network (status callbacks, inbound messages) arrives as webhooks at
our own API (api/routes/twilio_webhooks.py), signed with the same Auth Token.

How a reply maps to an outcome (the core retries RETRY, never UNKNOWN):
- 200/201 with a `sid`: ACCEPTED.
- 429: RETRY after Retry-After. 408: RETRY (the server did not read the whole request).
- other 4xx: REJECTED with Twilio's error `code` and `message` (bad number, unverified
  sender, bad credentials: sending again cannot help).
- 500 and 503: RETRY. Twilio answers them when the API request failed, and a failed request
  creates no message resource; 503 is also how an overloaded aggregator sheds load.
- 502, 504 and other 5xx: UNKNOWN. They come from a gateway that lost the upstream's answer,
  and the upstream may well have created the message.
- no connection (refused, DNS, TLS, connect timeout): RETRY. The request was not written
  whole (write error): RETRY, no server acts on a truncated form.
- no answer after the request was sent (read timeout, connection dropped): UNKNOWN.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx

from tidings.config import ConfigError
from tidings.domain.channels import OutboundSms, SendOutcome, SendResult
from tidings.domain.twilio import STATUS_CALLBACK_PATH
from tidings.ports import ChannelEvents

log = logging.getLogger("tidings.sms.twilio")

SCHEME = "twilio"
DEFAULT_HOST = "api.twilio.com"
# A message's first answer comes back in well under a second; a minute covers a slow
# aggregator without holding a send slot forever.
TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=None)
_RETRY_STATUSES = {408, 429, 500, 503}
_NOT_CONNECTED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)


@dataclass(frozen=True)
class TwilioAccount:
    account_sid: str
    auth_token: str
    base_url: str  # scheme://host[:port], no trailing slash
    concurrency: int = 20  # requests in flight at once
    tps: float = 0.0  # requests started a second; 0: no limit

    @classmethod
    def from_url(cls, url: str) -> TwilioAccount:
        """The account a `twilio://SID:TOKEN@HOST:PORT?scheme=...` URL names."""
        parts = urlsplit(url)
        if parts.scheme != SCHEME:
            raise ConfigError(f"sms_url: expected a {SCHEME}:// URL, got {parts.scheme!r}")
        sid, token = unquote(parts.username or ""), unquote(parts.password or "")
        if not sid or not token:
            raise ConfigError("sms_url: twilio://ACCOUNT_SID:AUTH_TOKEN@HOST needs both")
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        unknown = set(query) - {"scheme", "concurrency", "tps"}
        if unknown:
            raise ConfigError(f"sms_url: unknown parameters {', '.join(sorted(unknown))}")
        scheme = query.get("scheme", "https")
        if scheme not in ("http", "https"):
            raise ConfigError(f"sms_url: scheme must be http or https, got {scheme!r}")
        try:
            port = parts.port
            concurrency = int(query.get("concurrency", "20"))
            tps = float(query.get("tps", "0"))
        except ValueError as exc:
            raise ConfigError(f"sms_url: {exc}") from exc
        if concurrency < 1 or not tps >= 0:
            raise ConfigError("sms_url: concurrency must be at least 1 and tps at least 0")
        host = parts.hostname or DEFAULT_HOST
        if ":" in host:
            host = f"[{host}]"
        base_url = f"{scheme}://{host}" + (f":{port}" if port else "")
        return cls(sid, token, base_url, concurrency, tps)

    @property
    def messages_url(self) -> str:
        account = quote(self.account_sid, safe="")
        return f"{self.base_url}/2010-04-01/Accounts/{account}/Messages.json"


def is_twilio_url(url: str) -> bool:
    return urlsplit(url).scheme == SCHEME


def status_callback_url(public_url: str) -> str:
    return public_url.rstrip("/") + STATUS_CALLBACK_PATH


class Pace:
    """Spaces request starts `1/per_second` apart, across all tasks; queued callers wait in
    turn. (A simple schedule rather than a bucket: aggregators count per second and punish
    bursts.)"""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    async def wait(self) -> None:
        if not self._interval:
            return
        now = self._clock()
        start = max(now, self._next)
        self._next = start + self._interval  # no await before this line: no lock needed
        if start > now:
            await self._sleep(start - now)


class TwilioSender:
    """`SmsSender` over a Twilio-compatible REST API."""

    def __init__(
        self,
        account: TwilioAccount,
        public_url: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.account = account
        # None: no StatusCallback, so no receipts (a provider set up by its own console).
        self._status_callback = status_callback_url(public_url) if public_url else None
        self._transport = transport
        self._timeout = timeout
        self._pace = Pace(account.tps)
        # One client per connection, checked out for a request at a time: this is the
        # concurrency limit, and it spares httpcore's pool, whose bookkeeping grows with
        # connections x requests (2.4 ms of CPU a message at 20 connections in one pool).
        self._clients: list[httpx.AsyncClient] = []
        self._idle: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()

    @classmethod
    def from_url(cls, url: str, public_url: str | None) -> TwilioSender:
        return cls(TwilioAccount.from_url(url), public_url)

    async def start(self, events: ChannelEvents) -> None:
        # Receipts and inbound messages reach our webhook routes, not this object; the
        # connections open on first use.
        del events

    async def close(self) -> None:
        clients, self._clients, self._idle = self._clients, [], asyncio.Queue()
        for client in clients:
            await client.aclose()

    async def _checkout(self) -> httpx.AsyncClient:
        if self._idle.empty() and len(self._clients) < self.account.concurrency:
            client = httpx.AsyncClient(
                auth=(self.account.account_sid, self.account.auth_token),
                timeout=self._timeout,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                transport=self._transport,
                headers={"Accept": "application/json"},
            )
            self._clients.append(client)
            return client
        return await self._idle.get()

    @property
    def max_in_flight(self) -> int:
        """Requests under way at once: the outbox claims no more (see SmppSender)."""
        return self.account.concurrency

    async def send(self, sms: OutboundSms) -> SendResult:
        form = {"To": sms.to_address, "From": sms.from_address, "Body": sms.text}
        if self._status_callback:
            form["StatusCallback"] = self._status_callback
        client = await self._checkout()
        try:
            await self._pace.wait()
            response = await client.post(self.account.messages_url, data=form)
        except _NOT_CONNECTED as exc:
            return _failed(SendOutcome.RETRY, exc, "no connection to the aggregator")
        except (httpx.WriteError, httpx.WriteTimeout) as exc:
            return _failed(SendOutcome.RETRY, exc, "the request was not sent whole")
        except httpx.TransportError as exc:
            return _failed(SendOutcome.UNKNOWN, exc, "no answer after the request was sent")
        finally:
            if client in self._clients:  # not closed meanwhile
                self._idle.put_nowait(client)
        return _result(response)


def _failed(outcome: SendOutcome, exc: Exception, why: str) -> SendResult:
    log.warning("twilio send: %s: %s", why, exc or type(exc).__name__)
    return SendResult(outcome, reason=f"{why}: {exc or type(exc).__name__}")


def _result(response: httpx.Response) -> SendResult:
    body = _json(response)
    status = response.status_code
    if status in (200, 201):
        sid = body.get("sid")
        if isinstance(sid, str) and sid:
            return SendResult(SendOutcome.ACCEPTED, sid, provider_part_ids=(sid,))
        return SendResult(SendOutcome.UNKNOWN, code=str(status), reason="answer without a sid")
    code = str(body.get("code") or status)
    reason = str(body.get("message") or response.reason_phrase or f"HTTP {status}")
    if status in _RETRY_STATUSES:
        retry_after = _retry_after(response.headers.get("retry-after"))
        return SendResult(
            SendOutcome.RETRY, code=code, reason=reason, retry_after_seconds=retry_after
        )
    if status < 500:  # 4xx, or a redirect: the request was not carried out
        return SendResult(SendOutcome.REJECTED, code=code, reason=reason)
    return SendResult(SendOutcome.UNKNOWN, code=code, reason=reason)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(header: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
