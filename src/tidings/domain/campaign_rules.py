"""What a campaign does with one contact: send it something, skip it (and why), or wait.

The checks run in the order Genesys users know from the dialer: the contact, its address,
the campaign's DNC lists, the opt-out list, the callable time, then the content. A skip
names its wrap-up code; the reason text is what the export and the event log show.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from tidings.domain import campaigns as c
from tidings.domain import sms_content
from tidings.domain.callable_times import CallableTimeSet
from tidings.domain.contact_lists import AddressCheck, Contact
from tidings.domain.responses import Response
from tidings.domain.templates import render, render_plain_text

MAX_SMS_CHARACTERS = sms_content.MAX_AGENTLESS_CHARACTERS


@dataclass(frozen=True)
class Content:
    text: str
    subject: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class Send:
    column: str
    address: str
    content: Content


@dataclass(frozen=True)
class Skip:
    wrapup: str
    reason: str
    column: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Wait:
    until: datetime
    column: str
    address: str


Decision = Send | Skip | Wait


@dataclass(frozen=True)
class Context:
    """What every contact of one claim is checked against, read once per claim."""

    campaign: c.Campaign
    now: datetime
    template: Response | None = None
    callable_times: CallableTimeSet | None = None
    dnc: Collection[str] = frozenset()  # addresses on the campaign's DNC lists
    opted_out: Collection[str] = frozenset()  # addresses opted out of this sender


def address_of(campaign: c.Campaign, contact: Contact) -> tuple[str, AddressCheck] | Skip:
    """The column and address to use, or why there is none."""
    if not contact.callable:
        return Skip(c.CONTACT_UNCONTACTABLE, "the contact is marked not callable")
    if campaign.sms_config is not None:
        column = campaign.sms_config.phone_column
        check = contact.addresses.get(column)
        sms_status = contact.contactable_status.get("SMS") or {}
        if sms_status.get("contactable") is False:
            return Skip(c.CONTACT_UNCONTACTABLE, "the contact is marked not contactable by SMS")
        if not contact.phone_number_status.get(column, True) or not _column_contactable(
            sms_status, column
        ):
            return Skip(c.NUMBER_UNCONTACTABLE, f"{column} is marked not callable", column)
        if check is None or check.address is None:
            reason = (check.reason if check else None) or "empty"
            return Skip(c.INVALID_PHONE, f"{column}: {reason}", column)
        return column, check
    assert campaign.email_config is not None
    email_status = contact.contactable_status.get("Email") or {}
    if email_status.get("contactable") is False:
        return Skip(c.CONTACT_UNCONTACTABLE, "the contact is marked not contactable by e-mail")
    reasons = []
    for column in campaign.email_config.email_columns:
        check = contact.addresses.get(column)
        if not _column_contactable(email_status, column):
            reasons.append(f"{column} is marked not contactable")
        elif check is None or check.address is None:
            reasons.append(f"{column}: {(check.reason if check else None) or 'empty'}")
        else:
            return column, check
    return Skip(c.ADDRESS_UNCONTACTABLE, "; ".join(reasons) or "no e-mail column")


def _column_contactable(status: dict[str, object], column: str) -> bool:
    """A channel's `contactableStatus` entry: {contactable, columnStatus: {column:
    {contactable}}}."""
    columns = status.get("columnStatus")
    flags = columns.get(column) if isinstance(columns, dict) else None
    return not (isinstance(flags, dict) and flags.get("contactable") is False)


def content_for(context: Context, contact: Contact) -> Content | Skip:
    campaign, template = context.campaign, context.template
    if campaign.sms_config is not None and campaign.sms_config.message_column:
        text = contact.data.get(campaign.sms_config.message_column, "")
        return _checked_sms(text)
    if template is None:
        return Skip(c.INVALID_TEMPLATE, "the campaign's content template no longer exists")
    if campaign.sms_config is not None:
        rendered = render(template.body or "", contact.data, template.substitutions)
        return _checked_sms(rendered.text)
    subject = render(template.subject or "", contact.data, template.substitutions).text
    body = render(
        template.body or "", contact.data, template.substitutions, escape=template.body_is_html
    ).text
    if not body.strip() or not subject.strip():
        return Skip(c.MESSAGE_BLANK, "the rendered subject or body is empty")
    if template.body_is_html:
        text = render_plain_text(template.body or "", contact.data, template.substitutions)
        return Content(text, subject=subject.strip(), html=body)
    return Content(body, subject=subject.strip())


def _checked_sms(text: str) -> Content | Skip:
    if not text.strip():
        return Skip(c.MESSAGE_BLANK, "the message is empty")
    if len(text) > MAX_SMS_CHARACTERS:
        return Skip(c.TOO_LONG, f"{len(text)} characters; at most {MAX_SMS_CHARACTERS}")
    return Content(text)


def decide(context: Context, contact: Contact) -> Decision:
    found = address_of(context.campaign, contact)
    if isinstance(found, Skip):
        return found
    column, check = found
    address = check.address or ""
    if address in context.dnc or address.casefold() in context.dnc:
        return Skip(c.DNC_SKIPPED, "the address is on a DNC list of the campaign", column, address)
    if address in context.opted_out:
        return Skip(c.OPTED_OUT, "the recipient opted out of this sender", column, address)
    times = context.callable_times
    if times is not None and not times.allows(context.now, check.time_zones):
        later = times.next_allowed(context.now, check.time_zones)
        if later is None:
            return Skip(
                c.NOT_CALLABLE_TIME, "the callable time set never allows it", column, address
            )
        return Wait(later, column, address)
    content = content_for(context, contact)
    if isinstance(content, Skip):
        return Skip(content.wrapup, content.reason, column, address)
    return Send(column, address, content)
