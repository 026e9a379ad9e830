"""Who is calling: an OAuth client and what its grants let it do."""

from __future__ import annotations

from dataclasses import dataclass

from tidings.domain.permissions import Access


@dataclass(frozen=True)
class Caller:
    client_id: str
    access: Access
    rate_limit_per_minute: int
