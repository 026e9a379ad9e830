"""What goes into a contact list export, independent of how it is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tidings.domain.contact_lists import Contact, ContactList

# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
ID_COLUMN = "inin-outbound-id"  # the name Genesys exports give the contact id


def neutralize(cell: str) -> str:
    """Makes a spreadsheet show the cell as text instead of running it. A plain number
    (`+13175550100`, `-5`) runs nothing and stays as it is, so E.164 numbers survive."""
    if cell.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
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
    return columns


def row(contact_list: ContactList, contact: Contact) -> list[str]:
    cells = [contact.id, *(contact.data.get(c, "") for c in contact_list.column_names)]
    cells += [_flag(contact.callable), _flag(contact.priority)]
    for column in contact_list.phone_columns:
        check = contact.addresses.get(column.column_name)
        cells += [
            _flag(contact.phone_number_status.get(column.column_name, True)),
            check.address or "" if check else "",
            check.reason or "" if check else "",
            " ".join(check.time_zones) if check else "",
        ]
    for column in contact_list.email_columns:
        check = contact.addresses.get(column.column_name)
        cells += [check.address or "" if check else "", check.reason or "" if check else ""]
    return [neutralize(cell) for cell in cells]


def _flag(value: bool) -> str:
    return "true" if value else "false"
