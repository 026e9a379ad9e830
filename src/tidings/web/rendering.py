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

# The console's sections, and the permissions that open each (any of them, in any division).
# Campaigns open to either campaign permission, as the API's messagingcampaigns routes do.
CAMPAIGNS_VIEW = ("outbound:messagingCampaign:view", "outbound:emailCampaign:view")
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Contact lists", "/contact-lists", ("outbound:contactList:view",)),
    ("DNC lists", "/dnc-lists", ("outbound:dncList:view",)),
    ("Templates", "/templates", ("responses:response:view",)),
    ("Senders", "/senders", ("sms:phoneNumber:view",)),
    ("Simulator", "/simulator", ("conversation:message:create",)),
    ("Campaigns", "/campaigns", CAMPAIGNS_VIEW),
    ("Interactions", "/interactions", ("analytics:conversationDetail:view",)),
    ("Event log", "/events", ("outbound:eventLog:view",)),
    ("Opt-outs", "/opt-outs", ("sms:optOut:view",)),
    ("Keywords", "/keywords", ("sms:keywordSettings:view",)),
)


def sections(user: SignedIn | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    return [(name, path) for name, path, needs in SECTIONS if allowed_any(user, needs)]


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


def allowed_any(user: SignedIn, permissions: tuple[str, ...]) -> bool:
    """Does the user hold one of `permissions` somewhere?"""
    return any(allowed(user, permission) for permission in permissions)
