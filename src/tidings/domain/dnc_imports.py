"""CSV uploads into DNC lists: which columns of a file hold the numbers and addresses, and
what an entry of the export looks like."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tidings.domain.dnc import DncList
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.exports import neutralize
from tidings.domain.imports import FileRejected, ImportJob, checked_header

PHONE = "phone"
EMAIL = "email"
# A column of an `Any` list that nobody named: a value holding `@` is an e-mail address.
EITHER = "either"
FIELDS = {PHONE: "phoneColumns", EMAIL: "emailColumns"}
EXPORT_HEADER = ("address", "kind", "expirationDateTime")


@dataclass
class DncImport(ImportJob):
    phone_columns: list[str] = field(default_factory=list)
    email_columns: list[str] = field(default_factory=list)
    expires_at: datetime | None = None  # of every entry the file adds


@dataclass(frozen=True)
class DncImportPlan:
    """Which cells of each row hold entries, and of which kind."""

    width: int  # cells in the header
    columns: tuple[tuple[int, str, str], ...]  # (position, name in the file, kind)
    warnings: tuple[str, ...] = ()


def column_names(raw: str | None) -> list[str]:
    """`phoneColumns` / `emailColumns` as Genesys sends them: names separated by commas."""
    return [name.strip() for name in (raw or "").split(",") if name.strip()]


def plan_dnc_import(
    dnc_list: DncList, header: list[str], phone_columns: list[str], email_columns: list[str]
) -> DncImportPlan:
    """The columns named by `phoneColumns` / `emailColumns` (case and surrounding spaces
    ignored); without names, the columns named like a phone number or an e-mail address
    that the list takes, else the first column."""
    cleaned = checked_header(header)
    for kind, names in ((PHONE, phone_columns), (EMAIL, email_columns)):
        if names and not dnc_list.takes(kind):
            raise InvalidInput(
                f"This DNC list holds {dnc_list.contact_method} entries, not {kind} entries",
                details=[FieldProblem(FIELDS[kind], "invalid.value", "wrong contact method")],
            )
    if phone_columns or email_columns:
        columns = [(_position(cleaned, n, PHONE), n, PHONE) for n in phone_columns]
        columns += [(_position(cleaned, n, EMAIL), n, EMAIL) for n in email_columns]
        taken = [position for position, _, _ in columns]
        if len(set(taken)) < len(taken):
            raise FileRejected(
                "A column is named twice in phoneColumns and emailColumns", "emailColumns"
            )
        return DncImportPlan(len(cleaned), tuple(columns))
    columns = _guessed(dnc_list, cleaned)
    used = ", ".join(
        f"{name!r} ({kind if kind != EITHER else 'phone or e-mail'})" for _, name, kind in columns
    )
    return DncImportPlan(len(cleaned), tuple(columns), (f"Entries read from {used}",))


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def _position(header: list[str], name: str, kind: str) -> int:
    found = [i for i, cell in enumerate(header) if cell.casefold() == name.casefold()]
    if not found:
        raise FileRejected(f"The column {name!r} is not in the file's header", FIELDS[kind])
    if len(found) > 1:
        raise FileRejected(f"The column {name!r} appears twice in the header", FIELDS[kind])
    return found[0]


def _guessed(dnc_list: DncList, header: list[str]) -> list[tuple[int, str, str]]:
    keys = [_key(name) for name in header]
    phones = [i for i, k in enumerate(keys) if "phone" in k] or [
        i for i, k in enumerate(keys) if "number" in k
    ]
    emails = [i for i, k in enumerate(keys) if "email" in k]
    found = [(i, header[i], PHONE) for i in phones] if dnc_list.takes(PHONE) else []
    found += [(i, header[i], EMAIL) for i in emails] if dnc_list.takes(EMAIL) else []
    if found:
        return found
    first = header[0] or "1"
    if dnc_list.contact_method == "Any":
        return [(0, first, EITHER)]
    kind = PHONE if dnc_list.takes(PHONE) else EMAIL
    if (kind == PHONE and emails) or (kind == EMAIL and phones):
        raise FileRejected(
            f"The file has {'e-mail' if emails else 'phone'} columns, but this DNC list holds "
            f"{dnc_list.contact_method} entries; name the column with {FIELDS[kind]}",
            FIELDS[kind],
        )
    return [(0, first, kind)]


def export_row(kind: str, address: str, expires_at: datetime | None) -> list[str]:
    """One entry as the export writes it (a spreadsheet runs none of it)."""
    when = "" if expires_at is None else _iso(expires_at)
    return [neutralize(address), kind, when]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
