"""The campaign form: what its fields hold, the campaign they make, and which field each of
the service's problems belongs to (the service names fields as the API does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tidings.domain import campaigns as c
from tidings.domain.errors import FieldProblem
from tidings.web.forms import names

SMS, EMAIL = "sms", "email"

# The service's field names (the API's JSON paths) → the form's field; the first match wins.
_FIELDS = (
    ("name", "name"),
    ("division", "division_id"),
    ("messagesPerMinute", "messages_per_minute"),
    ("contactList", "contact_list_id"),
    ("smsConfig.phoneColumn", "phone_column"),
    ("smsConfig.senderSmsPhoneNumber", "sender_number"),
    ("smsConfig.contentTemplate", "sms_template_id"),
    ("smsConfig.messageColumn", "message_column"),
    ("smsConfig", "channel"),
    ("emailConfig.emailColumns", "email_columns"),
    ("emailConfig.fromAddress.domain", "from_domain"),
    ("emailConfig.fromAddress.localPart", "from_local_part"),
    ("emailConfig.contentTemplate", "email_template_id"),
    ("emailConfig", "channel"),
    ("dncLists", "dnc_list_ids"),
    ("contactListFilters", "contact_list_filter_ids"),
    ("callableTimeSet", "callable_time_set_id"),
)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def field_of(problem: FieldProblem) -> str:
    """The form field a problem belongs to; "" for the form as a whole."""
    return next((form for api, form in _FIELDS if _under(problem.field_name, api)), "")


def problems_by_field(problems: list[FieldProblem]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in problems:
        text = problem.message or problem.error_code
        found.setdefault(field_of(problem), []).append(text)
    return found


@dataclass
class CampaignForm:
    name: str = ""
    division_id: str = ""
    contact_list_id: str = ""
    channel: str = SMS
    messages_per_minute: str = "60"
    always_running: bool = False
    callable_time_set_id: str = ""
    dnc_list_ids: list[str] = field(default_factory=list)
    contact_list_filter_ids: list[str] = field(default_factory=list)
    phone_column: str = ""
    sender_number: str = ""
    sms_template_id: str = ""
    message_column: str = ""
    email_columns: str = ""
    from_domain: str = ""
    from_local_part: str = ""
    friendly_name: str = ""
    email_template_id: str = ""
    version: int = 0

    @classmethod
    def posted(cls, form: Any) -> CampaignForm:
        """From the posted form (a starlette FormData); missing fields keep their defaults."""

        def text(name: str, limit: int = 512) -> str:
            value = form.get(name)
            return value.strip()[:limit] if isinstance(value, str) else ""

        def many(name: str) -> list[str]:
            return [v for v in form.getlist(name) if isinstance(v, str) and v][:100]

        version = text("version")
        return cls(
            name=text("name", 256),
            division_id=text("division_id"),
            contact_list_id=text("contact_list_id"),
            channel=EMAIL if text("channel") == EMAIL else SMS,
            messages_per_minute=text("messages_per_minute", 12),
            always_running=bool(text("always_running")),
            callable_time_set_id=text("callable_time_set_id"),
            dnc_list_ids=many("dnc_list_ids"),
            contact_list_filter_ids=many("contact_list_filter_ids"),
            phone_column=text("phone_column"),
            sender_number=text("sender_number"),
            sms_template_id=text("sms_template_id"),
            message_column=text("message_column"),
            email_columns=text("email_columns", 4000),
            from_domain=text("from_domain"),
            from_local_part=text("from_local_part"),
            friendly_name=text("friendly_name"),
            email_template_id=text("email_template_id"),
            version=int(version) if version.isdigit() else 0,
        )

    @classmethod
    def of(cls, campaign: c.Campaign) -> CampaignForm:
        sms, email = campaign.sms_config, campaign.email_config
        return cls(
            name=campaign.name,
            division_id=campaign.division_id,
            contact_list_id=campaign.contact_list_id,
            channel=SMS if sms is not None else EMAIL,
            messages_per_minute=str(campaign.messages_per_minute),
            always_running=campaign.always_running,
            callable_time_set_id=campaign.callable_time_set_id or "",
            dnc_list_ids=list(campaign.dnc_list_ids),
            contact_list_filter_ids=list(campaign.contact_list_filter_ids),
            phone_column=sms.phone_column if sms else "",
            sender_number=sms.sender_number if sms else "",
            sms_template_id=(sms.content_template_id or "") if sms else "",
            message_column=(sms.message_column or "") if sms else "",
            email_columns=", ".join(email.email_columns) if email else "",
            from_domain=email.from_domain if email else "",
            from_local_part=email.from_local_part if email else "",
            friendly_name=(email.friendly_name or "") if email else "",
            email_template_id=(email.content_template_id or "") if email else "",
            version=campaign.version,
        )

    def own_problems(self) -> list[FieldProblem]:
        """What the form itself cannot turn into a campaign (the service checks the rest)."""
        if self.messages_per_minute.isdigit():
            return []
        return [FieldProblem("messagesPerMinute", "invalid.value", "a whole number")]

    def draft(self, status: str = c.OFF) -> c.Campaign:
        sms = email = None
        if self.channel == SMS:
            sms = c.SmsConfig(
                phone_column=self.phone_column,
                sender_number=self.sender_number,
                content_template_id=self.sms_template_id or None,
                message_column=self.message_column or None,
            )
        else:
            email = c.EmailConfig(
                email_columns=tuple(names(self.email_columns)),
                from_domain=self.from_domain,
                from_local_part=self.from_local_part,
                friendly_name=self.friendly_name or None,
                content_template_id=self.email_template_id or None,
            )
        return c.Campaign(
            id="",
            name=self.name,
            division_id=self.division_id,
            contact_list_id=self.contact_list_id,
            messages_per_minute=int(self.messages_per_minute or 0),
            status=status,
            sms_config=sms,
            email_config=email,
            callable_time_set_id=self.callable_time_set_id or None,
            dnc_list_ids=tuple(self.dnc_list_ids),
            contact_list_filter_ids=tuple(self.contact_list_filter_ids),
            always_running=self.always_running,
        )
