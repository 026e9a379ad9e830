"""Whole columns of phone numbers and e-mail addresses, normalised at import speed.

Checking one number with phonenumbers costs about 50 µs (parse 21, validity 12, time zones
16) and one address with email-validator about 36 µs: a million-row import would spend a
minute and a half in them. Here the common shapes are settled with vectorised regular
expressions over the whole column, using phonenumbers' own metadata (the same patterns
`is_valid_number` tries, in the same order); time zones are looked up once per prefix,
since phonenumbers' zone map is keyed by prefix. Everything else (other shapes, invalid
values, whose reason must read exactly as the one-by-one check gives it) falls back to
`AddressNormalizer`. tests/unit/test_address_columns.py checks that both agree.
"""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers
import polars as pl
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata
from phonenumbers import timezone as phone_timezones
from phonenumbers.phonenumberutil import _GEO_MOBILE_COUNTRIES
from phonenumbers.tzdata import TIMEZONE_DATA

from tidings.adapters.addresses import NOT_VALID_FOR_REGION, UNKNOWN_ZONE, AddressNormalizer
from tidings.domain.contact_lists import AddressCheck

# Columns of the frame `phones` and `emails` answer, one row per input value.
ADDRESS = "address"
REASON = "reason"
ZONES = "timeZones"

# Digits with single spaces, dots or hyphens between groups, an optional leading `+` and
# an optional parenthesised group: the shapes phonenumbers reads as just their digits.
_PHONE_SHAPE = r"^(\+[0-9]+[ .\-]?)?(\([0-9]+\)[ .\-]?)?[0-9]+([ .\-][0-9]+)*$"
# Types tried before fixed line in phonenumbers' `_number_type_helper`; none is geographic.
_NON_GEOGRAPHIC = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)
_ATEXT = r"[A-Za-z0-9_+\-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_EMAIL_SHAPE = rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$"
# email-validator refuses these special-use names (RFC 6761) and what ends with them.
_SPECIAL_USE = r"(?:^|\.)(?:arpa|invalid|local|localhost|onion|test)$"


def _full(pattern: str) -> str:
    return f"^(?:{pattern})$"


def _matches(nat: pl.Expr, desc: object) -> pl.Expr:
    """phonenumbers' `_is_number_matching_desc`: the possible lengths, then the pattern."""
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return pl.lit(False)
    expr = nat.str.contains(_full(pattern))
    lengths = getattr(desc, "possible_length", ())
    if lengths:
        expr = nat.str.len_chars().is_in(list(lengths)) & expr
    return expr


def _type_columns(nat: pl.Expr, metadata: PhoneMetadata) -> dict[str, pl.Expr]:
    """What `_number_type_helper` looks at, one column each (computed once per row)."""
    non_geo = pl.lit(False)
    for name in _NON_GEOGRAPHIC:
        non_geo = non_geo | _matches(nat, getattr(metadata, name))
    return {
        "general": _matches(nat, metadata.general_desc),
        "non_geo": non_geo,
        "fixed": _matches(nat, metadata.fixed_line),
        "mobile": _matches(nat, metadata.mobile),
    }


def _valid_and_geographic(cc: int) -> tuple[pl.Expr, pl.Expr]:
    """Over the columns of `_type_columns`: a known type, and one tied to a place."""
    general, non_geo = pl.col("general"), pl.col("non_geo")
    fixed, mobile = pl.col("fixed"), pl.col("mobile")
    valid = general & (non_geo | fixed | mobile)
    geo_mobile = mobile if cc in _GEO_MOBILE_COUNTRIES else pl.lit(False)
    return valid, valid & ~non_geo & (fixed | geo_mobile)


