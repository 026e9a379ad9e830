"""Sender phone numbers read with phonenumbers: E.164, country and whether toll-free."""

from __future__ import annotations

import phonenumbers

from tidings.domain.senders import ParsedNumber


class PhonenumbersParser:
    def __init__(self, default_region: str = "US") -> None:
        self.default_region = default_region.upper()

    def parse(self, raw: str, country_code: str | None) -> ParsedNumber:
        try:
            number = phonenumbers.parse(raw, country_code or self.default_region)
        except phonenumbers.NumberParseException as exc:
            return ParsedNumber(None, reason=f"not a phone number ({exc._msg})")
        if not phonenumbers.is_valid_number(number):
            return ParsedNumber(None, reason="not a valid phone number for its country")
        return ParsedNumber(
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.region_code_for_number(number),
            phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.TOLL_FREE,
        )
