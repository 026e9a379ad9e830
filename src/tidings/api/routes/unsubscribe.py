"""The one-click unsubscribe link of campaign e-mails (RFC 8058), outside /api/v2: a mail
provider POSTs `List-Unsubscribe=One-Click` to it without signing in; the link's tag
(domain/verp.py) proves which message, and so which recipient and sender, it is for.

A GET only asks: link scanners and previews open links, and must not unsubscribe anyone.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from tidings.api.deps import ContainerDep
from tidings.domain.verp import UNSUBSCRIBE_PATH, tagged_for_unsubscribe

router = APIRouter(tags=["Unsubscribe"], include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto">
<h1>{title}</h1>{body}</body></html>"""
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=title, body=body), status, headers=_HEADERS)


def _not_ours() -> HTMLResponse:
    return _page("Link not recognised", "<p>This unsubscribe link is not valid.</p>", 404)


@router.get(UNSUBSCRIBE_PATH + "/{message_id}/{tag}")
async def ask(message_id: str, tag: str, app: ContainerDep) -> HTMLResponse:
    if tagged_for_unsubscribe(app.verp_key, message_id, tag) is None:
        return _not_ours()
    action = escape(f"{UNSUBSCRIBE_PATH}/{message_id}/{tag}")
    return _page(
        "Unsubscribe",
        f'<form method="post" action="{action}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        "<p>Stop receiving these e-mails?</p>"
        '<button type="submit">Unsubscribe</button></form>',
    )


@router.post(UNSUBSCRIBE_PATH + "/{message_id}/{tag}")
async def unsubscribe(message_id: str, tag: str, app: ContainerDep) -> HTMLResponse:
    if not await app.inbound_mail.unsubscribe(message_id, tag):
        return _not_ours()
    return _page("Unsubscribed", "<p>You will get no more of these e-mails.</p>")
