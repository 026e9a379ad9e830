"""Pages: Jinja2 templates (autoescaped: contact data and message texts are shown as text),
the sections a user may open, and the headers every page carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from tidings.services.console_users import SignedIn
from tidings.web.session import CSRF_FIELD

HERE = Path(__file__).parent
STATIC = HERE / "static"

_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# Scripts and styles come from our own files only: injected markup cannot run a script.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}

# The console's sections, and the permission that opens each (any division will do).
SECTIONS = (
    ("Contact lists", "/contact-lists", "outbound:contactList:view"),
    ("DNC lists", "/dnc-lists", "outbound:dncList:view"),
    ("Templates", "/templates", "responses:response:view"),
    ("Senders", "/senders", "sms:phoneNumber:view"),
    ("Simulator", "/simulator", "conversation:message:create"),
    ("Campaigns", "/campaigns", "outbound:messagingCampaign:view"),
    ("Interactions", "/interactions", "analytics:conversationDetail:view"),
    ("Event log", "/events", "outbound:eventLog:view"),
    ("Opt-outs", "/opt-outs", "sms:optOut:view"),
    ("Keywords", "/keywords", "sms:keywordSettings:view"),
)


def sections(user: SignedIn | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    return [(name, path) for name, path, need in SECTIONS if user.caller.access.scope(need)]


def page(request: Request, template: str, status: int = 200, /, **context: Any) -> HTMLResponse:
    user: SignedIn | None = getattr(request.state, "signed_in", None)
    html = _templates.get_template(template).render(
        user=user,
        sections=sections(user),
        csrf_field=CSRF_FIELD,
        csrf_token=user.csrf_token if user else "",
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def allowed(user: SignedIn, permission: str) -> bool:
    """Does the user hold `permission` somewhere (to show a form or a button)?"""
    return bool(user.caller.access.scope(permission))
