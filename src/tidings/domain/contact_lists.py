"""Contact lists and contacts: their shape, Genesys' limits, and what makes an address usable."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from tidings.domain.callable_times import is_time_zone
from tidings.domain.errors import FieldProblem

MAX_COLUMNS = 50
MAX_HEADER_LENGTH = 128
MAX_CELL_LENGTH = 512
MAX_CONTACTS_PER_CALL = 1000


@dataclass(frozen=True)
class AddressColumn:
    """A phone or e-mail column; `time_column` names a column holding the contact's zone."""

    column_name: str
    type: str
    time_column: str | None = None


@dataclass(frozen=True)
class ColumnDataType:
    column_name: str
    column_data_type: str
    min: int | None = None
    max: int | None = None
    max_length: int | None = None


@dataclass
class ContactList:
    id: str
    name: str
    division_id: str
    column_names: list[str]
    phone_columns: list[AddressColumn] = field(default_factory=list)
    email_columns: list[AddressColumn] = field(default_factory=list)
    column_data_types: list[ColumnDataType] = field(default_factory=list)
    trim_whitespace: bool = True
    time_zone: str | None = None
    automatic_time_zone_mapping: bool = False
    zip_code_column_name: str | None = None
    preview_mode_column_name: str | None = None
    preview_mode_accepted_values: list[str] = field(default_factory=list)
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None

    def problems(self) -> list[FieldProblem]:
        found = self._column_problems() + self._address_column_problems()
        if not self.name.strip():
            found.append(FieldProblem("name", "required", "must not be blank"))
        known = set(self.column_names)
        if self.zip_code_column_name is not None:
            if not self.automatic_time_zone_mapping:
                found.append(
                    FieldProblem(
                        "zipCodeColumnName", "invalid.value", "needs automaticTimeZoneMapping"
                    )
                )
            if self.zip_code_column_name not in known:
                found.append(FieldProblem("zipCodeColumnName", "unknown.column", "not a column"))
        if self.preview_mode_column_name and self.preview_mode_column_name not in known:
            found.append(FieldProblem("previewModeColumnName", "unknown.column", "not a column"))
        if self.time_zone is not None and not is_time_zone(self.time_zone):
            found.append(FieldProblem("timeZone", "invalid.value", "not an IANA time zone"))
        for index, spec in enumerate(self.column_data_types):
            if spec.min is not None and spec.max is not None and spec.min > spec.max:
                found.append(
                    FieldProblem(
                        f"columnDataTypeSpecifications[{index}].min",
                        "invalid.value",
                        "must not be above max",
                    )
                )
            if spec.column_name not in known:
                found.append(
                    FieldProblem(
                        f"columnDataTypeSpecifications[{index}].columnName",
                        "unknown.column",
                        f"no column {spec.column_name!r}",
                    )
                )
        return found

    def _column_problems(self) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        if not self.column_names:
            found.append(FieldProblem("columnNames", "required", "name at least one column"))
        if len(self.column_names) > MAX_COLUMNS:
            found.append(
                FieldProblem("columnNames", "limit.exceeded", f"at most {MAX_COLUMNS} columns")
            )
        keys = [c.casefold() for c in self.column_names]
        if len(set(keys)) != len(keys):
            found.append(FieldProblem("columnNames", "duplicate", "column names must be unique"))
        for index, column_name in enumerate(self.column_names):
            if not column_name.strip() or len(column_name) > MAX_HEADER_LENGTH:
                found.append(
                    FieldProblem(
                        f"columnNames[{index}]",
                        "limit.exceeded",
                        f"1 to {MAX_HEADER_LENGTH} characters",
                    )
                )
        return found

    def _address_column_problems(self) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        known = set(self.column_names)
        for kind, columns in (
            ("phoneColumns", self.phone_columns),
            ("emailColumns", self.email_columns),
        ):
            for index, column in enumerate(columns):
                for role, named in (
                    ("columnName", column.column_name),
                    ("timeColumn", column.time_column),
                ):
                    if named is not None and named not in known:
                        found.append(
                            FieldProblem(
                                f"{kind}[{index}].{role}", "unknown.column", f"no column {named!r}"
                            )
                        )
                if column.time_column and self.automatic_time_zone_mapping:
                    found.append(
                        FieldProblem(
                            f"{kind}[{index}]",
                            "invalid.value",
                            "a time column is not allowed with automaticTimeZoneMapping",
                        )
                    )
        return found


