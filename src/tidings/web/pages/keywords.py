"""SMS keyword settings: the organisation's defaults and each sender number's own, edited
with forms. A field left empty is not set there (a number then takes the organisation's, the
organisation the built-in default); the service's field problems are shown by their fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from tidings.domain.errors import InvalidInput
from tidings.domain.keywords import KeywordAction, KeywordSettings
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.services.opt_outs import KEYWORDS_EDIT, SenderKeywords
from tidings.services.sms_numbers import NumberQuery
from tidings.web.forms import names
from tidings.web.rendering import SECURITY_HEADERS, allowed, page
from tidings.web.routing import ConsoleRoute
from tidings.web.session import User, container_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BASE = "/keywords"
Words = Annotated[str, Form(max_length=4000)]
Text = Annotated[str, Form(max_length=4000)]
# Form field → the name the service's field problems use.
FIELDS = (
    ("opt_out_keywords", "optOutKeywords"),
    ("opt_in_keywords", "optInKeywords"),
    ("help_keywords", "helpKeywords"),
    ("opt_out_text", "optOutText"),
    ("opt_in_text", "optInText"),
    ("help_text", "helpText"),
)


def _values(settings: KeywordSettings) -> dict[str, str]:
    """The settings as the form shows them (keywords comma-separated, unset empty)."""
    shown: dict[str, str] = {}
    for field, _ in FIELDS:
        value = getattr(settings, field)
        shown[field] = ", ".join(value) if isinstance(value, tuple) else (value or "")
    return shown


def _form(*values: str) -> dict[str, str]:
    """The posted fields by name, in FIELDS' order."""
    return {field: value for (field, _), value in zip(FIELDS, values, strict=True)}


def _settings(form: dict[str, str]) -> KeywordSettings:
    def words(field: str) -> tuple[str, ...] | None:
        return tuple(names(form[field])) or None

    def text(field: str) -> str | None:
        return form[field] if form[field].strip() else None

    return KeywordSettings(
        opt_out_keywords=words("opt_out_keywords"),
        opt_in_keywords=words("opt_in_keywords"),
        help_keywords=words("help_keywords"),
        opt_out_text=text("opt_out_text"),
        opt_in_text=text("opt_in_text"),
        help_text=text("help_text"),
    )


def _in_force(found: SenderKeywords) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {action.value: [] for action in KeywordAction}
    for word, action in sorted(found.rules.keywords.items()):
        grouped[action.value].append(word)
    return grouped


def _render(
    request: Request,
    user: User,
    found: SenderKeywords,
    status: int = 200,
    values: dict[str, str] | None = None,
    problems: dict[str, list[str]] | None = None,
    numbers: object = (),
) -> Response:
    return page(
        request,
        "keywords.html",
        status,
        found=found,
        values=values or _values(found.own),
        problems=problems or {},
        in_force=_in_force(found),
        can_edit=allowed(user, KEYWORDS_EDIT),
        numbers=numbers,
        action=f"{BASE}/numbers/{found.number.id}" if found.number else BASE,
        saved=status == 200 and request.query_params.get("saved") == "1",
    )


async def _numbers(request: Request, user: User) -> object:
    if not allowed(user, "sms:phoneNumber:view"):
        return []
    found, _ = await container_of(request).sms_numbers.find(
        user.caller, PageRequest(page_size=MAX_PAGE_SIZE), NumberQuery()
    )
    return found


async def _save(
    request: Request, user: User, number_id: str | None, form: dict[str, str]
) -> Response:
    service = container_of(request).keyword_settings
    try:
        if number_id is None:
            await service.set_organisation(user.caller, _settings(form))
        else:
            await service.set_number(user.caller, number_id, _settings(form))
    except InvalidInput as refused:
        problems: dict[str, list[str]] = {}
        for problem in refused.details:
            problems.setdefault(problem.field_name, []).append(problem.message)
        current = await (
            service.organisation(user.caller)
            if number_id is None
            else service.of_number(user.caller, number_id)
        )
        numbers = await _numbers(request, user) if number_id is None else ()
        return _render(request, user, current, 400, form, problems, numbers)
    target = BASE if number_id is None else f"{BASE}/numbers/{number_id}"
    return RedirectResponse(f"{target}?saved=1", status_code=303, headers=SECURITY_HEADERS)


@router.get(BASE)
async def organisation(request: Request, user: User) -> Response:
    found = await container_of(request).keyword_settings.organisation(user.caller)
    return _render(request, user, found, numbers=await _numbers(request, user))


@router.post(BASE)
async def save_organisation(
    request: Request,
    user: User,
    opt_out_keywords: Words = "",
    opt_in_keywords: Words = "",
    help_keywords: Words = "",
    opt_out_text: Text = "",
    opt_in_text: Text = "",
    help_text: Text = "",
) -> Response:
    form = _form(
        opt_out_keywords, opt_in_keywords, help_keywords, opt_out_text, opt_in_text, help_text
    )
    return await _save(request, user, None, form)


@router.get(BASE + "/numbers/{number_id}")
async def number(request: Request, user: User, number_id: str) -> Response:
    found = await container_of(request).keyword_settings.of_number(user.caller, number_id)
    return _render(request, user, found)


@router.post(BASE + "/numbers/{number_id}")
async def save_number(
    request: Request,
    user: User,
    number_id: str,
    opt_out_keywords: Words = "",
    opt_in_keywords: Words = "",
    help_keywords: Words = "",
    opt_out_text: Text = "",
    opt_in_text: Text = "",
    help_text: Text = "",
) -> Response:
    form = _form(
        opt_out_keywords, opt_in_keywords, help_keywords, opt_out_text, opt_in_text, help_text
    )
    return await _save(request, user, number_id, form)


@router.post(BASE + "/numbers/{number_id}/clear")
async def clear_number(request: Request, user: User, number_id: str) -> Response:
    """The number goes back to the organisation's settings."""
    await container_of(request).keyword_settings.clear_number(user.caller, number_id)
    return RedirectResponse(
        f"{BASE}/numbers/{number_id}", status_code=303, headers=SECURITY_HEADERS
    )
