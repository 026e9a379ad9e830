"""The console's template editor saves what its form shows and keeps the rest of the
response as the API set it."""

from __future__ import annotations

import uuid

from tests.support.console import create_user, signed_in
from tests.support.server import Server

RESPONSES = "/api/v2/responsemanagement/responses"
LIBRARIES = "/api/v2/responsemanagement/libraries"


def _library(server: Server, token: str) -> str:
    status, body, _ = server.request(
        "POST", LIBRARIES, token=token, json_body={"name": f"lib {uuid.uuid4().hex[:8]}"}
    )
    assert status == 200, body
    return str(body["id"])


def test_saving_a_template_in_the_console_keeps_its_other_libraries_and_defaults(
    server: Server, admin_token: str
) -> None:
    first, second = _library(server, admin_token), _library(server, admin_token)
    status, created, _ = server.request(
        "POST",
        RESPONSES,
        token=admin_token,
        json_body={
            "name": f"code {uuid.uuid4().hex[:8]}",
            "libraries": [{"id": first}, {"id": second}],
            "responseType": "CampaignSmsTemplate",
            "interactionType": "chat",
            "texts": [{"content": "Hi {{name}}, code {{code}}", "contentType": "text/plain"}],
            "substitutions": [{"id": "code", "defaultValue": "0000"}],
        },
    )
    assert status == 200, created
    client = signed_in(server, create_user(server, "admin"))
    page = client.get(f"/templates/{created['id']}").text
    assert f'<option value="{first}" selected>' in page  # one library shown, the first
    saved = client.post(
        "/templates/save",
        {
            "response_id": created["id"],
            "version": str(created["version"]),
            "name": created["name"],
            "library_id": first,
            "response_type": "CampaignSmsTemplate",
            "body": "Hello {{name}}, code {{code}}",
        },
    )
    assert saved.status_code == 303, saved.text
    status, found, _ = server.request("GET", f"{RESPONSES}/{created['id']}", token=admin_token)
    assert status == 200, found
    assert found["texts"][0]["content"] == "Hello {{name}}, code {{code}}"
    assert [ref["id"] for ref in found["libraries"]] == [first, second]
    assert found["substitutions"][0]["defaultValue"] == "0000"
    assert found["interactionType"] == "chat"
