"""The cells of a contact list export, a batch of contacts at a time, as polars expressions.

The rules are the domain's (`RowWriter`, `neutralize` in `domain/exports.py`); this is the
same thing over whole columns, because one row at a time in Python costs ~25 µs and a
million-row export wants a few seconds. tests/unit/test_export_rows.py checks, byte for
byte, that both give the same file.

A batch is a frame of the fields of `ExportRecord` with `data`, `phone_number_status` and
`addresses` as their stored JSON text (what the export source reads). The JSON is decoded
against types made from the list's columns: keys they do not name (a stored address
check's old `raw`, data of a column since removed) are skipped, missing ones are empty.
"""

from __future__ import annotations

import array
import functools
import itertools
import re
import sys

import polars as pl

from tidings.domain.contact_lists import ContactList
from tidings.domain.exports import CHANNELS

_FORMULA_START = r"^[=+\-@\t\r]"
_MARKED_START = r"^'[=+\-@\t\r]"
_CHECK = pl.Struct({"address": pl.String, "reason": pl.String, "timeZones": pl.List(pl.String)})
_CONTACTABLE = pl.Struct({label: pl.Struct({"contactable": pl.Boolean}) for _, label in CHANNELS})


@functools.cache
def _plain_number() -> str:
    """`domain.exports._PLAIN_NUMBER` for polars. Python's `\\d` is any Unicode decimal
    digit of Python's Unicode tables; polars' regex engine has its own tables, of another
    Unicode version, so the digits are spelled out from Python's (~60 ranges, once)."""
    # Every code point but the surrogates, as one string (4 MB; a str per character would
    # take ~70 MB at once).
    code_points = itertools.chain(range(0xD800), range(0xE000, sys.maxunicode + 1))
    every = array.array("I", code_points).tobytes().decode(f"utf-32-{sys.byteorder[0]}e")
    ranges: list[list[int]] = []
    for digit in map(ord, re.findall(r"\d", every)):
        if ranges and ranges[-1][1] == digit - 1:
            ranges[-1][1] = digit
        else:
            ranges.append([digit, digit])
    digits = "[" + "".join(f"\\x{{{low:X}}}-\\x{{{high:X}}}" for low, high in ranges) + "]"
    return f"^[+-]?{digits}+(\\.{digits}+)?$"


def neutralized(cell: pl.Expr) -> pl.Expr:
    """`domain.exports.neutralize` over a column: a cell a spreadsheet would run gets a `'`
    in front, except a plain number."""
    risky = cell.str.contains(_FORMULA_START) & ~cell.str.contains(_plain_number())
    marked = cell.str.contains(_MARKED_START)  # `'=...` stays itself when read back
    return pl.when(risky | marked).then(pl.lit("'") + cell).otherwise(cell)


def _text(flag: pl.Expr) -> pl.Expr:
    return pl.when(flag).then(pl.lit("true")).otherwise(pl.lit("false"))


class ContactRows:
    """The export's rows of one list: the JSON types and the cell expressions are made
    once."""

    def __init__(self, contact_list: ContactList) -> None:
        self._columns = list(contact_list.column_names)
        self._phones = [c.column_name for c in contact_list.phone_columns]
        self._emails = [c.column_name for c in contact_list.email_columns]
        self._checked = list(dict.fromkeys(self._phones + self._emails))
        self._decoded = [
            pl.col("id"),
            _decoded("data", pl.String, self._columns),
            pl.col("callable"),
            pl.col("priority"),
            pl.col("contactable_status").str.json_decode(_CONTACTABLE),
            *(
                pl.col(f"{channel}_{item}")
                for channel, _ in CHANNELS
                for item in ("last_attempt", "last_result", "attempts")
            ),
        ]
        if self._phones:
            self._decoded.append(_decoded("phone_number_status", pl.Boolean, self._phones))
        if self._checked:
            self._decoded.append(_decoded("addresses", _CHECK, self._checked))
        self._cells = self._cell_expressions()

    def cells(self, batch: pl.DataFrame) -> pl.DataFrame:
        """One row of cells (strings, None for empty) per contact of `batch`."""
        frame = batch.select(self._decoded).select(self._cells)
        # Most columns have no cell a spreadsheet would run: only the others are looked at.
        starts = frame.select(pl.all().str.contains(r"^'?[=+\-@\t\r]").any()).row(0)
        risky = [name for name, found in zip(frame.columns, starts, strict=True) if found]
        frame = frame.with_columns(neutralized(pl.col(name)).alias(name) for name in risky)
        # polars writes an empty string as `""`; the csv module (the header) writes nothing.
        return frame.select(_empty_as_null(pl.col(name)).alias(name) for name in frame.columns)

    def _cell_expressions(self) -> list[pl.Expr]:
        data = [pl.col("data").struct.field(_name(n)) for n in range(len(self._columns))]
        cells = [pl.col("id"), *data]
        cells += [_text(pl.col("callable")), _text(pl.col("priority"))]
        for name in self._phones:
            check = self._check(name)
            address = check.struct.field("address")
            status = pl.col("phone_number_status").struct.field(_name(self._phones.index(name)))
            # A number that cannot be used is not callable, whatever the stored flag says.
            usable = status.fill_null(True) & (address.fill_null("") != "")
            zones = check.struct.field("timeZones").list.join(" ")
            cells += [_text(usable), address, check.struct.field("reason"), zones]
        for name in self._emails:
            check = self._check(name)
            cells += [check.struct.field("address"), check.struct.field("reason")]
        for _, label in CHANNELS:
            status = pl.col("contactable_status").struct.field(label).struct.field("contactable")
            cells.append(_text(status.fill_null(True)))
        for channel, _ in CHANNELS:
            when = pl.col(f"{channel}_last_attempt")
            cells += [
                when.str.slice(0, 19).str.replace(" ", "T", literal=True) + pl.lit("Z"),
                pl.col(f"{channel}_last_result"),
                pl.col(f"{channel}_attempts").fill_null(0).cast(pl.String),
            ]
        return [cell.alias(f"{n}") for n, cell in enumerate(cells)]

    def _check(self, name: str) -> pl.Expr:
        return pl.col("addresses").struct.field(_name(self._checked.index(name)))


def _decoded(column: str, field: pl.DataType | type[pl.DataType], names: list[str]) -> pl.Expr:
    """A JSON column decoded to a struct of `names`. The fields are renamed by position:
    they are the list's columns, which may be any text, and polars reads a field named like
    `*` or `^a$` as a pattern (and fails)."""
    kind = pl.Struct({name: field for name in names})
    return (
        pl.col(column)
        .str.json_decode(kind)
        .struct.rename_fields([_name(n) for n in range(len(names))])
    )


def _name(position: int) -> str:
    return f"f{position}"


def _empty_as_null(cell: pl.Expr) -> pl.Expr:
    return pl.when(cell.str.len_bytes() > 0).then(cell)
