"""Divisions partition the objects of the organisation; grants give access per division."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_NAME_LENGTH = 256


@dataclass
class Division:
    id: str
    name: str
    description: str | None = None
    home_division: bool = False
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None
