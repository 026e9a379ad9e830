"""A console user who holds the e-mail campaign permissions and not the SMS campaign ones
sees the Campaigns section and uses it: the menu entry, the dashboard, the form (which starts
on the e-mail fields and offers the user's divisions), the switch and the attempt history.

No built-in role holds one of the two permission families without the other, so this test
adds such a role in its own process and serves the console there, over the database of the
session's server (whose dispatcher runs the campaign)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.support.console import PASSWORD
from tests.support.server import Server
from tidings.bootstrap import build
from tidings.config import Settings
from tidings.domain import permissions
from tidings.domain.permissions import ALL_DIVISIONS, Grant, Role
from tidings.server import compose

EMAIL_CAMPAIGNS_ONLY = Role(
    "emailCampaignsOnly (test)",
    "E-mail campaigns and what they refer to; no SMS campaign permission.",
    (
        "outbound:emailCampaign:*",
        "outbound:contactList:view",
        "responses:*:view",
        "routing:email:*",
        "authorization:division:view",
    ),
)
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def email_only_role(monkeypatch: pytest.MonkeyPatch) -> Iterator[Role]:
    role = EMAIL_CAMPAIGNS_ONLY
    monkeypatch.setitem(permissions.ROLES_BY_ID, role.id, role)
    monkeypatch.setitem(permissions.ROLES_BY_NAME, role.name.lower(), role)
    yield role


def _api(server: Server, token: str, method: str, path: str, body: object) -> dict[str, object]:
    status, answer, _ = server.request(method, path, token=token, json_body=body)
    assert status == 200, answer
    assert isinstance(answer, dict)
    return answer


def _references(server: Server, token: str) -> tuple[str, str, str]:
    """A contact list with an e-mail column, an e-mail template and a sending domain."""
    suffix = uuid.uuid4().hex[:6]
    contact_list = _api(
        server,
        token,
        "POST",
        "/api/v2/outbound/contactlists",
        {
            "name": f"0 0 e-mail list {suffix}",  # first in the form's choice
            "columnNames": ["email", "first"],
            "emailColumns": [{"columnName": "email", "type": "work"}],
        },
    )
    status, body, _ = server.request(
        "POST",
        f"/api/v2/outbound/contactlists/{contact_list['id']}/contacts",
        token=token,
        json_body=[
            {"id": f"e-{i}", "data": {"email": f"reader{i}@example.com", "first": f"R{i}"}}
            for i in range(3)
        ],
    )
    assert status == 200, body
    library = _api(
        server, token, "POST", "/api/v2/responsemanagement/libraries", {"name": f"lib {suffix}"}
    )
    template = _api(
        server,
        token,
        "POST",
        "/api/v2/responsemanagement/responses",
        {
            "name": f"0 0 newsletter {suffix}",
            "libraries": [{"id": library["id"]}],
            "responseType": "CampaignEmailTemplate",
            "texts": [
                {"content": "News for {{first}}", "contentType": "text/plain", "type": "subject"},
                {"content": "<p>Hello {{first}}</p>", "contentType": "text/html", "type": "body"},
            ],
        },
    )
    domain = f"news-{suffix}.example.com"
    _api(
        server,
        token,
        "POST",
        "/api/v2/routing/email/outbound/domains",
        {"id": domain, "name": domain},
    )
    return str(contact_list["id"]), str(template["id"]), domain


@pytest.fixture
async def console(
    server: Server, email_only_role: Role, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The console in this process, signed in as a user of the e-mail-only role."""
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    container = build(
        Settings(data_dir=tmp_path / "data", database_url=url, console_secure_cookies=False)
    )
    app = compose(container, run_dispatcher=False)  # the session's server dispatches
    email = f"email-only-{uuid.uuid4().hex[:8]}@example.com"
    try:
        await container.console_users.create(
            email, PASSWORD, [Grant(email_only_role.id, ALL_DIVISIONS)]
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            form = await client.get("/sign-in")
            token = _CSRF.search(form.text)
            assert token
            data = {"csrf_token": token.group(1), "email": email, "password": PASSWORD}
            signed = await client.post("/sign-in", data={**data, "next": "/"})
            assert signed.status_code == 303, signed.text
            yield client
    finally:
        await container.close()


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def test_email_campaign_permissions_alone_open_the_campaign_pages(
    server: Server, admin_token: str, console: httpx.AsyncClient
) -> None:
    list_id, template_id, domain = _references(server, admin_token)

    home = await console.get("/")
    assert home.status_code == 303  # to the first section the user may open
    dashboard = await console.get("/campaigns")
    assert dashboard.status_code == 200, dashboard.text
    assert 'href="/campaigns"' in dashboard.text  # the menu entry
    assert 'href="/campaigns/new"' in dashboard.text  # may add

    form = await console.get("/campaigns/new")
    assert form.status_code == 200, form.text
    assert re.search(r'<option value="email" selected>', form.text)  # starts on e-mail
    assert 'name="division_id"' in form.text  # where it may place one: every division

    name = f"0 0 e-mail only {uuid.uuid4().hex[:6]}"
    created = await console.post(
        "/campaigns/new",
        data={
            "csrf_token": _csrf(form.text),
            "name": name,
            "contact_list_id": list_id,
            "channel": "email",
            "email_columns": "email",
            "from_domain": domain,
            "from_local_part": "news",
            "email_template_id": template_id,
            "messages_per_minute": "600",
        },
    )
    assert created.status_code == 303, created.text
    campaign_id = created.headers["location"].split("created=")[1]

    dashboard = await console.get("/campaigns")
    row = dashboard.text[dashboard.text.index(f'data-campaign="{campaign_id}"') :]
    assert name in row.split("</tr>")[0] and "EMAIL" in row.split("</tr>")[0]

    switched = await console.post(
        f"/campaigns/{campaign_id}/switch",
        data={"state": "on"},
        headers={"x-csrf-token": _csrf(dashboard.text), "accept": "application/json"},
    )
    assert switched.status_code == 200, switched.text
    assert orjson.loads(switched.content)["status"] in ("on", "complete")

    edit = await console.get(f"/campaigns/{campaign_id}/edit")
    assert edit.status_code == 200 and name in edit.text
    attempts = await console.get(f"/campaigns/{campaign_id}/attempts")
    assert attempts.status_code == 200 and "attempts" in attempts.text
    assert (await console.get(f"/campaigns/{campaign_id}/attempts.csv")).status_code == 200


async def test_the_menu_offers_campaigns_to_either_permission_only(
    console: httpx.AsyncClient,
) -> None:
    page = (await console.get("/contact-lists")).text
    assert 'href="/campaigns"' in page
    assert 'href="/simulator"' not in page  # nothing the role does not hold
