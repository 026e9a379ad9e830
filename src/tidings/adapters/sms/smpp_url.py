"""`TIDINGS_SMS_URL=smpp://SYSTEM_ID:PASSWORD@HOST:PORT?option=value&...` read into settings.

Options (all optional):

- `window` (100): submits awaiting their submit_sm_resp at once.
- `tps` (0): submits a second per bind; 0 is no limit of our own.
- `bind` (`trx`): `trx` (one transceiver bind) or `tx+rx` (a transmitter and a receiver).
- `system_type` (empty): the bind's system_type.
- `source_ton`/`source_npi`: force the source address type; by default it is worked out per
  sender (E.164 `1/1`, alphanumeric `5/0`, short code `3/0`).
- `dest_ton`/`dest_npi` (`1/1`): destination numbers are E.164, international/ISDN.
- `long` (`udh`): how a long text travels: `udh` (concatenation header in each part),
  `sar` (SAR TLVs), `payload` (one submit_sm with the whole text in message_payload).
- `enquire` (30): enquire_link seconds. smpp34 1.5 fixes this timer at 30 s in its Python
  binding, so any other value is refused rather than silently ignored.
- `reconnect_min`/`reconnect_max` (1/60): bounds of the exponential backoff between binds.
- `wait` (30): how long a send waits for a bind before it answers RETRY.
- `deadline` (120): how long a send keeps resubmitting a throttled part before RETRY.
- `inbound` (65536): smpp34's queue of received deliver_sm, acknowledged before we hand
  them on (see `smpp.py`, "Acknowledgements").

`smpps://` binds over TLS.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from tidings.config import ConfigError

BINDS = ("trx", "tx+rx")
LONG_MODES = ("udh", "sar", "payload")
SMPP34_ENQUIRE_SECONDS = 30


@dataclass(frozen=True)
class SmppSettings:
    host: str
    port: int = 2775
    system_id: str = ""
    password: str = ""
    tls: bool = False
    system_type: str = ""
    window: int = 100
    tps: float = 0.0
    bind: str = "trx"
    source_ton: int | None = None
    source_npi: int | None = None
    dest_ton: int = 1
    dest_npi: int = 1
    long: str = "udh"
    enquire_seconds: int = SMPP34_ENQUIRE_SECONDS
    reconnect_min: float = 1.0
    reconnect_max: float = 60.0
    wait_seconds: float = 30.0
    deadline_seconds: float = 120.0
    inbound: int = 65536
    # Throttled resubmits back off from here (doubling, up to a few seconds).
    throttle_backoff: float = 0.2
    # How long the rate stays lowered after the SMSC last said "throttled".
    slow_seconds: float = 10.0


_NUMBERS = {
    "window": int,
    "tps": float,
    "source_ton": int,
    "source_npi": int,
    "dest_ton": int,
    "dest_npi": int,
    "reconnect_min": float,
    "reconnect_max": float,
    "wait": float,
    "deadline": float,
    "inbound": int,
    "throttle_backoff": float,
    "slow_seconds": float,
}
_FIELD = {"wait": "wait_seconds", "deadline": "deadline_seconds"}


def parse_smpp_url(url: str) -> SmppSettings:
    parts = urlsplit(url)
    if parts.scheme not in ("smpp", "smpps"):
        raise ConfigError(f"sms_url: expected smpp:// or smpps://, got {parts.scheme!r}")
    if not parts.hostname:
        raise ConfigError("sms_url: the SMSC host is missing")
    try:
        port = parts.port or 2775
    except ValueError as exc:
        raise ConfigError(f"sms_url: invalid port: {exc}") from exc
    values: dict[str, object] = {}
    for name, raw in parse_qsl(parts.query, keep_blank_values=True):
        if name in _NUMBERS:
            try:
                values[_FIELD.get(name, name)] = _NUMBERS[name](raw)
            except ValueError:
                raise ConfigError(f"sms_url: {name}={raw!r} is not a number") from None
        elif name == "bind":
            raw = raw.lower().replace(" ", "+")  # an unescaped + in a query is a space
            if raw not in BINDS:
                raise ConfigError(f"sms_url: bind={raw!r}; use one of {', '.join(BINDS)}")
            values["bind"] = raw
        elif name == "long":
            if raw.lower() not in LONG_MODES:
                raise ConfigError(f"sms_url: long={raw!r}; use one of {', '.join(LONG_MODES)}")
            values["long"] = raw.lower()
        elif name == "system_type":
            values["system_type"] = raw
        elif name == "enquire":
            if raw.strip() != str(SMPP34_ENQUIRE_SECONDS):
                raise ConfigError(
                    f"sms_url: enquire={raw!r}: smpp34 sends enquire_link every "
                    f"{SMPP34_ENQUIRE_SECONDS} s and does not let us change it"
                )
        else:
            raise ConfigError(f"sms_url: unknown option {name!r}")
    settings = SmppSettings(
        host=parts.hostname,
        port=port,
        system_id=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        tls=parts.scheme == "smpps",
        **values,  # type: ignore[arg-type]
    )
    _check(settings)
    return settings


def _check(settings: SmppSettings) -> None:
    if not settings.system_id:
        raise ConfigError("sms_url: the system_id (user part) is missing")
    if not 1 <= settings.window <= 10_000:
        raise ConfigError("sms_url: window must be from 1 to 10000")
    if settings.tps < 0:
        raise ConfigError("sms_url: tps must be 0 (no limit) or more")
    if not 0 < settings.reconnect_min <= settings.reconnect_max:
        raise ConfigError("sms_url: need 0 < reconnect_min <= reconnect_max")
    if settings.wait_seconds <= 0 or settings.deadline_seconds <= 0:
        raise ConfigError("sms_url: wait and deadline must be positive")
    if settings.inbound < 1:
        raise ConfigError("sms_url: inbound must be at least 1")
    for name in ("source_ton", "source_npi", "dest_ton", "dest_npi"):
        value = getattr(settings, name)
        if value is not None and not 0 <= value <= 255:
            raise ConfigError(f"sms_url: {name} must be from 0 to 255")
