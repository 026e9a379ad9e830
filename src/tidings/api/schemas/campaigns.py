"""MessagingCampaign, CampaignProgress and their parts, as Genesys spells them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from tidings.api.schemas.common import ApiModel, DomainEntityRef, Listing, UtcDatetime
from tidings.domain import campaigns as c

CAMPAIGNS = "/api/v2/outbound/messagingcampaigns"
_Name = Field(max_length=256)


def _ref(kind_path: str, object_id: str | None) -> DomainEntityRef | None:
    if not object_id:
        return None
    return DomainEntityRef(id=object_id, self_uri=f"{kind_path}/{object_id}")


class ContactSortIn(ApiModel):
    field_name: str = Field(min_length=1, max_length=128)
    direction: Literal["ASC", "DESC"] = "ASC"
    numeric: bool = False


class SmsPhoneNumberRef(ApiModel):
    phone_number: str = Field(max_length=64)
    self_uri: str | None = None


class SmsConfigIn(ApiModel):
    message_column: str | None = Field(default=None, max_length=128)
    phone_column: str = Field(default="", max_length=128)
    sender_sms_phone_number: SmsPhoneNumberRef | None = None
    content_template: DomainEntityRef | None = None


class FromEmailAddress(ApiModel):
    domain: DomainEntityRef | None = None
    friendly_name: str | None = Field(default=None, max_length=256)
    local_part: str | None = Field(default=None, max_length=64)


class ReplyToEmailAddress(ApiModel):
    domain: DomainEntityRef | None = None
    route: DomainEntityRef | None = None


class EmailConfigIn(ApiModel):
    email_columns: list[str] = Field(default_factory=list, max_length=50)
    content_template: DomainEntityRef | None = None
    from_address: FromEmailAddress | None = None
    reply_to_address: ReplyToEmailAddress | None = None


class RestErrorDetail(ApiModel):
    error: str
    details: str | None = None


class MessagingCampaignIn(ApiModel):
    name: str = Field(min_length=1, max_length=256)
    division: DomainEntityRef | None = None
    campaign_status: str = Field(default=c.OFF, max_length=32)
    callable_time_set: DomainEntityRef | None = None
    contact_list: DomainEntityRef
    dnc_lists: list[DomainEntityRef] = Field(default_factory=list, max_length=50)
    always_running: bool = False
    contact_sorts: list[ContactSortIn] = Field(default_factory=list, max_length=10)
    messages_per_minute: int
    contact_list_filters: list[DomainEntityRef] = Field(default_factory=list, max_length=50)
    sms_config: SmsConfigIn | None = None
    email_config: EmailConfigIn | None = None
    version: int | None = None

    def to_domain(self) -> c.Campaign:
        return c.Campaign(
            id="",
            name=self.name.strip(),
            division_id=(self.division.id if self.division else None) or "",
            contact_list_id=self.contact_list.id or "",
            messages_per_minute=self.messages_per_minute,
            status=self.campaign_status,
            sms_config=_sms(self.sms_config),
            email_config=_email(self.email_config),
            callable_time_set_id=self.callable_time_set.id if self.callable_time_set else None,
            dnc_list_ids=tuple(d.id for d in self.dnc_lists if d.id),
            contact_list_filter_ids=tuple(f.id for f in self.contact_list_filters if f.id),
            contact_sorts=tuple(
                c.ContactSort(s.field_name, s.direction == "DESC", s.numeric)
                for s in self.contact_sorts
            ),
            always_running=self.always_running,
        )


def _sms(config: SmsConfigIn | None) -> c.SmsConfig | None:
    if config is None:
        return None
    number = config.sender_sms_phone_number
    return c.SmsConfig(
        phone_column=config.phone_column,
        sender_number=number.phone_number.strip() if number else "",
        content_template_id=config.content_template.id if config.content_template else None,
        message_column=config.message_column or None,
    )


def _email(config: EmailConfigIn | None) -> c.EmailConfig | None:
    if config is None:
        return None
    sender = config.from_address or FromEmailAddress()
    reply = config.reply_to_address
    reply_to = None
    if reply is not None and reply.domain is not None and reply.domain.id:
        route = reply.route.id if reply.route and reply.route.id else "reply"
        reply_to = f"{route}@{reply.domain.id}"
    return c.EmailConfig(
        email_columns=tuple(config.email_columns),
        from_domain=(sender.domain.id if sender.domain else None) or "",
        from_local_part=sender.local_part or "",
        friendly_name=sender.friendly_name,
        reply_to=reply_to,
        content_template_id=config.content_template.id if config.content_template else None,
    )


class MessagingCampaignOut(ApiModel):
    id: str
    name: str
    date_created: UtcDatetime | None = None
    date_modified: UtcDatetime | None = None
    version: int
    division: DomainEntityRef
    campaign_status: str
    callable_time_set: DomainEntityRef | None = None
    contact_list: DomainEntityRef
    dnc_lists: list[DomainEntityRef]
    always_running: bool
    contact_sorts: list[ContactSortIn]
    messages_per_minute: int
    contact_list_filters: list[DomainEntityRef]
    errors: list[RestErrorDetail]
    sms_config: SmsConfigIn | None = None
    email_config: EmailConfigIn | None = None
    self_uri: str

    @classmethod
    def of(cls, campaign: c.Campaign) -> MessagingCampaignOut:
        sms, email = campaign.sms_config, campaign.email_config
        return cls(
            id=campaign.id,
            name=campaign.name,
            date_created=campaign.date_created,
            date_modified=campaign.date_modified,
            version=campaign.version,
            division=DomainEntityRef(
                id=campaign.division_id,
                self_uri=f"/api/v2/authorization/divisions/{campaign.division_id}",
            ),
            campaign_status=campaign.status,
            callable_time_set=_ref(
                "/api/v2/outbound/callabletimesets", campaign.callable_time_set_id
            ),
            contact_list=DomainEntityRef(
                id=campaign.contact_list_id,
                self_uri=f"/api/v2/outbound/contactlists/{campaign.contact_list_id}",
            ),
            dnc_lists=[
                DomainEntityRef(id=i, self_uri=f"/api/v2/outbound/dnclists/{i}")
                for i in campaign.dnc_list_ids
            ],
            always_running=campaign.always_running,
            contact_sorts=[
                ContactSortIn(
                    field_name=s.field_name,
                    direction="DESC" if s.descending else "ASC",
                    numeric=s.numeric,
                )
                for s in campaign.contact_sorts
            ],
            messages_per_minute=campaign.messages_per_minute,
            contact_list_filters=[
                DomainEntityRef(id=i, self_uri=f"/api/v2/outbound/contactlistfilters/{i}")
                for i in campaign.contact_list_filter_ids
            ],
            errors=[RestErrorDetail(error=e.error, details=e.details) for e in campaign.errors],
            sms_config=None
            if sms is None
            else SmsConfigIn(
                message_column=sms.message_column,
                phone_column=sms.phone_column,
                sender_sms_phone_number=SmsPhoneNumberRef(phone_number=sms.sender_number),
                content_template=_ref(
                    "/api/v2/responsemanagement/responses", sms.content_template_id
                ),
            ),
            email_config=None if email is None else _email_out(email),
            self_uri=f"{CAMPAIGNS}/{campaign.id}",
        )


def _email_out(email: c.EmailConfig) -> EmailConfigIn:
    reply = None
    if email.reply_to:
        route, _, domain = email.reply_to.partition("@")
        reply = ReplyToEmailAddress(
            domain=DomainEntityRef(id=domain), route=DomainEntityRef(id=route)
        )
    return EmailConfigIn(
        email_columns=list(email.email_columns),
        content_template=_ref("/api/v2/responsemanagement/responses", email.content_template_id),
        from_address=FromEmailAddress(
            domain=DomainEntityRef(id=email.from_domain),
            friendly_name=email.friendly_name,
            local_part=email.from_local_part,
        ),
        reply_to_address=reply,
    )


class MessagingCampaignListing(Listing):
    entities: list[MessagingCampaignOut]


class DivisionView(ApiModel):
    id: str
    name: str
    division: DomainEntityRef
    self_uri: str

    @classmethod
    def of(cls, campaign: c.Campaign) -> DivisionView:
        return cls(
            id=campaign.id,
            name=campaign.name,
            division=DomainEntityRef(id=campaign.division_id),
            self_uri=f"{CAMPAIGNS}/divisionviews/{campaign.id}",
        )


class DivisionViewListing(Listing):
    entities: list[DivisionView]


class CampaignProgressOut(ApiModel):
    campaign: DomainEntityRef
    contact_list: DomainEntityRef
    number_of_contacts_called: int
    number_of_contacts_messaged: int
    total_number_of_contacts: int
    percentage: int
    number_of_contacts_skipped: dict[str, int]

    @classmethod
    def of(cls, progress: c.Progress) -> CampaignProgressOut:
        return cls(
            campaign=DomainEntityRef(
                id=progress.campaign_id, self_uri=f"{CAMPAIGNS}/{progress.campaign_id}"
            ),
            contact_list=DomainEntityRef(
                id=progress.contact_list_id,
                self_uri=f"/api/v2/outbound/contactlists/{progress.contact_list_id}",
            ),
            number_of_contacts_called=progress.processed,
            number_of_contacts_messaged=progress.messaged,
            total_number_of_contacts=progress.total,
            percentage=progress.percentage,
            number_of_contacts_skipped=dict(progress.skipped),
        )


class DiagnosticsOut(ApiModel):
    time_zone_rescheduled_contacts_count: int
    filtered_out_contacts_count: int


class ResentOut(ApiModel):
    """Tidings extension: how many ambiguous contacts will be attempted again."""

    contacts: int
    requested_at: datetime