def _regions(cc: int) -> list[PhoneMetadata] | None:
    """The metadata of a calling code's regions, in phonenumbers' order; None for the
    non-geographic entities (`001`), which the vectorised path leaves alone."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if not regions or "001" in regions:
        return None
    found = [PhoneMetadata.metadata_for_region(region) for region in regions]
    return [m for m in found if m is not None] if all(found) else None


def _plainly_parsed(nat: pl.Expr, parsing: PhoneMetadata | None) -> pl.Expr:
    """Rows whose digits phonenumbers takes as they are with this parsing metadata: no
    national prefix it could strip, and no rule that rewrites one."""
    if parsing is None or parsing.national_prefix_transform_rule:
        return pl.lit(False)
    plain = (nat.str.len_chars() >= 2) & ~nat.str.starts_with("0")
    if parsing.national_prefix_for_parsing:
        plain = plain & ~nat.str.contains(f"^(?:{parsing.national_prefix_for_parsing})")
    return plain


class AddressColumns:
    def __init__(self, normalizer: AddressNormalizer) -> None:
        self._one = normalizer
        self._default = PhoneMetadata.metadata_for_region(normalizer.default_region)
        self._default_cc = str(self._default.country_code) if self._default else None
        self._codes: dict[int, list[str]] = {
            length: sorted(str(cc) for cc in COUNTRY_CODE_TO_REGION_CODE if len(str(cc)) == length)
            for length in (1, 2, 3)
        }
        self._zones: dict[tuple[str, bool], list[str]] = {}
        self._zone_prefixes: dict[int, list[str]] = {}
        for key in TIMEZONE_DATA:
            self._zone_prefixes.setdefault(len(key), []).append(key)

    # --- phone numbers ------------------------------------------------------------------

    def phones(self, values: pl.Series, *, zones: bool = True) -> pl.DataFrame:
        """Each value's E.164 number or the reason it is not one, and (if `zones`) the
        time zones of the number."""
        text = values.str.strip_chars()
        frame = pl.DataFrame({"raw": values, "text": text}).with_row_index("i")
        frame = frame.with_columns(
            digits=pl.col("text").str.replace_all(r"[^0-9]", ""),
            shaped=pl.col("text").str.contains(_PHONE_SHAPE),
            plus=pl.col("text").str.starts_with("+"),
        )
        cc = pl.lit(None, dtype=pl.String)
        for length in (3, 2, 1):  # calling codes are prefix-free: at most one matches
            head = pl.col("digits").str.slice(0, length)
            cc = pl.when(head.is_in(self._codes[length])).then(head).otherwise(cc)
        frame = frame.with_columns(
            cc=pl.when(pl.col("plus")).then(cc).otherwise(pl.lit(self._default_cc)),
        ).with_columns(
            nat=pl.when(pl.col("plus"))
            .then(pl.col("digits").str.slice(pl.col("cc").str.len_chars()))
            .otherwise(pl.col("digits")),
        )
        settled = [self._settle_code(frame, code) for code in self._candidate_codes(frame)]
        fast = pl.concat(settled) if settled else None
        return self._with_fallback(frame, fast, self._one.phone, zones=zones)

    def _candidate_codes(self, frame: pl.DataFrame) -> list[str]:
        codes = frame.filter(pl.col("shaped") & pl.col("cc").is_not_null())["cc"].unique()
        return [code for code in codes.to_list() if code is not None]

    def _settle_code(self, frame: pl.DataFrame, code: str) -> pl.DataFrame:
        """The rows of one calling code the vectorised path settles: their E.164 number,
        or null for a number phonenumbers parses but does not find valid."""
        cc = int(code)
        regions = _regions(cc)
        rows = frame.filter(pl.col("shaped") & (pl.col("cc") == code))
        if regions is None:
            return _NONE
        nat = pl.col("nat")
        # A number with `+` is parsed with its country's main region; one without, with
        # the default region, after phonenumbers has looked for a country code or an
        # international prefix at its start (left to phonenumbers).
        main = PhoneMetadata.metadata_for_region(phonenumbers.region_code_for_country_code(cc))
        plain = pl.col("plus") & _plainly_parsed(nat, main)
        if code == self._default_cc:
            default = self._default
            domestic = _plainly_parsed(nat, default) & ~nat.str.starts_with(code)
            if default is not None and default.international_prefix:
                domestic = domestic & ~nat.str.contains(f"^(?:{default.international_prefix})")
            plain = plain | (~pl.col("plus") & domestic)
        # phonenumbers refuses to parse a national number under 2 or over 17 digits.
        rows = rows.filter(plain & nat.str.len_chars().is_between(3, 17))
        found: list[pl.DataFrame] = []
        for metadata in regions:
            if rows.is_empty():
                break
            rows = rows.with_columns(**_type_columns(nat, metadata))
            valid, geographic = _valid_and_geographic(cc)
            if len(regions) > 1 and metadata.leading_digits:
                chosen = nat.str.contains(f"^(?:{metadata.leading_digits})")
            elif len(regions) > 1:
                chosen = valid
            else:
                chosen = pl.lit(True)
            rows = rows.with_columns(chosen=chosen, valid=valid, geo=geographic)
            picked = rows.filter(pl.col("chosen"))
            address = pl.when(pl.col("valid")).then(pl.lit("+" + code) + nat)
            found.append(picked.select("i", address.alias(ADDRESS), "geo"))
            rows = rows.filter(~pl.col("chosen"))
        # No region claims the number: phonenumbers finds it valid nowhere.
        found.append(
            rows.select(
                "i", pl.lit(None, dtype=pl.String).alias(ADDRESS), pl.lit(False).alias("geo")
            )
        )
        return pl.concat(found)

    def _with_zones(self, fast: pl.DataFrame) -> pl.DataFrame:
        """phonenumbers finds a number's zones under the longest of its leading digits that
        its zone map holds: one lookup per such prefix (and kind of number) stands for
        every number that shares it."""
        digits = pl.col(ADDRESS).str.slice(1)
        prefix = pl.lit(None, dtype=pl.String)
        for length in sorted(self._zone_prefixes):  # the longest match is applied last
            head = digits.str.slice(0, length)
            prefix = pl.when(head.is_in(self._zone_prefixes[length])).then(head).otherwise(prefix)
        fast = fast.with_columns(prefix=prefix.fill_null(""))
        keys = fast.group_by("prefix", "geo").agg(pl.col(ADDRESS).first())
        zones = [self._zones_for(prefix, geo, example) for prefix, geo, example in keys.iter_rows()]
        table = keys.select("prefix", "geo", pl.Series(ZONES, zones, dtype=pl.List(pl.String)))
        return fast.join(table, on=["prefix", "geo"], how="left").select("i", ADDRESS, ZONES)

    def _zones_for(self, prefix: str, geographic: bool, example: str) -> list[str]:
        zones = self._zones.get((prefix, geographic))
        if zones is None:
            number = phonenumbers.parse(example)
            zones = [z for z in phone_timezones.time_zones_for_number(number) if z != UNKNOWN_ZONE]
            self._zones[(prefix, geographic)] = zones
        return zones

    # --- e-mail addresses ---------------------------------------------------------------

    def emails(self, values: pl.Series) -> pl.DataFrame:
        text = values.str.strip_chars()
        frame = pl.DataFrame({"raw": values, "text": text}).with_row_index("i")
        # Columns first: an expression used several times in a filter is computed each time.
        parts = frame.with_columns(
            shaped=pl.col("text").str.contains(_EMAIL_SHAPE),
            local=pl.col("text").str.extract(r"^(.*)@", 1),
            domain=pl.col("text").str.extract(r"@(.*)$", 1).str.to_lowercase(),
        )
        ok = (
            pl.col("shaped")
            & ~pl.col("domain").str.contains("--", literal=True)
            & ~pl.col("domain").str.contains(_SPECIAL_USE)
            & (pl.col("local").str.len_bytes() <= 64)
            & (pl.col("text").str.len_bytes() <= 254)
        )
        fast = parts.filter(ok).select(
            "i",
            (pl.col("local") + "@" + pl.col("domain")).alias(ADDRESS),
            pl.lit(False).alias("geo"),
        )
        return self._with_fallback(frame, fast, self._one.email, zones=False)

    # --- both -----------------------------------------------------------------------------

    def _with_fallback(
        self,
        frame: pl.DataFrame,
        fast: pl.DataFrame | None,
        one: Callable[[str], AddressCheck],
        zones: bool = True,
    ) -> pl.DataFrame:
        """Every row: the vectorised answer where there is one, else the one-by-one check."""
        if fast is None:
            fast = _NONE
        invalid = fast.filter(pl.col(ADDRESS).is_null())
        fast = fast.filter(pl.col(ADDRESS).is_not_null())
        if zones:
            settled = self._with_zones(fast)
        else:
            settled = fast.select("i", ADDRESS, pl.lit([], dtype=pl.List(pl.String)).alias(ZONES))
        settled = settled.with_columns(pl.lit(None, dtype=pl.String).alias(REASON))
        refused = invalid.select(
            "i",
            ADDRESS,
            pl.lit(NOT_VALID_FOR_REGION).alias(REASON),
            pl.lit([], dtype=pl.List(pl.String)).alias(ZONES),
        )
        rest = frame.join(pl.concat([fast.select("i"), invalid.select("i")]), on="i", how="anti")
        # Unusable values repeat ("N/A", "0", empty): each distinct one is checked once.
        raws = rest["raw"].fill_null("").to_list()
        seen = {raw: one(raw) for raw in set(raws)}
        checks = [seen[raw] for raw in raws]
        slow = pl.DataFrame(
            {
                "i": rest["i"],
                ADDRESS: [c.address for c in checks],
                REASON: [c.reason for c in checks],
                ZONES: [list(c.time_zones) for c in checks],
            },
            schema=_SCHEMA,
        )
        return (
            pl.concat([settled.select(_SCHEMA.keys()), refused, slow], how="vertical")
            .sort("i")
            .select(ADDRESS, REASON, ZONES)
        )


_SCHEMA: dict[str, pl.DataType] = {
    "i": pl.UInt32(),
    ADDRESS: pl.String(),
    REASON: pl.String(),
    ZONES: pl.List(pl.String),
}
_NONE = pl.DataFrame(schema={"i": pl.UInt32, ADDRESS: pl.String, "geo": pl.Boolean})
