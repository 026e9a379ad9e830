"""DncList / DncListCreate and the entry requests."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from tidings.api.schemas.common import ApiModel, DomainEntityRef, Listing, UtcDatetime
from tidings.api.schemas.imports import ImportStatusOut
from tidings.domain.dnc import MAX_ENTRIES_PER_CALL, DncList
from tidings.domain.errors import FieldProblem, InvalidInput

DNC_LISTS = "/api/v2/outbound/dnclists"
_WHEN = TypeAdapter(UtcDatetime)


def parse_expiration(raw: str | None) -> datetime | None:
    """`expirationDateTime` as a query string or a form field (`yyyy-MM-ddTHH:mmZ`)."""
    if raw is None:
        return None
    try:
        return _WHEN.validate_python(raw)
    except ValidationError as exc:
        raise InvalidInput(
            "expirationDateTime is not a date and time",
            details=[FieldProblem("expirationDateTime", "invalid.value", "e.g. 2030-05-01T10:00Z")],
        ) from exc


class DncListIn(ApiModel):
    name: str = Field(min_length=1, max_length=256)
    dnc_source_type: str | None = Field(default=None, max_length=32)
    contact_method: str = Field(min_length=1, max_length=16)
    division: DomainEntityRef | None = None
    version: int | None = None

    @field_validator("dnc_source_type")
    @classmethod
    def _internal_only(cls, value: str | None) -> str | None:
        if value not in (None, "rds"):
            raise ValueError(
                "only internal (rds) DNC lists are supported: Tidings has no external DNC "
                "provider (dnc.com, gryphon) to ask"
            )
        return value

    def to_domain(self) -> DncList:
        return DncList(
            id="",
            name=self.name.strip(),
            division_id=(self.division.id if self.division else None) or "",
            contact_method=self.contact_method,
        )


class DncListOut(ApiModel):
    id: str
    name: str
    date_created: UtcDatetime | None = None
    date_modified: UtcDatetime | None = None
    version: int
    size: int | None = None
    import_status: ImportStatusOut | None = None
    dnc_source_type: str
    contact_method: str
    division: DomainEntityRef
    self_uri: str

    @classmethod
    def of(
        cls,
        found: DncList,
        size: int | None = None,
        import_status: ImportStatusOut | None = None,
    ) -> DncListOut:
        return cls(
            id=found.id,
            name=found.name,
            date_created=found.date_created,
            date_modified=found.date_modified,
            version=found.version,
            size=size,
            import_status=import_status,
            dnc_source_type="rds",
            contact_method=found.contact_method,
            division=DomainEntityRef(
                id=found.division_id,
                self_uri=f"/api/v2/authorization/divisions/{found.division_id}",
            ),
            self_uri=f"{DNC_LISTS}/{found.id}",
        )


class DncListListing(Listing):
    entities: list[DncListOut]


class DncListDivisionView(ApiModel):
    """What `.../divisionviews` shows of a DNC list: enough to pick it for a campaign."""

    id: str
    name: str
    division: DomainEntityRef
    import_status: ImportStatusOut | None = None
    size: int | None = None
    dnc_source_type: str
    contact_method: str
    self_uri: str

    @classmethod
    def of(
        cls, found: DncList, size: int | None = None, import_status: ImportStatusOut | None = None
    ) -> DncListDivisionView:
        full = DncListOut.of(found, size, import_status)
        return cls(
            **full.model_dump(include={"id", "name", "division", "import_status", "size"}),
            dnc_source_type=full.dnc_source_type,
            contact_method=full.contact_method,
            self_uri=f"{DNC_LISTS}/divisionviews/{found.id}",
        )


class DncListDivisionViewListing(Listing):
    entities: list[DncListDivisionView]


class PatchPhoneNumbers(ApiModel):
    action: Literal["Add", "Remove"]
    phone_numbers: list[str] = Field(max_length=MAX_ENTRIES_PER_CALL)
    expiration_date_time: UtcDatetime | None = None


class PatchEmailAddresses(ApiModel):
    action: Literal["Add", "Remove"]
    email_addresses: list[str] = Field(max_length=MAX_ENTRIES_PER_CALL)
    expiration_date_time: UtcDatetime | None = None
