"""Do-not-contact lists: internal (`rds`) lists of phone numbers and e-mail addresses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tidings.domain.errors import FieldProblem

CONTACT_METHODS = ("Phone", "Email", "Any")
# Entries a single add or remove call may carry.
MAX_ENTRIES_PER_CALL = 10_000


@dataclass
class DncList:
    id: str
    name: str
    division_id: str
    contact_method: str  # Phone | Email | Any
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None

    def takes(self, kind: str) -> bool:
        """Does the list hold entries of `kind` ("phone" or "email")?"""
        return self.contact_method == "Any" or self.contact_method.lower() == kind

    def problems(self) -> list[FieldProblem]:
        found = []
        if not self.name.strip():
            found.append(FieldProblem("name", "required", "must not be blank"))
        if self.contact_method not in CONTACT_METHODS:
            found.append(
                FieldProblem(
                    "contactMethod",
                    "invalid.value",
                    f"one of {', '.join(CONTACT_METHODS)} (WhatsApp lists are not supported)",
                )
            )
        return found


def email_key(address: str) -> str:
    """E-mail DNC entries match regardless of case, on the whole address."""
    return address.strip().casefold()
