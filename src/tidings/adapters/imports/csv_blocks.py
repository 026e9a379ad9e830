"""What every CSV import shares: the header check, the file read in blocks cut between
records and parsed by polars, the staged parts on disk, and the rejects file.

Nothing here touches a list: staging writes Arrow files beside the upload, so a file found
broken half way (bad UTF-8, broken quoting) is dropped with nothing changed. polars' own
batched reader was not used: it runs ahead of a slow consumer and held the whole file
(~300 MB for a million contacts).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from tidings.domain.exports import FORMULA_STARTS, neutralize
from tidings.domain.imports import CsvHeader, FileRejected, StagedRows

HEADER_BYTES = 1 << 20  # a header record longer than this is not a header
BLOCK_BYTES = 2 << 20  # the file is read in blocks of about this size
EXTRA = "extra"  # the column that takes the cells of a row beyond the header's
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx files are zip archives

# A block parsed (columns c0, c1, ... and `row`, the row number) becomes: the rows to stage,
# the rows refused (with their `reason`), and a key per staged row to count repeats by.
Step = Callable[[pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame, pl.Series]]


class BlockReader:
    """What the readers of contact files and DNC files share: the header check, and the
    file staged block by block."""

    def __init__(self, block_bytes: int = BLOCK_BYTES) -> None:
        self._block_bytes = block_bytes

    def header(self, path: Path) -> CsvHeader:
        return read_header(path)

    def _stage(
        self,
        path: Path,
        header: CsvHeader,
        width: int,
        directory: Path,
        step: Step,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedRows:
        return stage_blocks(
            path, header, width, directory, self._block_bytes, step, progress, on_part
        )


_LONE_CR = re.compile("\r(?!\n)")
_QUOTED = re.compile('"(?:[^"]|"")*"')


def _lone_cr(text: str) -> bool:
    """Whether a CR not followed by LF ends a line: rows are told apart by their LF, so such
    rows were lost or glued into one while the import said it succeeded. In the header even
    a quoted one counts (the header's lines would be miscounted); in rows, a CR inside a
    quoted cell is the cell's."""
    first_lf = text.find("\n")
    header = text if first_lf < 0 else text[: first_lf + 1]
    return bool(_LONE_CR.search(header) or _LONE_CR.search(_QUOTED.sub("", text)))


def read_header(path: Path) -> CsvHeader:
    """The header record and how many data rows follow it; refuses what is not a UTF-8
    CSV file."""
    with path.open("rb") as file:
        head = file.read(HEADER_BYTES)
    if not head.strip():
        raise FileRejected("The file is empty")
    if head.startswith(_ZIP_MAGIC):
        raise FileRejected("The file is a zip or Excel (.xlsx) file; save it as CSV UTF-8")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # What Excel's "Unicode Text" and some CRM exports write.
        raise FileRejected("The file is UTF-16, not UTF-8; save it as CSV UTF-8")
    if b"\x00" in head[:4096]:
        raise FileRejected("The file is not text (it holds NUL bytes); upload a CSV file")
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"The file is not UTF-8 (byte {exc.start} of the header); save it as CSV UTF-8"
        ) from exc
    if _lone_cr(text[:-1] if text.endswith("\r") else text):  # its LF may be further on
        raise FileRejected(
            "The file's lines end in a carriage return alone (CSV for Macintosh); save it "
            "as CSV UTF-8"
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        names = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise FileRejected(f"The header row cannot be read as CSV ({exc})") from exc
    if len(head) == HEADER_BYTES and reader.line_num > text.count("\n"):
        raise FileRejected("The header row is longer than 1 MB")
    rows = _count_rows(path, len(names), reader.line_num)
    return CsvHeader(names, reader.line_num, rows)


def _count_rows(path: Path, width: int, header_lines: int) -> int:
    try:
        counted = (
            pl.scan_csv(path, has_header=False, skip_lines=header_lines, **_read_options(width))
            .select(pl.len())
            .collect()
        )
    except pl.exceptions.PolarsError as exc:
        raise _rejected(exc) from exc
    return int(counted.item())


def stage_blocks(
    path: Path,
    header: CsvHeader,
    width: int,
    directory: Path,
    block_bytes: int,
    step: Step,
    progress: Callable[[int], None],
    on_part: Callable[[Path], None],
) -> StagedRows:
    """Reads the file after its header block by block; `step` checks each block. Each
    block's staged rows become an Arrow file under `directory`, handed to `on_part`; the
    refused rows go to the rejects file."""
    directory.mkdir(parents=True, exist_ok=True)
    rejects = _RejectsFile(directory / "rejects.csv", header.names)
    parts: list[Path] = []
    # 64-bit hashes of the keys, to count the repeated ones in little memory (a million
    # keys: 8 MB; two keys sharing a hash, about 1 in 10^7, would count one extra
    # duplicate in the report and change nothing else).
    key_hashes: list[pl.Series] = []
    done = rejected = blank = 0
    try:
        for block in _blocks(path, header.lines, block_bytes):
            read = pl.read_csv(
                block,
                has_header=False,
                row_index_name="row",
                row_index_offset=done + 2,  # as a spreadsheet numbers rows: header 1
                **_read_options(width),
            )
            batch = read.filter(_filled(width))
            blank += read.height - batch.height
            staged, refused, keys = step(batch)
            rejected += refused.height
            rejects.write(refused, width)
            part = directory / f"part-{len(parts):05d}.arrow"
            staged.write_ipc(part)
            parts.append(part)
            key_hashes.append(keys.hash(seed=0))
            on_part(part)
            done += read.height
            progress(done)
    except pl.exceptions.PolarsError as exc:
        raise _rejected(exc) from exc
    finally:
        rejects.close()
    if not rejected:
        rejects.path.unlink(missing_ok=True)
    hashes = pl.concat(key_hashes) if key_hashes else pl.Series([], dtype=pl.UInt64)
    rows, unique = hashes.len(), hashes.n_unique()
    return StagedRows(
        parts=parts,
        rows=rows,
        rejected=rejected,
        duplicates=rows - unique,
        rejects_file=rejects.path if rejected else None,
        blank=blank,
    )


def _filled(width: int) -> pl.Expr:
    """Rows with something in a cell: a blank line or a spreadsheet's `,,,` is no record."""
    cells = [pl.col(f"c{i}") for i in range(width)] + [pl.col(EXTRA)]
    return pl.any_horizontal([c.fill_null("").str.strip_chars() != "" for c in cells])


def as_written(batch: pl.DataFrame, positions: Iterable[int]) -> pl.DataFrame:
    """The cells at `positions` as their writer meant them: a leading apostrophe that keeps
    a spreadsheet from running `=...`, `+...`, `-...`, `@...` as a formula (our exports
    add it, spreadsheets hide it) is not part of the value; nor the one our exports put
    before a value that starts so itself (`''=x` is `'=x`)."""
    names = sorted({f"c{p}" for p in positions})
    if not names:
        return batch
    # Most files hold no such cell: only columns with one are rewritten.
    found = batch.select(pl.col(names).str.starts_with("'").any()).row(0)
    return batch.with_columns(
        pl.when(_marked(pl.col(name)))
        .then(pl.col(name).str.slice(1))
        .otherwise(pl.col(name))
        .alias(name)
        for name, has_one in zip(names, found, strict=True)
        if has_one
    )


def _marked(cell: pl.Expr) -> pl.Expr:
    second = cell.str.slice(1, 1)
    quoted_again = (second == "'") & cell.str.slice(2, 1).is_in(_MARKED)
    return cell.str.starts_with("'") & (second.is_in(_MARKED) | quoted_again)


_MARKED = list(FORMULA_STARTS)


def _read_options(width: int) -> dict[str, Any]:
    # One column more than the header: a row with more cells puts them there.
    schema = {f"c{i}": pl.String for i in range(width)}
    schema[EXTRA] = pl.String
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
