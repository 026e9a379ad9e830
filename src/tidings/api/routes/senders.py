"""`/api/v2/routing/sms/phonenumbers` and `/api/v2/routing/email/outbound/domains`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, PageDep, split_list
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.senders import (
    EmailOutboundDomainResultOut,
    OutboundDomainCreateRequest,
    OutboundDomainListing,
    OutboundDomainOut,
    SmsAlphanumericProvision,
    SmsPhoneNumberListing,
    SmsPhoneNumberOut,
    SmsPhoneNumberPatch,
    SmsPhoneNumberProvision,
)
from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.senders import PHONE_NUMBER_TYPES, status_from_filter
from tidings.services.sms_numbers import UNSET, NumberQuery

numbers = APIRouter(prefix="/api/v2/routing/sms/phonenumbers", tags=["Routing"])
domains = APIRouter(prefix="/api/v2/routing/email/outbound/domains", tags=["Routing"])

SORTABLE = (
    "phoneNumber",
    "name",
    "phoneNumberType",
    "phoneNumberStatus",
    "countryCode",
    "dateCreated",
    "dateModified",
)
_PATTERN = re.compile(r"[A-Za-z0-9 *.-]*")


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{field} is not valid", details=[FieldProblem(field, "invalid.value", message)]
    )


def like_pattern(raw: str | None, field: str) -> str | None:
    """`*` matches anything; without one, the text may appear anywhere (Genesys' rule)."""
    text = (raw or "").strip().lstrip("+").casefold()
    if not text or text.strip("*") == "":
        return None
    if not _PATTERN.fullmatch(text):
        raise _bad(field, "letters, digits and * (any characters)")
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped.replace("*", "%") if "*" in text else f"%{escaped}%"


def _number_query(
    phone_number: str | None,
    types: list[str],
    statuses: list[str],
    countries: list[str],
    sort_by: str | None,
    sort_order: str | None,
) -> NumberQuery:
    lowered = [t.lower() for t in types]
    if any(t not in PHONE_NUMBER_TYPES for t in lowered):
        raise _bad("phoneNumberType", ", ".join(PHONE_NUMBER_TYPES))
    wanted = [status_from_filter(s) for s in statuses]
    if any(s is None for s in wanted):
        raise _bad(
            "phoneNumberStatus",
            "active, invalid, initiated, porting, pending, pending-cancellation",
        )
    if any(not re.fullmatch(r"[A-Za-z]{2}", c) for c in countries):
        raise _bad("countryCode", "ISO 3166 codes, e.g. US")
    if sort_by is not None and sort_by not in SORTABLE:
        raise _bad("sortBy", ", ".join(SORTABLE))
    order = (sort_order or "ASC").upper()
    if order not in ("ASC", "DESC", "ASCENDING", "DESCENDING"):
        raise _bad("sortOrder", "ASC or DESC")
    return NumberQuery(
        pattern=like_pattern(phone_number, "phoneNumber"),
        types=lowered,
        statuses=[s for s in wanted if s is not None],
        countries=[c.upper() for c in countries],
        sort_by=sort_by or "phoneNumber",
        descending=order.startswith("DESC"),
    )


@numbers.get("", response_model=SmsPhoneNumberListing)
async def list_numbers(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: PageDep,
    phone_number: Annotated[str | None, Query(alias="phoneNumber", max_length=64)] = None,
    phone_number_type: Annotated[
        list[str] | None, Query(alias="phoneNumberType", max_length=100)
    ] = None,
    phone_number_status: Annotated[
        list[str] | None, Query(alias="phoneNumberStatus", max_length=100)
    ] = None,
    country_code: Annotated[list[str] | None, Query(alias="countryCode", max_length=100)] = None,
    sort_by: Annotated[str | None, Query(alias="sortBy", max_length=64)] = None,
    sort_order: Annotated[str | None, Query(alias="sortOrder", max_length=16)] = None,
) -> Response:
    query = _number_query(
        phone_number,
        split_list(phone_number_type),
        split_list(phone_number_status),
        split_list(country_code),
        sort_by,
        sort_order,
    )
    found, total = await app.sms_numbers.find(caller, page, query)
    return ok(envelope(request, page, [SmsPhoneNumberOut.of(n) for n in found], total))


@numbers.post("", response_model=SmsPhoneNumberOut)
async def provision_number(
    body: SmsPhoneNumberProvision, app: ContainerDep, caller: CallerDep
) -> Response:
    created = await app.sms_numbers.provision(
        caller, body.phone_number, body.phone_number_type, body.country_code, body.name
    )
    return ok(SmsPhoneNumberOut.of(created))


@numbers.post("/alphanumeric", response_model=SmsPhoneNumberOut)
async def provision_alphanumeric(
    body: SmsAlphanumericProvision, app: ContainerDep, caller: CallerDep
) -> Response:
    created = await app.sms_numbers.provision(caller, body.phone_number, "alphanumeric", None, None)
    return ok(SmsPhoneNumberOut.of(created))


@numbers.get("/{phone_number_id}", response_model=SmsPhoneNumberOut)
async def get_number(phone_number_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(SmsPhoneNumberOut.of(await app.sms_numbers.get(caller, phone_number_id)))


@numbers.patch("/{phone_number_id}", response_model=SmsPhoneNumberOut)
async def patch_number(
    phone_number_id: str, body: SmsPhoneNumberPatch, app: ContainerDep, caller: CallerDep
) -> Response:
    status = None
    if body.phone_number_status is not None:
        status = status_from_filter(body.phone_number_status)
        if status is None:
            raise _bad("phoneNumberStatus", "ACTIVE, INVALID, INITIATED, PORTING, PENDING, ...")
    name: Any = body.name if "name" in body.model_fields_set else UNSET
    updated = await app.sms_numbers.update(
        caller, phone_number_id, name=name, status=status, version=body.version
    )
    return ok(SmsPhoneNumberOut.of(updated))


@numbers.delete("/{phone_number_id}", status_code=204, response_class=Response)
async def delete_number(phone_number_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.sms_numbers.delete(caller, phone_number_id)
    return Response(status_code=204)


@domains.get("", response_model=OutboundDomainListing)
async def list_domains(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: PageDep,
    search: Annotated[str | None, Query(alias="filter", max_length=256)] = None,
) -> Response:
    found, total = await app.email_domains.find(caller, page, like_pattern(search, "filter"))
    return ok(envelope(request, page, [OutboundDomainOut.of(d) for d in found], total))


@domains.post("", response_model=EmailOutboundDomainResultOut)
async def create_domain(
    body: OutboundDomainCreateRequest, app: ContainerDep, caller: CallerDep
) -> Response:
    created = await app.email_domains.create(caller, body.id, body.name, body.sender_type)
    return ok(EmailOutboundDomainResultOut.of(created))


@domains.get("/{domain_id}", response_model=OutboundDomainOut)
async def get_domain(domain_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(OutboundDomainOut.of(await app.email_domains.get(caller, domain_id, view=True)))


@domains.delete("/{domain_id}", status_code=204, response_class=Response)
async def delete_domain(domain_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.email_domains.delete(caller, domain_id)
    return Response(status_code=204)


@domains.get("/{domain_id}/activation", response_model=EmailOutboundDomainResultOut)
async def get_activation(domain_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    """The verdicts of the last check (PENDING before the first)."""
    return ok(EmailOutboundDomainResultOut.of(await app.email_domains.get(caller, domain_id)))


@domains.put("/{domain_id}/activation", response_model=EmailOutboundDomainResultOut)
async def check_activation(domain_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    """Looks the records up in DNS now and stores the verdicts."""
    return ok(EmailOutboundDomainResultOut.of(await app.email_domains.check(caller, domain_id)))
