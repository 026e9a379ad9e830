"""SmsPhoneNumber and its requests; OutboundDomain and EmailOutboundDomainResult."""

from __future__ import annotations

from pydantic import Field

from tidings.api.schemas.common import ApiModel, Listing, UtcDatetime
from tidings.domain.senders import DmarcCheck, DnsRecord, EmailDomain, SmsNumber

NUMBERS = "/api/v2/routing/sms/phonenumbers"
DOMAINS = "/api/v2/routing/email/outbound/domains"


class SmsPhoneNumberProvision(ApiModel):
    phone_number: str = Field(min_length=1, max_length=64)
    phone_number_type: str = Field(min_length=1, max_length=32)
    country_code: str | None = Field(default=None, max_length=8)
    name: str | None = Field(default=None, max_length=256)


class SmsAlphanumericProvision(ApiModel):
    phone_number: str = Field(min_length=1, max_length=64)


class SmsPhoneNumberPatch(ApiModel):
    """Genesys' SmsPhoneNumberPatchRequest carries only supportedContent (ignored here);
    Tidings also takes the name, the status and the version (checked when sent)."""

    name: str | None = Field(default=None, max_length=256)
    phone_number_status: str | None = Field(default=None, max_length=32)
    version: int | None = None


class SmsPhoneNumberOut(ApiModel):
    id: str
    name: str | None = None
    phone_number: str
    phone_number_type: str
    provisioned_through_pure_cloud: bool = False
    phone_number_status: str
    capabilities: list[str]
    country_code: str | None = None
    date_created: UtcDatetime | None = None
    date_modified: UtcDatetime | None = None
    version: int
    supports_sms: bool = True
    supports_mms: bool = False
    supports_voice: bool = False
    self_uri: str

    @classmethod
    def of(cls, found: SmsNumber) -> SmsPhoneNumberOut:
        return cls(
            id=found.id,
            name=found.name,
            phone_number=found.phone_number,
            phone_number_type=found.phone_number_type,
            phone_number_status=found.status,
            capabilities=["sms"],
            country_code=found.country_code,
            date_created=found.date_created,
            date_modified=found.date_modified,
            version=found.version,
            self_uri=f"{NUMBERS}/{found.id}",
        )


class SmsPhoneNumberListing(Listing):
    entities: list[SmsPhoneNumberOut]


class OutboundDomainCreateRequest(ApiModel):
    id: str = Field(min_length=1, max_length=300)
    name: str | None = Field(default=None, max_length=256)
    sender_type: str | None = Field(default=None, max_length=32)


class RecordOut(ApiModel):
    name: str
    type: str
    value: str


class VerificationResultOut(ApiModel):
    status: str  # FAILED | PENDING | VERIFIED | UNKNOWN
    records: list[RecordOut]

    @classmethod
    def of(cls, record: DnsRecord | None) -> VerificationResultOut | None:
        if record is None:
            return None
        return cls(
            status=record.status,
            records=[RecordOut(name=record.name, type=record.type, value=record.value)],
        )


class DmarcResultOut(ApiModel):
    status: str  # NotPresent | Invalid | Valid
    detected_policy: str
    date_checked: UtcDatetime | None = None
    records: list[RecordOut]

    @classmethod
    def of(cls, domain: EmailDomain) -> DmarcResultOut | None:
        found: DmarcCheck | None = domain.dmarc
        if found is None:
            return None
        records = (
            [RecordOut(name=f"_dmarc.{domain.id}", type="TXT", value=found.record)]
            if found.record
            else []
        )
        return cls(
            status=found.status,
            detected_policy=found.policy,
            date_checked=domain.date_checked,
            records=records,
        )


class OutboundDomainOut(ApiModel):
    id: str
    name: str
    cname_verification_result: VerificationResultOut | None = None
    dkim_verification_result: VerificationResultOut | None = None
    dmarc_verification_result: DmarcResultOut | None = None
    sender_type: str
    # Extensions: the SPF hint (advice, never required) and when the records were checked.
    spf_verification_result: VerificationResultOut | None = None
    date_checked: UtcDatetime | None = None
    self_uri: str

    @classmethod
    def of(cls, found: EmailDomain) -> OutboundDomainOut:
        return cls(
            id=found.id,
            name=found.name,
            cname_verification_result=VerificationResultOut.of(found.record("bounce")),
            dkim_verification_result=VerificationResultOut.of(found.record("dkim")),
            dmarc_verification_result=DmarcResultOut.of(found),
            sender_type=found.sender_type,
            spf_verification_result=VerificationResultOut.of(found.record("spf")),
            date_checked=found.date_checked,
            self_uri=f"{DOMAINS}/{found.id}",
        )


class OutboundDomainListing(Listing):
    entities: list[OutboundDomainOut]


class DnsRecordEntryOut(ApiModel):
    host: str
    record_contents: str
    verification_status: str  # Pending | Verified | Failed | Unknown

    @classmethod
    def of(cls, record: DnsRecord | None) -> DnsRecordEntryOut | None:
        if record is None:
            return None
        return cls(
            host=record.name,
            record_contents=record.value,
            verification_status=record.status.title(),
        )


class EmailOutboundDomainResultOut(ApiModel):
    domain_name: str
    dns_cname_bounce_record: DnsRecordEntryOut | None = None
    dns_txt_sending_record: DnsRecordEntryOut | None = None
    # The key exists and mail can be signed at once; the records' statuses say the rest.
    sender_status: str = "Provisioned"
    sender_type: str
    dmarc_verification_result: DmarcResultOut | None = None
    # Extensions, as in OutboundDomain.
    dns_txt_spf_record: DnsRecordEntryOut | None = None
    date_checked: UtcDatetime | None = None

    @classmethod
    def of(cls, found: EmailDomain) -> EmailOutboundDomainResultOut:
        return cls(
            domain_name=found.id,
            dns_cname_bounce_record=DnsRecordEntryOut.of(found.record("bounce")),
            dns_txt_sending_record=DnsRecordEntryOut.of(found.record("dkim")),
            sender_type=found.sender_type,
            dmarc_verification_result=DmarcResultOut.of(found),
            dns_txt_spf_record=DnsRecordEntryOut.of(found.record("spf")),
            date_checked=found.date_checked,
        )
