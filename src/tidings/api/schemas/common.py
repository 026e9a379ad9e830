"""Wire conventions shared by every schema: camelCase, UTC datetimes emitted with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)
from pydantic.alias_generators import to_camel


def _as_utc(value: datetime) -> datetime:
    # The SDK sends naive datetimes from `isoformat()`; Genesys reads them as UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00
        raise ValueError("the datetime is out of range once converted to UTC") from exc


def format_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


UtcDatetime = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain the NUL character (U+0000)")
    return value


# A string of a body that is a bare JSON list (no model around it to check it).
PlainText = Annotated[str, AfterValidator(_no_nul)]


class ApiModel(BaseModel):
    """camelCase on the wire; unknown fields ignored (clients PUT back what they GET)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", from_attributes=True
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        # PostgreSQL cannot store U+0000 in text; refuse it here rather than fail there.
        if _has_nul(data):
            raise ValueError("text must not contain the NUL character (U+0000)")
        return data


class DomainEntityRef(ApiModel):
    id: str | None = None
    name: str | None = None
    self_uri: str | None = None


class ErrorDetail(ApiModel):
    error_code: str | None = None
    field_name: str | None = None
    entity_id: str | None = None
    entity_name: str | None = None


class ErrorBody(ApiModel):
    message: str
    code: str
    status: int
    context_id: str | None = None
    message_with_params: str | None = None
    message_params: dict[str, str] | None = None
    details: list[ErrorDetail] = Field(default_factory=list)
    errors: list[ErrorBody] = Field(default_factory=list)
    limit: dict[str, Any] | None = None


class Listing(ApiModel):
    """The paging envelope; each listing subclasses it with its `entities` type."""

    page_size: int
    page_number: int
    total: int
    page_count: int
    first_uri: str | None = None
    previous_uri: str | None = None
    next_uri: str | None = None
    last_uri: str | None = None
    self_uri: str | None = None
