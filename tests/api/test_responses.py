"""Response Management (content templates) through the official SDK, and previews."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.support.server import Server

LIBRARIES = "/api/v2/responsemanagement/libraries"
RESPONSES = "/api/v2/responsemanagement/responses"


def _text(content: str, content_type: str = "text/plain", kind: str = "body") -> Any:
    text = gc.ResponseText()
    text.content, text.content_type, text.type = content, content_type, kind
    return text


def _ref(entity_id: str) -> Any:
    ref = gc.DomainEntityRef()
    ref.id = entity_id
    return ref


def _library(api: Any, name: str) -> Any:
    body = gc.Library()
    body.name = name
    return api.post_responsemanagement_libraries(body)


def _sms(name: str, library_id: str, content: str = "Hi {{first}}, code {{code}}") -> Any:
    body = gc.Response()
    body.name = name
    body.libraries = [_ref(library_id)]
    body.texts = [_text(content)]
    body.response_type = "CampaignSmsTemplate"
    code = gc.ResponseSubstitution()
    code.id, code.default_value, code.description = "code", "0000", "one-time code"
    body.substitutions = [code]
    return body


def _email(name: str, library_id: str) -> Any:
    body = gc.Response()
    body.name = name
    body.libraries = [_ref(library_id)]
    body.texts = [
        _text("Your invoice, {{first}}", kind="subject"),
        _text(
            "<p>Dear {{first}},</p><p>see <a href='https://pay.example'>here</a></p>", "text/html"
        ),
    ]
    body.response_type = "CampaignEmailTemplate"
    return body


@pytest.fixture
def api(admin_sdk: Any) -> Any:
    return gc.ResponseManagementApi(admin_sdk)


def test_library_crud(api: Any, unique: Callable[[str], str]) -> None:
    created = _library(api, unique("Billing"))
    assert created.version == 1 and created.division.id
    assert api.get_responsemanagement_library(created.id).name == created.name
    listed = api.get_responsemanagement_libraries(library_prefix=created.name[:10], page_size=100)
    assert created.id in [lib.id for lib in listed.entities]
    created.name = unique("Billing renamed")
    renamed = api.put_responsemanagement_library(created.id, created)
    assert (renamed.name, renamed.version) == (created.name, 2)
    with pytest.raises(ApiException) as stale:
        api.put_responsemanagement_library(created.id, created)
    assert stale.value.status == 409
    batch = gc.LibraryBatchRequest()
    batch.library_ids = [created.id, "no-such-library"]
    assert [lib.id for lib in api.post_responsemanagement_libraries_bulk(batch).entities] == [
        created.id
    ]
    api.delete_responsemanagement_library(created.id)
    with pytest.raises(ApiException) as gone:
        api.get_responsemanagement_library(created.id)
    assert gone.value.status == 404


def test_response_crud_list_and_query(api: Any, unique: Callable[[str], str]) -> None:
    library = _library(api, unique("Reminders"))
    sms = api.post_responsemanagement_responses(_sms(unique("Code"), library.id))
    email = api.post_responsemanagement_responses(_email(unique("Invoice"), library.id))
    assert sms.version == 1 and sms.libraries[0].id == library.id
    assert [s.default_value for s in sms.substitutions] == ["0000"]

    listed = api.get_responsemanagement_responses(library.id, expand="substitutionsSchema")
    assert listed.total == 2
    schema = next(r for r in listed.entities if r.id == sms.id).substitutions_schema
    assert schema.properties == {
        "code": {"type": "string", "description": "one-time code", "default": "0000"}
    }

    query = gc.ResponseQueryRequest()
    by_library = gc.ResponseFilter()
    by_library.name, by_library.operator, by_library.values = "libraryId", "EQUALS", [library.id]
    by_type = gc.ResponseFilter()
    by_type.name, by_type.operator = "responseType", "IN"
    by_type.values = ["CampaignEmailTemplate"]
    query.filters = [by_library, by_type]
    found = api.post_responsemanagement_responses_query(query).results
    assert [r.id for r in found.entities] == [email.id] and found.total == 1
    query.filters, query.query_phrase = [by_library], "code"
    assert [r.id for r in api.post_responsemanagement_responses_query(query).results.entities] == [
        sms.id
    ]

    sms.texts = [_text("Hello {{first}}")]
    updated = api.put_responsemanagement_response(sms.id, sms)
    assert updated.version == 2 and updated.texts[0].content == "Hello {{first}}"
    with pytest.raises(ApiException) as stale:
        api.put_responsemanagement_response(sms.id, sms)
    assert stale.value.status == 409
    api.delete_responsemanagement_response(sms.id)
    with pytest.raises(ApiException) as gone:
        api.get_responsemanagement_response(sms.id)
    assert gone.value.status == 404


def test_deleting_a_library_deletes_the_responses_only_it_holds(
    api: Any, unique: Callable[[str], str]
) -> None:
    doomed, kept = _library(api, unique("Old")), _library(api, unique("Kept"))
    alone = api.post_responsemanagement_responses(_sms(unique("alone"), doomed.id))
    shared_body = _sms(unique("shared"), doomed.id)
    shared_body.libraries = [_ref(doomed.id), _ref(kept.id)]
    shared = api.post_responsemanagement_responses(shared_body)
    api.delete_responsemanagement_library(doomed.id)
    with pytest.raises(ApiException) as gone:
        api.get_responsemanagement_response(alone.id)
    assert gone.value.status == 404
    assert [lib.id for lib in api.get_responsemanagement_response(shared.id).libraries] == [kept.id]


def _response_body(library_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "bad",
        "libraries": [{"id": library_id}],
        "texts": [{"content": "Hi {{first}}", "contentType": "text/plain", "type": "body"}],
        "responseType": "CampaignSmsTemplate",
    }
    body.update(changes)
    return body


BAD_RESPONSES: list[tuple[dict[str, Any], str]] = [
    ({"name": " "}, "name"),
    ({"libraries": []}, "libraries"),
    ({"libraries": [{"id": "no-such-library"}]}, "libraries[0].id"),
    ({"responseType": "Form"}, "responseType"),
    ({"responseType": "Telegram"}, "responseType"),
    ({"texts": []}, "texts"),
    (
        {"texts": [{"content": "<b>x</b>", "contentType": "text/html", "type": "body"}]},
        "texts",
    ),
    ({"responseType": "CampaignEmailTemplate"}, "texts"),
    (
        {"texts": [{"content": "x", "contentType": "text/rtf"}], "responseType": None},
        "texts[0].contentType",
    ),
    ({"substitutions": [{"id": "a"}, {"id": "a"}]}, "substitutions[1].id"),
    ({"interactionType": "fax"}, "interactionType"),
    ({"messagingTemplate": {"whatsApp": {"name": "x"}}}, "messagingTemplate"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_RESPONSES)
def test_bad_responses_are_refused_naming_the_field_and_nothing_is_created(
    server: Server,
    admin_token: str,
    api: Any,
    unique: Callable[[str], str],
    changes: dict[str, Any],
    field: str,
) -> None:
    library = _library(api, unique("bad"))
    status, body, _ = server.request(
        "POST", RESPONSES, token=admin_token, json_body=_response_body(library.id, **changes)
    )
    assert status == 400, body
    assert field in {d["fieldName"] for d in body["details"]}, body
    assert api.get_responsemanagement_responses(library.id).total == 0


def test_a_bad_update_changes_nothing(
    server: Server, admin_token: str, api: Any, unique: Callable[[str], str]
) -> None:
    library = _library(api, unique("upd"))
    created = api.post_responsemanagement_responses(_sms(unique("keep"), library.id))
    status, body, _ = server.request(
        "PUT",
        f"{RESPONSES}/{created.id}",
        token=admin_token,
        json_body=_response_body(library.id, version=1, texts=[]),
    )
    assert status == 400 and "texts" in {d["fieldName"] for d in body["details"]}
    status, body, _ = server.request(
        "PUT", f"{RESPONSES}/{created.id}", token=admin_token, json_body=_response_body(library.id)
    )
    assert status == 400 and "version" in {d["fieldName"] for d in body["details"]}
    again = api.get_responsemanagement_response(created.id)
    assert (again.version, again.texts[0].content) == (1, created.texts[0].content)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", RESPONSES, None, "libraryId"),
        ("GET", LIBRARIES + "?messagingTemplateFilter=whatsapp", None, "messagingTemplateFilter"),
        ("POST", LIBRARIES + "/bulk", {"libraryIds": []}, "libraryIds"),
        ("POST", LIBRARIES, {"name": "  "}, "name"),
        ("POST", RESPONSES + "/query", {"pageSize": 501}, "pageSize"),
        (
            "POST",
            RESPONSES + "/query",
            {"filters": [{"name": "colour", "operator": "IN", "values": ["x"]}]},
            "filters[0].name",
        ),
    ],
)
def test_bad_requests_name_the_field(
    server: Server, admin_token: str, method: str, path: str, body: Any, field: str
) -> None:
    status, answer, _ = server.request(method, path, token=admin_token, json_body=body)
    assert status == 400, answer
    assert field in {d["fieldName"] for d in answer["details"]}, answer


def test_library_names_are_unique(api: Any, unique: Callable[[str], str]) -> None:
    name = unique("Same")
    _library(api, name)
    with pytest.raises(ApiException) as taken:
        _library(api, name.upper())
    assert taken.value.status == 409


def test_a_saved_response_previews_with_a_stored_contact(
    server: Server, admin_token: str, api: Any, unique: Callable[[str], str]
) -> None:
    library = _library(api, unique("preview"))
    long_text = (
        "Hi {{first}} {{nickname}}, code {{code}}. " + "x" * 130 + " https://pay.example/i/12345"
    )
    response = api.post_responsemanagement_responses(_sms(unique("long"), library.id, long_text))
    contact_list = server.request(
        "POST",
        "/api/v2/outbound/contactlists",
        token=admin_token,
        json_body={
            "name": unique("preview list"),
            "columnNames": ["phone", "first"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )[1]
    server.request(
        "POST",
        f"/api/v2/outbound/contactlists/{contact_list['id']}/contacts",
        token=admin_token,
        json_body=[{"id": "c1", "data": {"phone": "+13175550100", "first": "Ann"}}],
    )
    status, shown, _ = server.request(
        "POST",
        f"{RESPONSES}/{response.id}/preview",
        token=admin_token,
        json_body={"contactListId": contact_list["id"], "contactId": "c1"},
    )
    assert status == 200, shown
    assert shown["body"].startswith("Hi Ann , code 0000.")
    assert (shown["encoding"], shown["segmentCount"]) == ("GSM-7", 2)
    assert shown["characterCount"] == len(shown["body"])
    codes = {w["code"] for w in shown["warnings"]}
    assert codes == {"placeholder.unknown", "sms.segments", "sms.link.split"}

    status, shown, _ = server.request(
        "POST",
        f"{RESPONSES}/{response.id}/preview",
        token=admin_token,
        json_body={"contact": {"data": {"first": "Bo"}}, "substitutions": {"code": "42"}},
    )
    assert status == 200 and "code 42." in shown["body"]


def test_an_unsaved_email_template_previews_with_escaped_values(
    server: Server, admin_token: str
) -> None:
    status, shown, _ = server.request(
        "POST",
        RESPONSES + "/preview",
        token=admin_token,
        json_body={
            "responseType": "CampaignEmailTemplate",
            "texts": [
                {"content": "For {{first}}", "contentType": "text/plain", "type": "subject"},
                {"content": "<p>Hi {{first}}</p>", "contentType": "text/html", "type": "body"},
            ],
            "contact": {"data": {"first": "<Ann>"}},
        },
    )
    assert status == 200, shown
    assert (shown["subject"], shown["body"], shown["textBody"]) == (
        "For <Ann>",
        "<p>Hi &lt;Ann&gt;</p>",
        "Hi <Ann>",
    )
    assert "encoding" not in shown and shown["warnings"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"texts": []}, "texts"),
        ({"contactId": "c1"}, "contactListId"),
        ({"contactListId": "x"}, "contactId"),
        ({"contactListId": "x", "contactId": "c1", "contact": {"data": {}}}, "contact"),
    ],
)
def test_bad_previews_name_the_field(
    server: Server, admin_token: str, body: dict[str, Any], field: str
) -> None:
    texts = [{"content": "Hi", "contentType": "text/plain", "type": "body"}]
    status, answer, _ = server.request(
        "POST", RESPONSES + "/preview", token=admin_token, json_body={"texts": texts, **body}
    )
    assert status == 400, answer
    assert field in {d["fieldName"] for d in answer["details"]}, answer


def test_a_division_holding_a_library_cannot_be_deleted(
    server: Server, admin_token: str, unique: Callable[[str], str]
) -> None:
    division = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": unique("d")},
    )[1]
    status, library, _ = server.request(
        "POST",
        LIBRARIES,
        token=admin_token,
        json_body={"name": unique("in d"), "division": {"id": division["id"]}},
    )
    assert status == 200 and library["division"]["id"] == division["id"]
    status, refused, _ = server.request(
        "DELETE", f"/api/v2/authorization/divisions/{division['id']}", token=admin_token
    )
    assert status == 400 and "response library" in refused["message"], refused


def test_a_caller_sees_only_the_responses_of_libraries_in_its_divisions(
    server: Server, admin_token: str, api: Any, unique: Callable[[str], str]
) -> None:
    division = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": unique("d")},
    )[1]
    theirs = server.request(
        "POST",
        LIBRARIES,
        token=admin_token,
        json_body={"name": unique("theirs"), "division": {"id": division["id"]}},
    )[1]
    home = _library(api, unique("home"))
    visible = api.post_responsemanagement_responses(_sms(unique("visible"), theirs["id"]))
    hidden = api.post_responsemanagement_responses(_sms(unique("hidden"), home.id))
    token = server.token(server.create_client(unique("d admin"), f"admin@{division['id']}"))
    found = server.request("POST", RESPONSES + "/query", token=token, json_body={"pageSize": 500})[
        1
    ]["results"]
    ids = {r["id"] for r in found["entities"]}
    assert visible.id in ids and hidden.id not in ids
    status, _, _ = server.request("GET", f"{RESPONSES}/{hidden.id}", token=token)
    assert status == 404
    libraries = server.request("GET", LIBRARIES + "?pageSize=100", token=token)[1]
    assert [lib["id"] for lib in libraries["entities"]] == [theirs["id"]]


def test_a_put_of_name_libraries_and_texts_alone_keeps_the_type_and_defaults(
    server: Server, admin_token: str, api: Any, unique: Callable[[str], str]
) -> None:
    """Genesys documents a PUT as changing name, libraries and texts: a client that sends
    only those must not turn a campaign's template into an untyped one without defaults."""
    library = _library(api, unique("put"))
    created = api.post_responsemanagement_responses(_sms(unique("typed"), library.id))
    body = _response_body(library.id, name=created.name, version=created.version)
    del body["responseType"]
    status, answer, _ = server.request(
        "PUT", f"{RESPONSES}/{created.id}", token=admin_token, json_body=body
    )
    assert status == 200, answer
    again = api.get_responsemanagement_response(created.id)
    assert again.texts[0].content == "Hi {{first}}"
    assert again.response_type == "CampaignSmsTemplate"
    assert [(s.id, s.default_value) for s in again.substitutions] == [("code", "0000")]
    # Sent, they are replaced: an empty list of substitutions clears them.
    body = {**body, "version": again.version, "substitutions": []}
    status, answer, _ = server.request(
        "PUT", f"{RESPONSES}/{created.id}", token=admin_token, json_body=body
    )
    assert status == 200, answer
    assert api.get_responsemanagement_response(created.id).substitutions in (None, [])
