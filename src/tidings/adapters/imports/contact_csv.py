"""Reads a contact CSV in blocks with polars and stages the checked contacts on disk
(`csv_blocks`). The staged rows carry their data and address checks as JSON text, ready
for one INSERT ... SELECT (or COPY) into the contacts table.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from tidings.adapters.address_columns import ADDRESS, REASON, ZONES, AddressColumns
from tidings.adapters.imports.csv_blocks import BLOCK_BYTES, EXTRA, BlockReader, as_written
from tidings.domain.callable_times import is_time_zone
from tidings.domain.contact_lists import MAX_CELL_LENGTH, ZIP_CODE, ContactList
from tidings.domain.imports import (
    MAX_CONTACT_ID_LENGTH,
    CsvHeader,
    ImportPlan,
    StagedRows,
)
from tidings.ports import ZoneLookup


class CsvContactReader(BlockReader):
    def __init__(
        self, addresses: AddressColumns, zones: ZoneLookup, block_bytes: int = BLOCK_BYTES
    ) -> None:
        super().__init__(block_bytes)
        self._addresses = addresses
        self._zones = zones

    def stage(
        self,
        path: Path,
        header: CsvHeader,
        plan: ImportPlan,
        contact_list: ContactList,
        directory: Path,
        progress: Callable[[int], None],
        on_part: Callable[[Path], None],
    ) -> StagedRows:
        id_prefix = _id_prefix()

        def step(batch: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
            kept, refused = self._check(batch, plan, contact_list)
            staged = self._contacts(kept, plan, contact_list, id_prefix)
            return staged, refused, staged["id"]

        return self._stage(path, header, plan.width, directory, step, progress, on_part)

    def _check(
        self, batch: pl.DataFrame, plan: ImportPlan, contact_list: ContactList
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Splits a batch into the rows kept and the rows refused, with the reason."""
        positions = [p for p, _ in plan.columns]
        if plan.contact_id_position is not None:
            positions.append(plan.contact_id_position)
        batch = as_written(batch, positions)
        used = [f"c{p}" for p in positions]
        if contact_list.trim_whitespace:
            batch = batch.with_columns(pl.col(sorted(set(used))).str.strip_chars())
        reason: Any = pl.when(pl.col(EXTRA) != "").then(
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


def _id_prefix() -> str:
    """Generated contact ids: a random prefix per import and the row number, shaped like
    a UUID (decimal digits are hex digits), unique without a call per row."""
    random = secrets.token_hex(10)
    return f"{random[:8]}-{random[8:12]}-4{random[12:15]}-8{random[15:18]}-"
