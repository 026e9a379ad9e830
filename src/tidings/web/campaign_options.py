"""What the campaign form offers to choose from: only what the user may see (a section the
user may not read offers nothing; the service still checks every reference when saved)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tidings.bootstrap import Container
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.services.console_users import SignedIn
from tidings.services.sms_numbers import NumberQuery
from tidings.web.rendering import allowed

ALL = PageRequest(page_size=MAX_PAGE_SIZE)
Choice = tuple[str, str]  # (value, label)


@dataclass
class Options:
    contact_lists: list[Choice] = field(default_factory=list)
    dnc_lists: list[Choice] = field(default_factory=list)
    filters: list[Choice] = field(default_factory=list)
    callable_time_sets: list[Choice] = field(default_factory=list)
    sms_templates: list[Choice] = field(default_factory=list)
    email_templates: list[Choice] = field(default_factory=list)
    sms_numbers: list[str] = field(default_factory=list)
    email_domains: list[str] = field(default_factory=list)


async def choices(app: Container, user: SignedIn) -> Options:
    caller = user.caller
    found = Options()
    if allowed(user, "outbound:contactList:view"):
        lists, _, _ = await app.contact_lists.find(caller, ALL)
        found.contact_lists = [(item.id, item.name) for item in lists]
    names = dict(found.contact_lists)
    if allowed(user, "outbound:dncList:view"):
        dnc, _, _ = await app.dnc.find(caller, ALL)
        found.dnc_lists = [(d.id, f"{d.name} ({d.contact_method})") for d in dnc]
    if allowed(user, "outbound:contactListFilter:view"):
        filters, _ = await app.contact_filters.find(caller, ALL)
        found.filters = [
            (f.id, f"{f.name} (of {names.get(f.contact_list_id, f.contact_list_id)})")
            for f in filters
        ]
    if allowed(user, "outbound:callableTimeSet:view"):
        sets, _ = await app.callable_time_sets.find(caller, ALL, None)
        found.callable_time_sets = [(s.id, s.name) for s in sets]
    if allowed(user, "responses:response:view") and allowed(user, "responses:library:view"):
        libraries, _ = await app.responses.find_libraries(caller, ALL)
        seen: set[str] = set()
        for library in libraries:
            for template in (await app.responses.in_library(caller, library.id, ALL))[0]:
                if template.id in seen:
                    continue
                seen.add(template.id)
                if template.response_type == "CampaignSmsTemplate":
                    found.sms_templates.append((template.id, template.name))
                elif template.response_type == "CampaignEmailTemplate":
                    found.email_templates.append((template.id, template.name))
    if allowed(user, "sms:phoneNumber:view"):
        numbers, _ = await app.sms_numbers.find(caller, ALL, NumberQuery())
        found.sms_numbers = [n.phone_number for n in numbers if n.can_send]
    if allowed(user, "routing:email:manage"):
        domains, _ = await app.email_domains.find(caller, ALL, None)
        found.email_domains = [d.id for d in domains]
    return found
