"""CSV imports into lists: how a file's header maps onto a contact list, what rejects a
file whole and what rejects one row, and the progress a user reads."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tidings.domain.contact_lists import MAX_COLUMNS, MAX_HEADER_LENGTH, ContactList
from tidings.domain.errors import FieldProblem, InvalidInput

# Imports waiting for their file (an upload URL was handed out), running, or ended.
AWAITING_UPLOAD = "AWAITING_UPLOAD"
IN_PROGRESS = "IN_PROGRESS"
COMPLETE = "COMPLETE"
FAILED = "FAILED"

MAX_CONTACT_ID_LENGTH = 256
# A file is rejected when its header is wider than this: no list holds more than 50
# columns, and a spreadsheet saved with thousands of empty columns is a mistake.
MAX_FILE_COLUMNS = 4 * MAX_COLUMNS


class FileRejected(InvalidInput):
    """The whole file is refused; nothing of it is kept."""

    def __init__(self, reason: str, field_name: str = "file") -> None:
        super().__init__(reason, details=[FieldProblem(field_name, "invalid.file", reason)])
        self.reason = reason


@dataclass
class ImportJob:
    """An import of a CSV file into a list (a contact list or a DNC list)."""

    id: str
    list_id: str
    state: str
    total_records: int = 0  # data rows in the file
    completed_records: int = 0  # rows read and checked so far
    imported: int = 0  # contacts or entries added or updated
    rejected: int = 0  # rows refused one by one (listed in the rejects file)
    duplicates: int = 0  # rows (entries) whose key came again later in the file
    failure_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    created_by: str | None = None
    date_created: datetime | None = None
    date_modified: datetime | None = None
    date_completed: datetime | None = None

    @property
    def percent_complete(self) -> int:
        if self.state == COMPLETE:
            return 100
        if self.total_records <= 0:
            return 0
        # 100 only once the rows are in the list, not when the last row is read.
        return min(99, self.completed_records * 100 // self.total_records)


@dataclass
class ContactImport(ImportJob):
    contact_id_column: str | None = None
    clear_system_data: bool = False


@dataclass(frozen=True)
class CsvHeader:
    names: list[str]
    lines: int  # physical lines the header record takes (a quoted name may hold newlines)
    rows: int  # data records after it


@dataclass(frozen=True)
class StagedRows:
    """A file read and checked, its rows waiting on disk to enter the list."""

    parts: list[Path]
    rows: int  # rows staged (a key that comes again counts each time)
    rejected: int
    duplicates: int
    rejects_file: Path | None
    blank: int = 0  # rows with no cell filled (a blank line, a spreadsheet's `,,,`): skipped


class StagingFailed(Exception):
    """The reading of the file stopped; what was handed on must not be kept."""


class StagedParts:
    """Staged files handed from the reading thread to the writing one as they are written,
    so a database that can take them at once (PostgreSQL) loads while the file is read."""

    _DONE = object()
    _FAILED = object()

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._end: object | None = None
        self.received: list[Path] = []

    def put(self, part: Path) -> None:
        self._queue.put(part)

    def finish(self) -> None:
        self._queue.put(self._DONE)

    def fail(self) -> None:
        self._queue.put(self._FAILED)

    def __iter__(self) -> Iterator[Path]:
        """The parts not yet taken, as they come; raises StagingFailed if the reading
        failed. Once the end was seen, iterating again yields nothing more."""
        while True:
            item = self._end or self._queue.get()
            if item is self._FAILED:
                self._end = item
                raise StagingFailed("the file could not be read to the end")
            if item is self._DONE:
                self._end = item
                return
            assert isinstance(item, Path)
            self.received.append(item)
            yield item


@dataclass(frozen=True)
class ImportPlan:
    """Which cell of each row goes to which column of the list."""

    width: int  # cells in the header
    columns: tuple[tuple[int, str], ...]  # (position in the file, list column)
    contact_id_position: int | None
    warnings: tuple[str, ...] = ()


def checked_header(header: list[str]) -> list[str]:
    """The header's names without surrounding spaces; refuses a file without a usable
    header row."""
    cleaned = [name.strip() for name in header]
    if not any(cleaned):
        raise FileRejected("The file has no header row: its first row must name the columns")
    if len(cleaned) > MAX_FILE_COLUMNS:
        raise FileRejected(
            f"The header has {len(cleaned)} columns; a file may have at most {MAX_FILE_COLUMNS}"
        )
    for name in cleaned:
        if len(name) > MAX_HEADER_LENGTH:
            raise FileRejected(
                f"The header {name[:40]!r}... is longer than {MAX_HEADER_LENGTH} characters"
            )
    return cleaned


def plan_import(
    contact_list: ContactList, header: list[str], contact_id_column: str | None
) -> ImportPlan:
    """Matches a file's header to the list's columns (ignoring case and surrounding
    spaces). Columns the list needs to reach anyone must be there; others may be missing
    (left empty) and extra ones are ignored, each with a warning."""
    cleaned = checked_header(header)
    by_key = {name.strip().casefold(): name for name in contact_list.column_names}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, name in enumerate(cleaned):
        column = by_key.get(name.casefold())
        if column is None:
            if name:
                ignored.append(name)
            continue
        if column in positions:
            raise FileRejected(f"The column {column!r} appears twice in the header")
        positions[column] = position
    id_position = _contact_id_position(cleaned, contact_id_column)
    if id_position is not None:  # read, as the contact id
        ignored = [name for name in ignored if name != cleaned[id_position]]
    missing = [c for c in _required(contact_list) if c not in positions]
    if missing:
        raise FileRejected(
            "The file lacks columns the list needs: " + ", ".join(repr(c) for c in missing)
        )
    warnings = []
    absent = [c for c in contact_list.column_names if c not in positions]
    if absent:
        warnings.append("Columns not in the file, left empty: " + ", ".join(absent))
    if ignored:
        warnings.append("Columns not in the list, ignored: " + ", ".join(ignored))
    columns = tuple((positions[c], c) for c in contact_list.column_names if c in positions)
    return ImportPlan(len(cleaned), columns, id_position, tuple(warnings))


def _contact_id_position(header: list[str], contact_id_column: str | None) -> int | None:
    if not contact_id_column:
        return None
    wanted = contact_id_column.strip().casefold()
    for position, name in enumerate(header):
        if name.casefold() == wanted:
            return position
    raise FileRejected(
        f"The contact id column {contact_id_column!r} is not in the file's header",
        "contact-id-name",
    )


def _required(contact_list: ContactList) -> list[str]:
    required = [c.column_name for c in contact_list.phone_columns + contact_list.email_columns]
    if contact_list.automatic_time_zone_mapping and contact_list.zip_code_column_name:
        required.append(contact_list.zip_code_column_name)
    return list(dict.fromkeys(required))
