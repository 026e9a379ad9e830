"""Senders: SMS numbers, and e-mail domains with the DNS records to publish, their
verification state and a "check now" button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.domain.senders import PHONE_NUMBER_TYPES, EmailDomain, SmsNumber
from tidings.services.sms_numbers import NumberQuery
from tidings.web.rendering import SECURITY_HEADERS, allowed, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/senders"
VIEW_NUMBERS, MANAGE_DOMAINS = "sms:phoneNumber:view", "routing:email:manage"
ALL = PageRequest(page_size=MAX_PAGE_SIZE)


def _back() -> Response:
    return RedirectResponse(BASE, status_code=303, headers=SECURITY_HEADERS)


@router.get(BASE)
async def senders(request: Request, user: User) -> Response:
    app = container_of(request)
    shows_domains = allowed(user, MANAGE_DOMAINS)
    numbers: list[SmsNumber] = []
    if allowed(user, VIEW_NUMBERS) or not shows_domains:
        numbers, _ = await app.sms_numbers.find(user.caller, ALL, NumberQuery())  # 403 if neither
    domains: list[EmailDomain] = []
    if shows_domains:
        domains, _ = await app.email_domains.find(user.caller, ALL, None)
    return page(
        request,
        "senders.html",
        numbers=numbers,
        domains=domains,
        shows_numbers=allowed(user, VIEW_NUMBERS),
        shows_domains=shows_domains,
        can_add_number=allowed(user, "sms:phoneNumber:add"),
        number_types=PHONE_NUMBER_TYPES,
        shows_keywords=allowed(user, "sms:keywordSettings:view"),
    )


@router.post(BASE + "/numbers")
async def provision(
    request: Request,
    user: User,
    phone_number: Annotated[str, Form(max_length=64)],
    number_type: Annotated[str, Form(max_length=16)] = "mobile",
    country_code: Annotated[str, Form(max_length=2)] = "",
    name: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    await container_of(request).sms_numbers.provision(
        user.caller, phone_number, number_type, country_code or None, name or None
    )
    return _back()


@router.post(BASE + "/domains")
async def add_domain(
    request: Request, user: User, domain: Annotated[str, Form(max_length=253)]
) -> Response:
    await container_of(request).email_domains.create(user.caller, domain, None, None)
    return _back()


@router.post(BASE + "/domains/{domain}/check")
async def check_domain(request: Request, user: User, domain: str) -> Response:
    await container_of(request).email_domains.check(user.caller, domain)
    return RedirectResponse(f"{BASE}#domain-{domain}", status_code=303, headers=SECURITY_HEADERS)
