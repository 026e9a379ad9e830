"""Reads a CSV of numbers and addresses for a DNC list (`csv_blocks`) and stages the
entries as the API stores them: phone numbers in E.164, e-mail addresses case-folded.

A row is refused whole (listed in the rejects file) when one of its named cells holds a
value that is not a number or an address, when it has more cells than the header, or when
all its named cells are empty; the rejects file is the list of rows to fix and upload again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from tidings.adapters.address_columns import ADDRESS, REASON, AddressColumns
from tidings.adapters.imports.csv_blocks import BLOCK_BYTES, EXTRA, BlockReader, as_written
from tidings.domain.dnc import email_key
from tidings.domain.dnc_imports import EITHER, EMAIL, PHONE, DncImportPlan
from tidings.domain.imports import CsvHeader, StagedRows

_CHECKED = {ADDRESS: pl.String, REASON: pl.String, "kind": pl.String, "i": pl.UInt32}


class CsvDncReader(BlockReader):
    def __init__(self, addresses: AddressColumns, block_bytes: int = BLOCK_BYTES) -> None:
        super().__init__(block_bytes)
        self._addresses = addresses

    def stage(
        self,
        path: Path,
        header: CsvHeader,
        plan: DncImportPlan,
        directory: Path,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedRows:
        return self._stage(
            path,
            header,
            plan.width,
            directory,
            lambda batch: self._entries(batch, plan),
            progress,
            on_part,
        )

    def _entries(
        self, batch: pl.DataFrame, plan: DncImportPlan
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
        """The block's entries (row, kind, address), its refused rows, and their keys."""
        batch = as_written(batch, [position for position, _, _ in plan.columns])
        checked = batch
        reason: Any = pl.when(pl.col(EXTRA) != "").then(
            pl.lit("The row has more cells than the header")
        )
        for n, (position, name, kind) in enumerate(plan.columns):
            cells = batch[f"c{position}"].fill_null("").str.strip_chars()
            found = self._check(cells, kind)
            checked = checked.with_columns(
                cells.alias(f"v{n}"),
                found[ADDRESS].alias(f"a{n}"),
                found["kind"].alias(f"k{n}"),
                (pl.lit(f"{name!r}: ") + found[REASON]).alias(f"r{n}"),
            )
            reason = reason.when(pl.col(f"r{n}").is_not_null()).then(pl.col(f"r{n}"))
        names = ", ".join(repr(name) for _, name, _ in plan.columns)
        blank = pl.all_horizontal([pl.col(f"v{n}") == "" for n in range(len(plan.columns))])
        reason = reason.when(blank).then(pl.lit(f"The row holds no entry in {names}"))
        checked = checked.with_columns(reason.otherwise(None).alias("reason"))
        kept = checked.filter(pl.col("reason").is_null())
        entries = pl.concat(
            [
                kept.filter(pl.col(f"a{n}").is_not_null()).select(
                    "row", pl.col(f"k{n}").alias("kind"), pl.col(f"a{n}").alias("address")
                )
                for n in range(len(plan.columns))
            ]
        )
        keys = entries["kind"] + ":" + entries["address"]
        return entries, checked.filter(pl.col("reason").is_not_null()), keys

    def _check(self, cells: pl.Series, kind: str) -> pl.DataFrame:
        """For each cell: its stored form, or the reason it has none; and its kind. Empty
        cells have neither (nothing to list)."""
        filled = cells != ""
        if kind == EITHER:
            emails = filled & cells.str.contains("@", literal=True)
        else:
            emails = filled & (kind == EMAIL)
        found = []
        for wanted, mask in ((PHONE, filled & ~emails), (EMAIL, emails)):
            at = mask.arg_true()
            if at.is_empty():
                continue
            values = cells.gather(at)
            if wanted == PHONE:
                checks = self._addresses.phones(values, zones=False)
                address = checks[ADDRESS]
            else:
                checks = self._addresses.emails(values)
                address = _email_keys(checks[ADDRESS])
            found.append(
                pl.DataFrame(
                    {ADDRESS: address, REASON: checks[REASON], "kind": wanted, "i": at},
                    schema=_CHECKED,
                )
            )
        empty = (~filled).arg_true()
        found.append(
            pl.DataFrame({ADDRESS: None, REASON: None, "kind": None, "i": empty}, schema=_CHECKED)
        )
        return pl.concat(found).sort("i")


def _email_keys(addresses: pl.Series) -> pl.Series:
    """`email_key` over a column: lower case is case folding for ASCII addresses; the
    others (rare) go one by one."""
    lowered = addresses.str.to_lowercase()
    other = addresses.str.contains(r"[^\x00-\x7F]").fill_null(False)
    if not other.any():
        return lowered
    at = other.arg_true()
    return lowered.scatter(at, [email_key(a) for a in addresses.gather(at).to_list()])
