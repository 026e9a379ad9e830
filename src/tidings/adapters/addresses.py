"""Phone numbers (phonenumbers) and e-mail addresses (email-validator, syntax only)."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import timezone as phone_timezones

from tidings.domain.contact_lists import AddressCheck

# phonenumbers answers this when it knows no zone for a number.
UNKNOWN_ZONE = "Etc/Unknown"
NOT_VALID_FOR_REGION = "not a valid phone number for its region"


class AddressNormalizer:
    def __init__(self, default_region: str = "US") -> None:
        self.default_region = default_region.upper()

    def phone(self, raw: str, *, zones: bool = True) -> AddressCheck:
        """`zones`: look up where the number is (callable times need it; a tenth of the
        cost of a check, which sending to the number does not)."""
        text = raw.strip()
        if not text:
            return AddressCheck(raw, None, "empty")
        try:
            number = phonenumbers.parse(text, self.default_region)
        except phonenumbers.NumberParseException as exc:
            return AddressCheck(raw, None, f"not a phone number ({exc._msg})")
        if not phonenumbers.is_valid_number(number):
            return AddressCheck(raw, None, NOT_VALID_FOR_REGION)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if not zones:
            return AddressCheck(raw, e164)
        found = phone_timezones.time_zones_for_number(number)
        return AddressCheck(raw, e164, None, tuple(z for z in found if z != UNKNOWN_ZONE))

    def email(self, raw: str) -> AddressCheck:
        text = raw.strip()
        if not text:
            return AddressCheck(raw, None, "empty")
        try:
            checked = validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            return AddressCheck(raw, None, f"not a valid e-mail address ({exc})")
        return AddressCheck(raw, checked.normalized)
