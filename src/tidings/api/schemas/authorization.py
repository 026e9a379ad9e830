"""AuthzDivision and DomainOrganizationRole."""

from __future__ import annotations

from pydantic import Field

from tidings.api.schemas.common import ApiModel, Listing
from tidings.domain.divisions import Division
from tidings.domain.permissions import Role, expand

DIVISIONS = "/api/v2/authorization/divisions"
ROLES = "/api/v2/authorization/roles"


class DivisionIn(ApiModel):
    name: str = Field(min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=1024)
    version: int | None = None  # Tidings extension: optimistic concurrency when given


class DivisionOut(ApiModel):
    id: str
    name: str
    description: str | None = None
    home_division: bool
    version: int
    self_uri: str

    @classmethod
    def of(cls, division: Division) -> DivisionOut:
        return cls(
            id=division.id,
            name=division.name,
            description=division.description,
            home_division=division.home_division,
            version=division.version,
            self_uri=f"{DIVISIONS}/{division.id}",
        )


class DivisionListing(Listing):
    entities: list[DivisionOut]


class RoleOut(ApiModel):
    id: str
    name: str
    description: str
    permissions: list[str]
    default: bool = True
    base: bool = True
    self_uri: str

    @classmethod
    def of(cls, role: Role) -> RoleOut:
        return cls(
            id=role.id,
            name=role.name,
            description=role.description,
            permissions=sorted(expand(role.permissions)),
            self_uri=f"{ROLES}/{role.id}",
        )


class RoleListing(Listing):
    entities: list[RoleOut]
