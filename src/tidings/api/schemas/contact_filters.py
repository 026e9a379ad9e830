"""ContactListFilter, ContactListingRequest / Response and FilterPreviewResponse."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tidings.api.schemas.common import ApiModel, DomainEntityRef, Listing, UtcDatetime
from tidings.api.schemas.contact_lists import ContactOut
from tidings.domain.contact_filters import (
    MAX_CLAUSES,
    MAX_IN_SET,
    MAX_PREDICATES,
    Clause,
    ContactListFilter,
    Criteria,
    FilterRange,
    Predicate,
)
from tidings.services.contact_filters import MAX_SORTS, ContactSort

Operator = Literal[
    "EQUALS",
    "LESS_THAN",
    "LESS_THAN_EQUALS",
    "GREATER_THAN",
    "GREATER_THAN_EQUALS",
    "CONTAINS",
    "BEGINS_WITH",
    "ENDS_WITH",
    "BEFORE",
    "AFTER",
    "BETWEEN",
    "IN",
]
Joined = Literal["AND", "OR"]
Text = str


class RangeIn(ApiModel):
    min: str | None = Field(default=None, max_length=512)
    max: str | None = Field(default=None, max_length=512)
    min_inclusive: bool = True
    max_inclusive: bool = True
    in_set: list[Text] = Field(default_factory=list, max_length=MAX_IN_SET)


class PredicateIn(ApiModel):
    column: str = Field(min_length=1, max_length=128)
    column_type: Literal["numeric", "alphabetic"] = "alphabetic"
    operator: Operator
    value: str | None = Field(default=None, max_length=512)
    range: RangeIn | None = None
    inverted: bool = False

    def to_domain(self) -> Predicate:
        bounds = self.range
        return Predicate(
            column=self.column,
            operator=self.operator,
            column_type=self.column_type,
            value=self.value,
            range=None
            if bounds is None
            else FilterRange(
                bounds.min,
                bounds.max,
                bounds.min_inclusive,
                bounds.max_inclusive,
                tuple(bounds.in_set),
            ),
            inverted=self.inverted,
        )

    @classmethod
    def of(cls, predicate: Predicate) -> PredicateIn:
        bounds = predicate.range
        return cls(
            column=predicate.column,
            column_type=predicate.column_type,  # type: ignore[arg-type]
            operator=predicate.operator,  # type: ignore[arg-type]
            value=predicate.value,
            range=None
            if bounds is None
            else RangeIn(
                min=bounds.min,
                max=bounds.max,
                min_inclusive=bounds.min_inclusive,
                max_inclusive=bounds.max_inclusive,
                in_set=list(bounds.in_set),
            ),
            inverted=predicate.inverted,
        )


class ClauseIn(ApiModel):
    filter_type: Joined = "AND"
    predicates: list[PredicateIn] = Field(max_length=MAX_PREDICATES)


class CriteriaIn(ApiModel):
    """ContactBulkSearchCriteria: the clauses of a filter without the filter."""

    filter_type: Joined = "AND"
    clauses: list[ClauseIn] = Field(default_factory=list, max_length=MAX_CLAUSES)

    def to_domain(self) -> Criteria:
        return Criteria(
            clauses=tuple(
                Clause(tuple(p.to_domain() for p in c.predicates), c.filter_type)
                for c in self.clauses
            ),
            filter_type=self.filter_type,
        )


class ContactListFilterIn(CriteriaIn):
    name: str = Field(default="", max_length=256)
    contact_list: DomainEntityRef | None = None
    contact_list_template: DomainEntityRef | None = None
    source_type: Literal["ContactList", "ContactListTemplate"] = "ContactList"
    version: int | None = None

    def to_domain(self) -> ContactListFilter:  # type: ignore[override]
        return ContactListFilter(
            id="",
            name=self.name.strip(),
            contact_list_id=(self.contact_list.id if self.contact_list else None) or "",
            criteria=super().to_domain(),
        )


class ClauseOut(ApiModel):
    filter_type: Joined
    predicates: list[PredicateIn]


class ContactListFilterOut(ApiModel):
    id: str
    name: str
    date_created: UtcDatetime | None = None
    date_modified: UtcDatetime | None = None
    version: int
    contact_list: DomainEntityRef
    source_type: Literal["ContactList"] = "ContactList"
    clauses: list[ClauseOut]
    filter_type: Joined
    self_uri: str

    @classmethod
    def of(cls, found: ContactListFilter) -> ContactListFilterOut:
        return cls(
            id=found.id,
            name=found.name,
            date_created=found.date_created,
            date_modified=found.date_modified,
            version=found.version,
            contact_list=DomainEntityRef(
                id=found.contact_list_id,
                self_uri=f"/api/v2/outbound/contactlists/{found.contact_list_id}",
            ),
            clauses=[
                ClauseOut(
                    filter_type=c.filter_type,  # type: ignore[arg-type]
                    predicates=[PredicateIn.of(p) for p in c.predicates],
                )
                for c in found.criteria.clauses
            ],
            filter_type=found.criteria.filter_type,  # type: ignore[arg-type]
            self_uri=f"/api/v2/outbound/contactlistfilters/{found.id}",
        )


class ContactListFilterListing(Listing):
    entities: list[ContactListFilterOut]


class BulkRetrieveIn(ApiModel):
    ids: list[str] = Field(max_length=100)


class FilterPreviewResponse(ApiModel):
    filtered_contacts: int
    total_contacts: int
    preview: list[ContactOut]


class ContactSortIn(ApiModel):
    field_name: str = Field(min_length=1, max_length=128)
    direction: Literal["ASC", "DESC"] = "ASC"
    numeric: bool = False

    def to_domain(self) -> ContactSort:
        return ContactSort(self.field_name, self.direction == "DESC", self.numeric)


class ContactListingRequest(ApiModel):
    contact_list_filter_id: str | None = Field(default=None, max_length=64)
    criteria: CriteriaIn | None = None
    page_number: int = Field(default=1, ge=1)
    page_size: int = Field(default=25, ge=1, le=100)
    contact_sorts: list[ContactSortIn] = Field(default_factory=list, max_length=MAX_SORTS)


class ContactListingResponse(Listing):
    entities: list[ContactOut]
    contacts_count: int
