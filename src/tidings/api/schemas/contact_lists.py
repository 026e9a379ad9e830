"""ContactList, WritableDialerContact and DialerContact."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tidings.api.schemas.common import ApiModel, DomainEntityRef, Listing, UtcDatetime
from tidings.api.schemas.imports import ImportStatusOut
from tidings.domain.contact_lists import (
    MAX_CELL_LENGTH,
    AddressColumn,
    ColumnDataType,
    Contact,
    ContactList,
)
from tidings.services.contact_lists import ContactDraft

LISTS = "/api/v2/outbound/contactlists"


class PhoneColumnIn(ApiModel):
    column_name: str = Field(min_length=1, max_length=256)
    type: str = Field(min_length=1, max_length=64)
    callable_time_column: str | None = Field(default=None, max_length=256)


class EmailColumnIn(ApiModel):
    column_name: str = Field(min_length=1, max_length=256)
    type: str = Field(min_length=1, max_length=64)
    contactable_time_column: str | None = Field(default=None, max_length=256)


class ColumnDataTypeIn(ApiModel):
    column_name: str = Field(min_length=1, max_length=256)
    column_data_type: Literal["NUMERIC", "TEXT", "TIMESTAMP", "DATETIME"]
    min: int | None = Field(default=None, ge=-(2**53), le=2**53)
    max: int | None = Field(default=None, ge=-(2**53), le=2**53)
    max_length: int | None = Field(default=None, ge=1, le=MAX_CELL_LENGTH)


class ContactListIn(ApiModel):
    name: str = Field(min_length=1, max_length=256)
    column_names: list[str] = Field(max_length=1000)
    phone_columns: list[PhoneColumnIn] = Field(default_factory=list, max_length=100)
    email_columns: list[EmailColumnIn] = Field(default_factory=list, max_length=100)
    column_data_type_specifications: list[ColumnDataTypeIn] = Field(
        default_factory=list, max_length=100
    )
    division: DomainEntityRef | None = None
    trim_whitespace: bool = True
    time_zone: str | None = Field(default=None, max_length=64)
    automatic_time_zone_mapping: bool = False
    zip_code_column_name: str | None = Field(default=None, max_length=256)
    preview_mode_column_name: str | None = Field(default=None, max_length=256)
    preview_mode_accepted_values: list[str] = Field(default_factory=list, max_length=100)
    version: int | None = None

    def to_domain(self) -> ContactList:
        return ContactList(
            id="",
            name=self.name.strip(),
            division_id=(self.division.id if self.division else None) or "",
            column_names=self.column_names,
            phone_columns=[
                AddressColumn(c.column_name, c.type, c.callable_time_column)
                for c in self.phone_columns
            ],
            email_columns=[
                AddressColumn(c.column_name, c.type, c.contactable_time_column)
                for c in self.email_columns
            ],
            column_data_types=[
                ColumnDataType(c.column_name, c.column_data_type, c.min, c.max, c.max_length)
                for c in self.column_data_type_specifications
            ],
            trim_whitespace=self.trim_whitespace,
            time_zone=self.time_zone,
            automatic_time_zone_mapping=self.automatic_time_zone_mapping,
            zip_code_column_name=self.zip_code_column_name,
            preview_mode_column_name=self.preview_mode_column_name,
            preview_mode_accepted_values=self.preview_mode_accepted_values,
        )


class ContactListOut(ApiModel):
    id: str
    name: str
    date_created: UtcDatetime | None = None
    date_modified: UtcDatetime | None = None
    version: int
    division: DomainEntityRef
    column_names: list[str]
    phone_columns: list[PhoneColumnIn]
    email_columns: list[EmailColumnIn]
    column_data_type_specifications: list[ColumnDataTypeIn]
    trim_whitespace: bool
    time_zone: str | None = None
    automatic_time_zone_mapping: bool
    zip_code_column_name: str | None = None
    preview_mode_column_name: str | None = None
    preview_mode_accepted_values: list[str]
    size: int | None = None
    import_status: ImportStatusOut | None = None
    self_uri: str

    @classmethod
    def of(
        cls,
        found: ContactList,
        size: int | None = None,
        import_status: ImportStatusOut | None = None,
    ) -> ContactListOut:
        return cls(
            id=found.id,
            name=found.name,
            date_created=found.date_created,
            date_modified=found.date_modified,
            version=found.version,
            division=DomainEntityRef(
                id=found.division_id,
                self_uri=f"/api/v2/authorization/divisions/{found.division_id}",
            ),
            column_names=found.column_names,
            phone_columns=[
                PhoneColumnIn(
                    column_name=c.column_name, type=c.type, callable_time_column=c.time_column
                )
                for c in found.phone_columns
            ],
            email_columns=[
                EmailColumnIn(
                    column_name=c.column_name, type=c.type, contactable_time_column=c.time_column
                )
                for c in found.email_columns
            ],
            column_data_type_specifications=[
                ColumnDataTypeIn(
                    column_name=c.column_name,
                    column_data_type=c.column_data_type,  # type: ignore[arg-type]
                    min=c.min,
                    max=c.max,
                    max_length=c.max_length,
                )
                for c in found.column_data_types
            ],
            trim_whitespace=found.trim_whitespace,
            time_zone=found.time_zone,
            automatic_time_zone_mapping=found.automatic_time_zone_mapping,
            zip_code_column_name=found.zip_code_column_name,
            preview_mode_column_name=found.preview_mode_column_name,
            preview_mode_accepted_values=found.preview_mode_accepted_values,
            size=size,
            import_status=import_status,
            self_uri=f"{LISTS}/{found.id}",
        )


class ContactListDivisionView(ApiModel):
    """What `.../divisionviews` shows of a list: enough to pick it, not its settings."""

    id: str
    name: str
    division: DomainEntityRef
    column_names: list[str]
    phone_columns: list[PhoneColumnIn]
    email_columns: list[EmailColumnIn]
    import_status: ImportStatusOut | None = None
    size: int | None = None
    self_uri: str

    @classmethod
    def of(
        cls,
        found: ContactList,
        size: int | None = None,
        import_status: ImportStatusOut | None = None,
    ) -> ContactListDivisionView:
        full = ContactListOut.of(found, size, import_status)
        return cls(
            id=full.id,
            name=full.name,
            division=full.division,
            column_names=full.column_names,
            phone_columns=full.phone_columns,
            email_columns=full.email_columns,
            import_status=full.import_status,
            size=full.size,
            self_uri=f"{LISTS}/divisionviews/{found.id}",
        )


class ContactListDivisionViewListing(Listing):
    entities: list[ContactListDivisionView]


class TimeZoneMappingPreviewOut(ApiModel):
    contact_list: DomainEntityRef
    contacts_per_time_zone: dict[str, int]
    contacts_mapped_using_zip_code: dict[str, int]
    contacts_mapped_to_a_single_zone: int
    contacts_mapped_to_a_single_zone_using_zip_code: int
    contacts_mapped_to_multiple_zones: int
    contacts_mapped_to_multiple_zones_using_zip_code: int
    contacts_in_default_window: int
    contact_list_size: int


class ContactListListing(Listing):
    entities: list[ContactListOut]


class PhoneNumberStatus(ApiModel):
    callable: bool = True


class ColumnStatus(ApiModel):
    contactable: bool = True


class ContactableStatus(ApiModel):
    contactable: bool = True
    column_status: dict[str, ColumnStatus] = Field(default_factory=dict)


class ContactIn(ApiModel):
    """WritableDialerContact (POST) and DialerContact (PUT): the fields a caller may set."""

    id: str | None = Field(default=None, min_length=1, max_length=256)
    contact_list_id: str | None = None
    data: dict[str, str] = Field(max_length=1000)
    callable: bool = True
    phone_number_status: dict[str, PhoneNumberStatus] = Field(default_factory=dict)
    contactable_status: dict[Literal["Voice", "SMS", "Email", "WhatsApp"], ContactableStatus] = (
        Field(default_factory=dict)
    )

    def to_draft(self) -> ContactDraft:
        return ContactDraft(
            data=self.data,
            id=self.id,
            contact_list_id=self.contact_list_id,
            callable=self.callable,
            phone_number_status={k: v.callable for k, v in self.phone_number_status.items()},
            contactable_status={
                k: v.model_dump(by_alias=True) for k, v in self.contactable_status.items()
            },
        )


class AddressValidation(ApiModel):
    """Tidings extension: each address column as normalised, or why it cannot be used."""

    raw: str
    address: str | None = None
    valid: bool
    reason: str | None = None
    time_zones: list[str]
    # Where the zones come from: the list's time column, the zip code, the phone number.
    zone_source: Literal["column", "zip", "phone"] | None = None


class MessageEvaluation(ApiModel):
    """The contact's last campaign attempt on one channel (Genesys system data)."""

    contact_column: str | None = None
    message_type: str
    wrapup_code_id: str | None = None
    timestamp: UtcDatetime | None = None