@dataclass(frozen=True)
class AddressCheck:
    """What an address column of one contact holds, once normalised."""

    raw: str
    address: str | None  # E.164 or the normalised e-mail; None when unusable
    reason: str | None = None  # why it is unusable, as the export shows it
    time_zones: tuple[str, ...] = ()  # where the recipient is, for callable times
    zone_source: str | None = None  # column | zip | phone; None: no zone known


# A zip code as people write it: `46204`, `46204-1234`, or `6903` (a spreadsheet dropped
# the leading zero of `06903`).
ZIP_CODE = re.compile(r"\s*([0-9]{3,5})(?:-[0-9]{4})?\s*")


def zip_code(cell: str) -> str | None:
    """The 5-digit US zip code in a cell, if it holds one."""
    found = ZIP_CODE.fullmatch(cell)
    return found.group(1).zfill(5) if found else None


def with_recipient_zone(
    check: AddressCheck, column_zone: str | None, zip_zone: str | None
) -> AddressCheck:
    """Where the recipient of one address is: the zone its list's time column names, else
    the zone of its zip code (automatic time-zone mapping), else the zones of its phone
    number. Resolved when the contact is written, never at send time."""
    if column_zone:
        return replace(check, time_zones=(column_zone,), zone_source="column")
    if zip_zone:
        return replace(check, time_zones=(zip_zone,), zone_source="zip")
    if check.time_zones:
        return replace(check, zone_source="phone")
    return replace(check, zone_source=None)


@dataclass(frozen=True)
class ChannelHistory:
    """A contact's campaign history on one channel (`sms`, `email`): Genesys system data."""

    last_attempt: datetime | None = None
    last_result: str | None = None  # the wrap-up code of the last outcome
    column: str | None = None
    attempts: int = 0


@dataclass
class Contact:
    id: str
    contact_list_id: str
    data: dict[str, str]
    callable: bool = True
    phone_number_status: dict[str, bool] = field(default_factory=dict)
    contactable_status: dict[str, dict[str, object]] = field(default_factory=dict)
    addresses: dict[str, AddressCheck] = field(default_factory=dict)
    priority: bool = False
    queued_at: int = 0  # queue order after priority (microseconds when queued, then position)
    date_created: datetime | None = None
    history: dict[str, ChannelHistory] = field(default_factory=dict)


def clean_data(
    contact_list: ContactList, data: dict[str, str], where: str
) -> tuple[dict[str, str], list[FieldProblem]]:
    """The contact's data as stored (trimmed if the list says so) and what is wrong with it."""
    problems: list[FieldProblem] = []
    known = set(contact_list.column_names)
    cleaned: dict[str, str] = {}
    for column, value in data.items():
        if column not in known:
            problems.append(
                FieldProblem(f"{where}.data.{column}", "unknown.column", "not a column of the list")
            )
            continue
        text = value.strip() if contact_list.trim_whitespace else value
        if len(text) > MAX_CELL_LENGTH:
            problems.append(
                FieldProblem(
                    f"{where}.data.{column}",
                    "limit.exceeded",
                    f"at most {MAX_CELL_LENGTH} characters",
                )
            )
        cleaned[column] = text
    return cleaned, problems


@dataclass
class TimeZoneMappingPreview:
    """How a list's contacts map to time zones (Genesys' timezonemappingpreview)."""

    per_zone: dict[str, int] = field(default_factory=dict)  # contacts in just that zone
    per_zone_by_zip: dict[str, int] = field(default_factory=dict)
    single_zone: int = 0
    single_zone_by_zip: int = 0
    multiple_zones: int = 0
    multiple_zones_by_zip: int = 0
    default_window: int = 0  # no zone known: the callable time set's default applies
    size: int = 0

    def count(self, zones: tuple[str, ...], source: str | None, contacts: int) -> None:
        self.size += contacts
        by_zip = source == "zip"
        if not zones:
            self.default_window += contacts
        elif len(zones) == 1:
            self.single_zone += contacts
            self.per_zone[zones[0]] = self.per_zone.get(zones[0], 0) + contacts
            if by_zip:
                self.single_zone_by_zip += contacts
                self.per_zone_by_zip[zones[0]] = self.per_zone_by_zip.get(zones[0], 0) + contacts
        else:
            self.multiple_zones += contacts
            if by_zip:
                self.multiple_zones_by_zip += contacts
