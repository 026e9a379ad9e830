"""US zip codes to IANA time zones, from the `zipcodes` package (its data ships inside it:
no network, no files of ours). Loaded once, on first use (~0.5 s, 42,000 codes)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import zipcodes


@cache
def _table() -> dict[str, str]:
    every = zipcodes.list_all()  # type: ignore[no-untyped-call]  # its stub leaves it untyped
    return {z["zip_code"]: z["timezone"] for z in every if z.get("timezone")}


class ZipCodeZones:
    def zip_zones(self) -> Mapping[str, str]:
        return _table()
