"""What goes into a contact list export, independent of how it is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from tidings.domain.contact_lists import ContactList

# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_STARTS = frozenset(FORMULA_STARTS)
_NEUTRALIZED = _STARTS | {"'"}  # cells `neutralize` may change
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
ID_COLUMN = "inin-outbound-id"  # the name Genesys exports give the contact id


def neutralize(cell: str) -> str:
    """Makes a spreadsheet show the cell as text instead of running it. A plain number
    (`+13175550100`, `-5`) runs nothing and stays as it is, so E.164 numbers survive."""
    if cell.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    if cell.startswith("'") and cell[1:2] in _STARTS:  # reads back as itself, not as `=...`
        return "'" + cell
    return cell


@dataclass
class Export:
    id: str
    contact_list_id: str
    state: str  # running | complete | failed
    row_count: int = 0
    error: str | None = None
    date_created: datetime | None = None
    date_completed: datetime | None = None


def header(contact_list: ContactList) -> list[str]:
    columns = [ID_COLUMN, *contact_list.column_names, "ContactCallable", "Priority"]
    for column in contact_list.phone_columns:
        name = column.column_name
        columns += [
            f"Callable-{name}",
            f"Normalized-{name}",
            f"Problem-{name}",
            f"TimeZones-{name}",
        ]
    for column in contact_list.email_columns:
        name = column.column_name
        columns += [f"Normalized-{name}", f"Problem-{name}"]
    return columns + SYSTEM_COLUMNS


# Contactable by channel (`contactableStatus`), then each channel's campaign history: when
# it was last attempted, its wrap-up code (why a contact was skipped, or how its send ended)
# and how many attempts it had.
CHANNELS = (("sms", "SMS"), ("email", "Email"))
SYSTEM_COLUMNS = [
    *(f"Contactable-{label}" for _, label in CHANNELS),
    *(
        f"{item}-{label}"
        for _, label in CHANNELS
        for item in ("LastAttempt", "LastResult", "Attempts")
    ),
]


def utc_text(stored: str | None) -> str:
    """A stored UTC time (`2026-11-26 18:00:00.123456`, as both databases give it as text)
    written as ISO-8601 with `Z`, to the second."""
    return f"{stored[:19].replace(' ', 'T')}Z" if stored else ""


class ExportRecord(NamedTuple):
    """One contact as the export reads it: plain values, no entity to build per row. The
    export source hands contacts on a batch at a time, as columns with these names."""

    id: str
    data: dict[str, str]
    callable: bool
    priority: bool
    phone_number_status: dict[str, bool]
    addresses: dict[str, dict[str, object]]  # column -> {address, reason, timeZones}
    contactable_status: dict[str, dict[str, object]] = {}
    sms_last_attempt: str | None = None  # as stored, see `utc_text`
    sms_last_result: str | None = None
    sms_attempts: int = 0
    email_last_attempt: str | None = None
    email_last_result: str | None = None
    email_attempts: int = 0


class RowWriter:
    """Turns records into CSV rows for one list; the column layout is worked out once.
    The exporter does the same over whole batches of contacts (adapters/exporters); a test
    holds the two equal."""

    def __init__(self, contact_list: ContactList) -> None:
        self._columns = list(contact_list.column_names)
        self._phones = [c.column_name for c in contact_list.phone_columns]
        self._emails = [c.column_name for c in contact_list.email_columns]

    def row(self, record: ExportRecord) -> list[str]:
        data = record.data
        cells = [record.id, *[data.get(c, "") for c in self._columns]]
        cells.append("true" if record.callable else "false")
        cells.append("true" if record.priority else "false")
        statuses, addresses = record.phone_number_status, record.addresses
        for name in self._phones:
            check = addresses.get(name) or {}
            # A number that cannot be used is not callable, whatever the stored flag says.
            usable = statuses.get(name, True) and bool(check.get("address"))
            cells.append("true" if usable else "false")
            cells.append(str(check.get("address") or ""))
            cells.append(str(check.get("reason") or ""))
            cells.append(" ".join(str(zone) for zone in _zones(check)))
        for name in self._emails:
            check = addresses.get(name) or {}
            cells.append(str(check.get("address") or ""))
            cells.append(str(check.get("reason") or ""))
        for _, label in CHANNELS:
            status = record.contactable_status.get(label)
            flag = status.get("contactable") if isinstance(status, dict) else None
            cells.append("false" if flag is False else "true")
        for channel, _ in CHANNELS:
            cells.append(utc_text(getattr(record, f"{channel}_last_attempt")))
            cells.append(getattr(record, f"{channel}_last_result") or "")
            cells.append(str(getattr(record, f"{channel}_attempts")))
        return [neutralize(cell) if cell and cell[0] in _NEUTRALIZED else cell for cell in cells]


def _zones(check: dict[str, object]) -> list[object]:
    zones = check.get("timeZones")
    return zones if isinstance(zones, list) else []