def _evaluations(contact: Contact, channel: str) -> dict[str, MessageEvaluation] | None:
    history = contact.history.get(channel)
    if history is None:
        return None
    return {
        history.column or "": MessageEvaluation(
            contact_column=history.column,
            message_type=channel,
            wrapup_code_id=history.last_result,
            timestamp=history.last_attempt,
        )
    }


class ContactOut(ApiModel):
    id: str
    contact_list_id: str
    data: dict[str, str]
    callable: bool
    phone_number_status: dict[str, PhoneNumberStatus]
    contactable_status: dict[str, Any]
    configuration_overrides: dict[str, bool]
    date_created: UtcDatetime | None = None
    address_validation: dict[str, AddressValidation]
    latest_sms_evaluations: dict[str, MessageEvaluation] | None = None
    latest_email_evaluations: dict[str, MessageEvaluation] | None = None
    # Tidings extension: campaign attempts per channel (sms, email).
    message_attempts: dict[str, int] | None = None
    self_uri: str

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        return cls(
            id=contact.id,
            contact_list_id=contact.contact_list_id,
            data=contact.data,
            callable=contact.callable,
            phone_number_status={
                k: PhoneNumberStatus(callable=v) for k, v in contact.phone_number_status.items()
            },
            contactable_status=contact.contactable_status,
            configuration_overrides={"priority": contact.priority},
            date_created=contact.date_created,
            address_validation={
                column: AddressValidation(
                    raw=check.raw,
                    address=check.address,
                    valid=check.address is not None,
                    reason=check.reason,
                    time_zones=list(check.time_zones),
                    zone_source=check.zone_source,  # type: ignore[arg-type]
                )
                for column, check in contact.addresses.items()
            },
            latest_sms_evaluations=_evaluations(contact, "sms"),
            latest_email_evaluations=_evaluations(contact, "email"),
            message_attempts={k: v.attempts for k, v in contact.history.items()} or None,
            self_uri=f"{LISTS}/{contact.contact_list_id}/contacts/{contact.id}",
        )
