"""Reads a contact CSV in batches with polars and stages the checked contacts on disk.

Nothing here touches the contact list: staging writes Arrow files beside the upload, so a
file found broken half way (bad UTF-8, broken quoting) is dropped with nothing changed.
The staged rows carry their data and address checks as JSON text, ready for one
INSERT ... SELECT (or COPY) into the contacts table.
"""

from __future__ import annotations

import codecs
import csv
import io
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from tidings.adapters.address_columns import ADDRESS, REASON, ZONES, AddressColumns
from tidings.domain.callable_times import is_time_zone
from tidings.domain.contact_lists import MAX_CELL_LENGTH, ZIP_CODE, ContactList
from tidings.domain.exports import neutralize
from tidings.domain.imports import (
    MAX_CONTACT_ID_LENGTH,
    CsvHeader,
    FileRejected,
    ImportPlan,
    StagedContacts,
)
from tidings.ports import ZoneLookup

HEADER_BYTES = 1 << 20  # a header record longer than this is not a header
# The file is read in blocks of about this size, cut between records: polars' own batched
# reader runs ahead of a slow consumer and held the whole file (~300 MB for 1M rows).
BLOCK_BYTES = 4 << 20
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx files are zip archives
_EXTRA = "extra"


class CsvContactReader:
    def __init__(
        self, addresses: AddressColumns, zones: ZoneLookup, block_bytes: int = BLOCK_BYTES
    ) -> None:
        self._addresses = addresses
        self._zones = zones
        self._block_bytes = block_bytes

    def header(self, path: Path) -> CsvHeader:
        """The header record and how many data rows follow it; refuses what is not a
        UTF-8 CSV file."""
        with path.open("rb") as file:
            head = file.read(HEADER_BYTES)
        if not head.strip():
            raise FileRejected("The file is empty")
        if head.startswith(_ZIP_MAGIC):
            raise FileRejected("The file is a zip or Excel (.xlsx) file; save it as CSV UTF-8")
        if b"\x00" in head[:4096]:
            raise FileRejected("The file is not text (it holds NUL bytes); upload a CSV file")
        try:
            text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        except UnicodeDecodeError as exc:
            raise FileRejected(
                f"The file is not UTF-8 (byte {exc.start} of the header); save it as CSV UTF-8"
            ) from exc
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            names = next(reader)
        except (StopIteration, csv.Error) as exc:
            raise FileRejected(f"The header row cannot be read as CSV ({exc})") from exc
        if len(head) == HEADER_BYTES and reader.line_num > text.count("\n"):
            raise FileRejected("The header row is longer than 1 MB")
        rows = self._count_rows(path, len(names), reader.line_num)
        return CsvHeader(names, reader.line_num, rows)

    def _count_rows(self, path: Path, width: int, header_lines: int) -> int:
        try:
            counted = (
                pl.scan_csv(path, has_header=False, skip_lines=header_lines, **_read_options(width))
                .select(pl.len())
                .collect()
            )
        except pl.exceptions.PolarsError as exc:
            raise _rejected(exc) from exc
        return int(counted.item())

    def stage(
        self,
        path: Path,
        header: CsvHeader,
        plan: ImportPlan,
        contact_list: ContactList,
        directory: Path,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedContacts:
        directory.mkdir(parents=True, exist_ok=True)
        rejects = _RejectsFile(directory / "rejects.csv", header.names)
        id_prefix = _id_prefix()
        parts: list[Path] = []
        # 64-bit hashes of the contact ids, to count the repeated ones in little memory
        # (a million ids: 8 MB; two ids sharing a hash, about 1 in 10^7, would count one
        # extra duplicate in the report and change nothing else).
        id_hashes: list[pl.Series] = []
        done = rejected = 0
        try:
            for block in _blocks(path, header.lines, self._block_bytes):
                batch = pl.read_csv(
                    block,
                    has_header=False,
                    row_index_name="row",
                    row_index_offset=done + 2,  # as a spreadsheet numbers rows: header 1
                    **_read_options(plan.width),
                )
                kept, refused = self._check(batch, plan, contact_list)
                rejected += refused.height
                rejects.write(refused, plan.width)
                staged = self._contacts(kept, plan, contact_list, id_prefix)
                part = directory / f"part-{len(parts):05d}.arrow"
                staged.write_ipc(part)
                parts.append(part)
                id_hashes.append(staged["id"].hash(seed=0))
                on_part(part)
                done += batch.height
                progress(done)
        except pl.exceptions.PolarsError as exc:
            raise _rejected(exc) from exc
        finally:
            rejects.close()
        if not rejected:
            rejects.path.unlink(missing_ok=True)
        hashes = pl.concat(id_hashes) if id_hashes else pl.Series([], dtype=pl.UInt64)
        rows, unique = hashes.len(), hashes.n_unique()
        return StagedContacts(
            parts=parts,
            rows=rows,
            rejected=rejected,
            duplicates=rows - unique,
            rejects_file=rejects.path if rejected else None,
        )

    def _check(
        self, batch: pl.DataFrame, plan: ImportPlan, contact_list: ContactList
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Splits a batch into the rows kept and the rows refused, with the reason."""
        used = [f"c{p}" for p, _ in plan.columns]
        if plan.contact_id_position is not None:
            used.append(f"c{plan.contact_id_position}")
        if contact_list.trim_whitespace:
            batch = batch.with_columns(pl.col(sorted(set(used))).str.strip_chars())
        reason: Any = pl.when(pl.col(_EXTRA) != "").then(
            pl.lit("The row has more cells than the header")
        )
        for position, column in plan.columns:
            cell = pl.col(f"c{position}")
            reason = (
                reason.when(cell.str.contains("\x00", literal=True))
                .then(pl.lit(f"The cell of column {column!r} holds a NUL character"))
                .when(cell.str.len_chars() > MAX_CELL_LENGTH)
                .then(pl.lit(f"The cell of column {column!r} is over {MAX_CELL_LENGTH} characters"))
            )
        if plan.contact_id_position is not None:
            contact_id = pl.col(f"c{plan.contact_id_position}")
            reason = (
                reason.when(contact_id == "")
                .then(pl.lit("The contact id is empty"))
                .when(contact_id.str.len_chars() > MAX_CONTACT_ID_LENGTH)
                .then(pl.lit(f"The contact id is over {MAX_CONTACT_ID_LENGTH} characters"))
                .when(contact_id.str.contains("\x00", literal=True))
                .then(pl.lit("The contact id holds a NUL character"))
            )
        checked = batch.with_columns(reason.otherwise(None).alias("reason"))
        return (
            checked.filter(pl.col("reason").is_null()),
            checked.filter(pl.col("reason").is_not_null()),
        )

    def _zip_zones(
        self, kept: pl.DataFrame, contact_list: ContactList, position: dict[str, int]
    ) -> pl.Series | None:
        """The zone of each row's zip code (automatic time-zone mapping), else null."""
        column = contact_list.zip_code_column_name
        if not contact_list.automatic_time_zone_mapping or column not in position:
            return None
        codes = kept[f"c{position[column]}"].str.extract(f"^{ZIP_CODE.pattern}$", 1).str.zfill(5)
        return codes.replace_strict(
            dict(self._zones.zip_zones()), default=None, return_dtype=pl.String
        )

    def _contacts(
        self, kept: pl.DataFrame, plan: ImportPlan, contact_list: ContactList, id_prefix: str
    ) -> pl.DataFrame:
        if plan.contact_id_position is not None:
            contact_id = pl.col(f"c{plan.contact_id_position}")
        else:
            contact_id = pl.lit(id_prefix) + pl.col("row").cast(pl.String).str.zfill(12)
        data = pl.struct([pl.col(f"c{p}").alias(column) for p, column in plan.columns])
        position = {column: p for p, column in plan.columns}
        zip_zones = self._zip_zones(kept, contact_list, position)
        checks = []
        for kind, columns in (
            ("phone", contact_list.phone_columns),
            ("email", contact_list.email_columns),
        ):
            for column in columns:
                cells = kept[f"c{position[column.column_name]}"]
                found = (
                    self._addresses.phones(cells)
                    if kind == "phone"
                    else self._addresses.emails(cells)
                )
                named = (
                    kept[f"c{position[column.time_column]}"]
                    if column.time_column in position
                    else None
                )
                zones, source = _recipient_zones(found[ZONES], named, zip_zones)
                checks.append(
                    pl.struct(
                        found[ADDRESS].alias("address"),
                        found[REASON].alias("reason"),
                        zones.alias("timeZones"),
                        source.alias("zoneSource"),
                    ).alias(column.column_name)
                )
        addresses = (
            pl.struct(*checks).struct.json_encode() if checks else pl.lit("{}", dtype=pl.String)
        )
        return kept.select(
            "row",
            contact_id.alias("id"),
            data.struct.json_encode().alias("data"),
            addresses.alias("addresses"),
        )


def _recipient_zones(
    number_zones: pl.Series, named: pl.Series | None, zip_zones: pl.Series | None
) -> tuple[pl.Series, pl.Series]:
    """The domain's `with_recipient_zone` over whole columns: the zone the time column
    names, else the zip code's, else the phone number's."""
    size = number_zones.len()
    frame = pl.DataFrame(
        {
            "number": number_zones,
            "named": _valid_zones(named) if named is not None else [None] * size,
            "zip": zip_zones if zip_zones is not None else [None] * size,
        },
        schema={"number": pl.List(pl.String), "named": pl.String, "zip": pl.String},
    )
    named_col, zip_col = pl.col("named"), pl.col("zip")
    picked = frame.select(
        pl.when(named_col.is_not_null())
        .then(pl.concat_list(named_col))
        .when(zip_col.is_not_null())
        .then(pl.concat_list(zip_col))
        .otherwise(pl.col("number"))
        .alias("zones"),
        pl.when(named_col.is_not_null())
        .then(pl.lit("column"))
        .when(zip_col.is_not_null())
        .then(pl.lit("zip"))
        .when(pl.col("number").list.len() > 0)
        .then(pl.lit("phone"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("source"),
    )
    return picked["zones"], picked["source"]


def _valid_zones(cells: pl.Series) -> pl.Series:
    """The cells that name an IANA zone (stripped), else null; each distinct one checked
    once."""
    names = cells.str.strip_chars()
    valid = [name for name in names.unique().to_list() if name and is_time_zone(name)]
    frame = names.to_frame("name")
    return frame.select(
        pl.when(pl.col("name").is_in(valid)).then(pl.col("name")).otherwise(None)
    ).to_series()


def _read_options(width: int) -> dict[str, Any]:
    # One column more than the header: a row with more cells puts them there.
    schema = {f"c{i}": pl.String for i in range(width)}
    schema[_EXTRA] = pl.String
    return {
        "schema": schema,
        "truncate_ragged_lines": True,
        "empty_string_is_null": False,
        "missing_columns": "insert",
        "raise_if_empty": False,
    }


def _blocks(path: Path, skip_lines: int, size: int) -> Iterator[bytes]:
    """The file after its header, in blocks that each end with a whole record. A newline
    ends a record when the quotes before it pair up (RFC 4180 doubles quotes inside a
    quoted field, so the count stays even outside of one)."""
    with path.open("rb") as file:
        pending = _skip_lines(file, skip_lines)
        while True:
            chunk = file.read(size)
            data = pending + chunk
            if not chunk:
                if data.count(b'"') % 2:
                    raise FileRejected(
                        'A quote (") opens a field that is never closed. Fields holding '
                        'quotes must be quoted, their quotes doubled: "5"" screen"'
                    )
                if data.strip():
                    yield data
                return
            cut = _last_record_end(data)
            if cut == 0:  # no record ends in it yet (a very long quoted cell): read on
                pending = data
                continue
            yield data[:cut]
            pending = data[cut:]


def _skip_lines(file: IO[bytes], count: int) -> bytes:
    """Reads past `count` newlines; answers what was read after the last of them."""
    data = b""
    while count:
        chunk = file.read(HEADER_BYTES)
        if not chunk:
            return b""
        data += chunk
        while count and (end := data.find(b"\n")) >= 0:
            data = data[end + 1 :]
            count -= 1
    return data


def _last_record_end(data: bytes) -> int:
    end = data.rfind(b"\n")
    quotes = data.count(b'"', 0, end) if end >= 0 else 0
    while end >= 0 and quotes % 2:
        previous = data.rfind(b"\n", 0, end)
        quotes -= data.count(b'"', max(previous, 0), end)
        end = previous
    return end + 1


def _id_prefix() -> str:
    """Generated contact ids: a random prefix per import and the row number, shaped like
    a UUID (decimal digits are hex digits), unique without a call per row."""
    random = secrets.token_hex(10)
    return f"{random[:8]}-{random[8:12]}-4{random[12:15]}-8{random[15:18]}-"


def _rejected(exc: Exception) -> FileRejected:
    message = str(exc)
    if "utf-8" in message.lower() or "utf8" in message.lower():
        return FileRejected("The file is not UTF-8; save it as CSV UTF-8")
    if "not properly escaped" in message:
        field = message.split("Field `", 1)[-1].split("`", 1)[0][:80]
        return FileRejected(f"A quoted field is not closed properly: {field!r}")
    return FileRejected(f"The file cannot be read as CSV: {message.splitlines()[0][:200]}")


class _RejectsFile:
    """The rows refused one by one: their row number, the reason and their cells, as a
    CSV a spreadsheet opens safely (formula-like cells neutralised)."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(["row", "reason", *(neutralize(name) for name in header)])

    def write(self, refused: pl.DataFrame, width: int) -> None:
        cells = [f"c{i}" for i in range(width)]
        for row in refused.select("row", "reason", *cells).iter_rows():
            self._writer.writerow([row[0], row[1], *(neutralize(c or "") for c in row[2:])])

    def close(self) -> None:
        self._file.close()
