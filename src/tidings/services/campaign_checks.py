"""What a campaign refers to, checked against what exists: each problem names its field."""

from __future__ import annotations

from tidings.domain import campaigns as c
from tidings.domain.contact_lists import ContactList
from tidings.domain.errors import FieldProblem
from tidings.ports import UnitOfWork


def _missing(field: str, what: str) -> FieldProblem:
    return FieldProblem(field, "not.found", f"no {what} exists")


def _column_problems(campaign: c.Campaign, contact_list: ContactList) -> list[FieldProblem]:
    found = []
    columns = set(contact_list.column_names)
    for field, column in campaign.columns_used():
        if column not in columns:
            found.append(
                FieldProblem(field, "invalid.value", f"{column!r} is not a column of the list")
            )
    if campaign.sms_config is not None:
        phones = {p.column_name for p in contact_list.phone_columns}
        column = campaign.sms_config.phone_column
        if column in columns and column not in phones:
            found.append(
                FieldProblem(
                    "smsConfig.phoneColumn", "invalid.value", f"{column!r} is not a phone column"
                )
            )
    if campaign.email_config is not None:
        emails = {e.column_name for e in contact_list.email_columns}
        for i, column in enumerate(campaign.email_config.email_columns):
            if column in columns and column not in emails:
                found.append(
                    FieldProblem(
                        f"emailConfig.emailColumns[{i}]",
                        "invalid.value",
                        f"{column!r} is not an e-mail column",
                    )
                )
    return found


async def _sender_problems(
    uow: UnitOfWork, campaign: c.Campaign, require_verified: bool
) -> tuple[list[FieldProblem], list[c.CampaignError]]:
    if campaign.sms_config is not None:
        number = await uow.sms_numbers.find_by_address(campaign.sms_config.sender_number)
        if number is None or not number.can_send:
            return [
                FieldProblem(
                    "smsConfig.senderSmsPhoneNumber.phoneNumber",
                    "not.found",
                    f"{campaign.sms_config.sender_number} is not a provisioned SMS number "
                    "(see /api/v2/routing/sms/phonenumbers)",
                )
            ], []
        return [], []
    assert campaign.email_config is not None
    name = campaign.email_config.from_domain
    domain = await uow.email_domains.get(name)
    if domain is None:
        return [
            FieldProblem(
                "emailConfig.fromAddress.domain.id",
                "not.found",
                f"{name} is not a provisioned outbound e-mail domain "
                "(see /api/v2/routing/email/outbound/domains)",
            )
        ], []
    if domain.verified:
        return [], []
    text = (
        f"the DNS records of {name} are not verified yet: receivers may reject or file the "
        "messages as spam (PUT /api/v2/routing/email/outbound/domains/{id}/activation)"
    )
    if require_verified:
        return [FieldProblem("emailConfig.fromAddress.domain.id", "domain.not.verified", text)], []
    return [], [c.CampaignError("domain.not.verified", text)]


async def reference_problems(
    uow: UnitOfWork, campaign: c.Campaign, require_verified: bool
) -> tuple[list[FieldProblem], list[c.CampaignError]]:
    """Problems (refuse the change) and warnings (kept on the campaign's `errors`)."""
    problems: list[FieldProblem] = []
    contact_list = await uow.contact_lists.get(campaign.contact_list_id)
    if contact_list is None:
        problems.append(_missing("contactList.id", f"contact list {campaign.contact_list_id}"))
    else:
        problems += _column_problems(campaign, contact_list)
    if campaign.template_id:
        template = await uow.responses.get(campaign.template_id)
        field = f"{'smsConfig' if campaign.sms_config else 'emailConfig'}.contentTemplate.id"
        if template is None:
            problems.append(_missing(field, f"response {campaign.template_id}"))
        elif template.response_type not in c.TEMPLATE_TYPES[campaign.media_type]:
            wanted = c.TEMPLATE_TYPES[campaign.media_type][0]
            problems.append(
                FieldProblem(
                    field,
                    "invalid.value",
                    f"a {campaign.type} campaign takes a {wanted} response, not "
                    f"{template.response_type or 'an untyped one'}",
                )
            )
    sender, warnings = await _sender_problems(uow, campaign, require_verified)
    problems += sender
    kind = "phone" if campaign.sms_config is not None else "email"
    for i, list_id in enumerate(campaign.dnc_list_ids):
        dnc = await uow.dnc.get(list_id)
        if dnc is None:
            problems.append(_missing(f"dncLists[{i}].id", f"DNC list {list_id}"))
        elif not dnc.takes(kind):
            problems.append(
                FieldProblem(
                    f"dncLists[{i}].id",
                    "invalid.value",
                    f"the DNC list holds {dnc.contact_method} entries; this campaign sends {kind}",
                )
            )
    for i, filter_id in enumerate(campaign.contact_list_filter_ids):
        found = await uow.contact_filters.get(filter_id)
        if found is None:
            problems.append(_missing(f"contactListFilters[{i}].id", f"filter {filter_id}"))
        elif found.contact_list_id != campaign.contact_list_id:
            problems.append(
                FieldProblem(
                    f"contactListFilters[{i}].id",
                    "invalid.value",
                    "the filter belongs to another contact list",
                )
            )
    if campaign.callable_time_set_id and (
        await uow.callable_time_sets.get(campaign.callable_time_set_id) is None
    ):
        problems.append(
            _missing("callableTimeSet.id", f"callable time set {campaign.callable_time_set_id}")
        )
    return problems, warnings
