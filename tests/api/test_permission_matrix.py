"""For every route: a caller without the permission gets 403 naming it, a caller whose grants
are in another division gets 404 for objects outside it, and the admin succeeds.

Every later feature adds its routes to MATRIX; `test_every_route_is_in_the_matrix` fails
until it does."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.numbers import fresh_number
from tests.support.server import Server
from tests.support.uploads import upload_form, wait_for_import
from tidings.domain.permissions import BUILTIN_ROLES, covers

Prepare = Callable[[Server, str], dict[str, str]]


def _created(answer: tuple[int, Any, dict[str, str]]) -> Any:
    # A setup call that fails must say why: a bare KeyError on "id" once hid a flaky CI failure.
    status, body, _ = answer
    assert status == 200, f"setup call answered {status}: {body}"
    return body


def _new_client(server: Server, token: str) -> dict[str, str]:
    body = _created(
        server.request(
            "POST",
            "/api/v2/oauth/clients",
            token=token,
            json_body={
                "name": f"matrix-{uuid.uuid4().hex[:6]}",
                "authorizedGrantType": "CLIENT-CREDENTIALS",
            },
        )
    )
    return {"client_id": body["id"]}


def _new_division(server: Server, token: str) -> dict[str, str]:
    body = _created(
        server.request(
            "POST",
            "/api/v2/authorization/divisions",
            token=token,
            json_body={"name": f"matrix-{uuid.uuid4().hex[:6]}"},
        )
    )
    return {"division_id": body["id"]}


def _home(server: Server, token: str) -> dict[str, str]:
    body = server.request("GET", "/api/v2/authorization/divisions/home", token=token)[1]
    return {"division_id": body["id"]}


def _sender_role(server: Server, token: str) -> dict[str, str]:
    return {"role_id": next(r.id for r in BUILTIN_ROLES if r.name == "sender")}


def _new_list(server: Server, token: str) -> dict[str, str]:
    body = _created(
        server.request(
            "POST",
            "/api/v2/outbound/contactlists",
            token=token,
            json_body={
                "name": f"matrix-{uuid.uuid4().hex[:6]}",
                "columnNames": ["phone", "first"],
                "phoneColumns": [{"columnName": "phone", "type": "cell"}],
            },
        )
    )
    return {"list_id": body["id"]}


def _list_with_contact(server: Server, token: str) -> dict[str, str]:
    params = _new_list(server, token)
    contact = server.request(
        "POST",
        f"/api/v2/outbound/contactlists/{params['list_id']}/contacts",
        token=token,
        json_body=[{"id": "c1", "data": {"phone": "+13175550100", "first": "Ann"}}],
    )[1][0]
    return {**params, "contact_id": contact["id"]}


def _new_time_set(server: Server, token: str) -> dict[str, str]:
    body = _created(
        server.request(
            "POST",
            "/api/v2/outbound/callabletimesets",
            token=token,
            json_body={"name": f"matrix-{uuid.uuid4().hex[:6]}", "callableTimes": TIMES},
        )
    )
    return {"set_id": body["id"]}


def _new_dnc_list(server: Server, token: str) -> dict[str, str]:
    body = _created(
        server.request(
            "POST",
            DNC,
            token=token,
            json_body={
                "name": f"matrix-{uuid.uuid4().hex[:6]}",
                "dncSourceType": "rds",
                "contactMethod": "Any",
            },
        )
    )
    return {"list_id": body["id"]}


def _exported(server: Server, token: str, path: str) -> None:
    server.request("POST", path, token=token)
    for _ in range(100):
        if server.request("GET", path, token=token)[0] == 200:
            return
        time.sleep(0.05)
    raise AssertionError("the export did not complete")


def _list_with_export(server: Server, token: str) -> dict[str, str]:
    params = _list_with_contact(server, token)
    _exported(server, token, f"/api/v2/outbound/contactlists/{params['list_id']}/export")
    return params


def _dnc_list_with_export(server: Server, token: str) -> dict[str, str]:
    params = _new_dnc_list(server, token)
    _exported(server, token, f"/api/v2/outbound/dnclists/{params['list_id']}/export")
    return params


def _dnc_list_with_import(server: Server, token: str) -> dict[str, str]:
    params = _new_dnc_list(server, token)
    form = upload_form(params["list_id"], "phone\n+13175550100\n", fileType="dnclist")
    status, body, _ = server.request("POST", "/uploads/v2/contactlist", token=token, **form)
    assert status == 200, body
    wait_for_import(server, token, f"/api/v2/outbound/dnclists/{params['list_id']}/importstatus")
    return params


def _list_with_import(server: Server, token: str) -> dict[str, str]:
    params = _new_list(server, token)
    status, body, _ = server.request(
        "POST", "/uploads/v2/contactlist", token=token, **upload_form(params["list_id"])
    )
    assert status == 200, body
    wait_for_import(server, token, f"{LISTS}/{params['list_id']}/importstatus")
    return params


def _list_with_filter(server: Server, token: str) -> dict[str, str]:
    params = _new_list(server, token)
    body = _created(
        server.request(
            "POST",
            FILTERS,
            token=token,
            json_body={
                "name": f"matrix-{uuid.uuid4().hex[:6]}",
                "contactList": {"id": params["list_id"]},
                "clauses": [
                    {"predicates": [{"column": "first", "operator": "EQUALS", "value": "A"}]}
                ],
            },
        )
    )
    return {**params, "filter_id": body["id"]}


def _sender_number(server: Server, token: str) -> dict[str, str]:
    for _ in range(20):
        status, body, _ = server.request(
            "POST",
            "/api/v2/routing/sms/phonenumbers",
            token=token,
            json_body={
                "phoneNumber": fresh_number(),
                "phoneNumberType": "local",
                "countryCode": "US",
            },
        )
        if status == 200:
            return {"number": body["phoneNumber"]}
    raise AssertionError(f"could not provision a number: {status} {body}")


def _sender_domain(server: Server, token: str) -> dict[str, str]:
    name = f"matrix-{uuid.uuid4().hex[:8]}.example.com"
    _created(
        server.request(
            "POST",
            "/api/v2/routing/email/outbound/domains",
            token=token,
            json_body={"id": name, "name": name},
        )
    )
    return {"domain": name}


def _sms_sent(server: Server, token: str) -> dict[str, str]:
    params = _sender_number(server, token)
    status, body, _ = server.request(
        "POST", AGENTLESS_SMS, token=token, json_body=_formatted(SMS_BODY, params)
    )
    assert status == 202, body
    return {**params, "conversation_id": body["conversationId"], "message_id": body["id"]}


def _email_sent(server: Server, token: str) -> dict[str, str]:
    params = _sender_domain(server, token)
    status, body, _ = server.request(
        "POST", AGENTLESS_EMAIL, token=token, json_body=_formatted(EMAIL_BODY, params)
    )
    assert status == 202, body
    return {**params, "conversation_id": body["conversationId"], "message_id": body["id"]}


AGENTLESS_SMS = "/api/v2/conversations/messages/agentless"
AGENTLESS_EMAIL = "/api/v2/conversations/emails/agentless"
SMS_BODY = {
    "fromAddress": "{number}",
    "toAddress": "+13175550142",
    "toAddressMessengerType": "sms",
    "textBody": "matrix",
}
EMAIL_BODY = {
    "senderType": "Outbound",
    "fromAddress": {"email": "matrix@{domain}"},
    "toAddresses": [{"email": "matrix@example.org"}],
    "subject": "matrix",
    "textBody": "matrix",
}
ONE_SMS_CONVERSATION = "/api/v2/conversations/messages/{conversation_id}"
ONE_EMAIL_CONVERSATION = "/api/v2/conversations/emails/{conversation_id}"


def _fresh_sender(server: Server, token: str) -> dict[str, str]:
    # Each number and sender id may be provisioned once: every call gets its own.
    return {"number": fresh_number(), "alpha": f"M {uuid.uuid4().hex[:8]}"}


def _new_number(server: Server, token: str) -> dict[str, str]:
    body = _created(
        server.request(
            "POST",
            NUMBERS,
            token=token,
            json_body={"phoneNumber": fresh_number(), "phoneNumberType": "local"},
        )
    )
    return {"phone_number_id": body["id"]}


def _fresh_domain(server: Server, token: str) -> dict[str, str]:
    return {"domain_id": f"matrix-{uuid.uuid4().hex[:8]}.example"}


def _new_domain(server: Server, token: str) -> dict[str, str]:
    params = _fresh_domain(server, token)
    _created(server.request("POST", DOMAINS, token=token, json_body={"id": params["domain_id"]}))
    return params


def _new_library(server: Server, token: str) -> dict[str, str]:
    body = _created(
        server.request(
            "POST", LIBRARIES, token=token, json_body={"name": f"matrix-{uuid.uuid4().hex[:6]}"}
        )
    )
    return {"library_id": body["id"]}


def _library_with_response(server: Server, token: str) -> dict[str, str]:
    params = _new_library(server, token)
    body = _created(
        server.request(
            "POST",
            RESPONSES,
            token=token,
            json_body=_formatted({**RESPONSE_BODY, "name": "matrix"}, params),
        )
    )
    return {**params, "response_id": body["id"]}


def _campaign_parts(server: Server, token: str) -> dict[str, str]:
    """A contact list with a phone column, a sender number and an SMS template."""
    params = {**_sender_number(server, token), **_library_with_response(server, token)}
    body = _created(
        server.request(
            "POST",
            LISTS,
            token=token,
            json_body={
                "name": f"matrix-{uuid.uuid4().hex[:8]}",
                "columnNames": ["phone", "first"],
                "phoneColumns": [{"columnName": "phone", "type": "cell"}],
            },
        )
    )
    return {**params, "list_id": body["id"]}


def _new_campaign(server: Server, token: str) -> dict[str, str]:
    params = _campaign_parts(server, token)
    body = _formatted({**CAMPAIGN_BODY, "name": f"matrix-{uuid.uuid4().hex[:8]}"}, params)
    created = _created(server.request("POST", CAMPAIGNS, token=token, json_body=body))
    return {**params, "campaign_id": created["id"]}


UPLOAD_FORM = "multipart upload form"
OPT_OUTS = "/api/v2/routing/sms/optouts"
KEYWORDS = "/api/v2/routing/sms/keywordsettings"


def _fresh_opt_out(server: Server, token: str) -> dict[str, str]:
    return {"address": fresh_number()}


def _opted_out(server: Server, token: str) -> dict[str, str]:
    params = _fresh_opt_out(server, token)
    _created(server.request("POST", OPT_OUTS, token=token, json_body=params))
    return params


WEBHOOKS = "/api/v2/tidings/webhooks"
WEBHOOK_BODY = {
    "name": "matrix",
    "url": "http://127.0.0.1:9/events",
    "events": ["v2.routing.sms.optouts"],
}


def _new_webhook(server: Server, token: str) -> dict[str, str]:
    body = _created(server.request("POST", WEBHOOKS, token=token, json_body=WEBHOOK_BODY))
    return {"subscription_id": body["id"]}


@dataclass(frozen=True)
class Rule:
    permission: str
    prepare: Prepare | None = None
    body: Any = None
    # True: the route acts on one object in a division (another division's caller gets 404).
    in_division: bool = False
    ok: tuple[int, ...] = (200,)
    query: str = ""  # appended to the path, formatted like it


CLIENT_BODY = {"name": "matrix", "authorizedGrantType": "CLIENT-CREDENTIALS"}
LIST_BODY = {"name": "matrix", "columnNames": ["phone", "first"], "version": 1}
CONTACT = {"data": {"phone": "+13175550101", "first": "Bo"}}
LISTS = "/api/v2/outbound/contactlists"
TIMES = [
    {
        "timeZoneId": "UTC",
        "timeSlots": [{"day": 1, "startTime": "09:00:00", "stopTime": "17:00:00"}],
    }
]
TIME_SET_BODY = {"name": "matrix", "callableTimes": TIMES, "version": 1}
SETS = "/api/v2/outbound/callabletimesets"
DNC = "/api/v2/outbound/dnclists"
ONE_DNC = DNC + "/{list_id}"
DNC_BODY = {"name": "matrix", "dncSourceType": "rds", "contactMethod": "Phone", "version": 1}
ONE_LIST = LISTS + "/{list_id}"
FILTERS = "/api/v2/outbound/contactlistfilters"
ONE_FILTER = FILTERS + "/{filter_id}"
FILTER_BODY = {
    "name": "matrix",
    "contactList": {"id": "{list_id}"},
    "clauses": [{"predicates": [{"column": "first", "operator": "EQUALS", "value": "A"}]}],
    "version": 1,
}
ONE_CONTACT = ONE_LIST + "/contacts/{contact_id}"
NUMBERS = "/api/v2/routing/sms/phonenumbers"
ONE_NUMBER = NUMBERS + "/{phone_number_id}"
DOMAINS = "/api/v2/routing/email/outbound/domains"
ONE_DOMAIN = DOMAINS + "/{domain_id}"
DIVISION_BODY_FN = "fresh-name"
LIBRARIES = "/api/v2/responsemanagement/libraries"
ONE_LIBRARY = LIBRARIES + "/{library_id}"
RESPONSES = "/api/v2/responsemanagement/responses"
ONE_RESPONSE = RESPONSES + "/{response_id}"
SMS_TEXTS = [{"content": "Hi {{first}}", "contentType": "text/plain", "type": "body"}]
RESPONSE_BODY = {
    "name": "matrix",
    "libraries": [{"id": "{library_id}"}],
    "texts": SMS_TEXTS,
    "responseType": "CampaignSmsTemplate",
    "version": 1,
}
SAMPLE = {"contact": {"data": {"first": "Ann"}}}
CAMPAIGNS = "/api/v2/outbound/messagingcampaigns"
ONE_CAMPAIGN = CAMPAIGNS + "/{campaign_id}"
CAMPAIGN_BODY = {
    "name": "matrix",
    "contactList": {"id": "{list_id}"},
    "messagesPerMinute": 10,
    "smsConfig": {
        "phoneColumn": "phone",
        "senderSmsPhoneNumber": {"phoneNumber": "{number}"},
        "contentTemplate": {"id": "{response_id}"},
    },
    "version": 1,
}

MATRIX: dict[tuple[str, str], Rule] = {
    ("GET", "/api/v2/oauth/clients"): Rule("oauth:client:view"),
    ("POST", "/api/v2/oauth/clients"): Rule("oauth:client:add", body=CLIENT_BODY),
    ("GET", "/api/v2/oauth/clients/{client_id}"): Rule("oauth:client:view", _new_client),
    ("PUT", "/api/v2/oauth/clients/{client_id}"): Rule(
        "oauth:client:edit", _new_client, body=CLIENT_BODY
    ),
    ("DELETE", "/api/v2/oauth/clients/{client_id}"): Rule(
        "oauth:client:delete", _new_client, ok=(204,)
    ),
    ("POST", "/api/v2/oauth/clients/{client_id}/secret"): Rule("oauth:client:edit", _new_client),
    ("GET", "/api/v2/authorization/divisions"): Rule("authorization:division:view"),
    ("POST", "/api/v2/authorization/divisions"): Rule(
        "authorization:division:add", body=DIVISION_BODY_FN
    ),
    ("GET", "/api/v2/authorization/divisions/home"): Rule(
        "authorization:division:view", _home, in_division=True
    ),
    ("GET", "/api/v2/authorization/divisions/{division_id}"): Rule(
        "authorization:division:view", _home, in_division=True
    ),
    ("PUT", "/api/v2/authorization/divisions/{division_id}"): Rule(
        "authorization:division:edit", _new_division, body=DIVISION_BODY_FN, in_division=True
    ),
    ("DELETE", "/api/v2/authorization/divisions/{division_id}"): Rule(
        "authorization:division:delete", _new_division, in_division=True, ok=(204,)
    ),
    ("GET", "/api/v2/authorization/roles"): Rule("authorization:role:view"),
    ("GET", "/api/v2/authorization/roles/{role_id}"): Rule("authorization:role:view", _sender_role),
    ("GET", LISTS): Rule("outbound:contactList:view"),
    ("POST", LISTS): Rule("outbound:contactList:add", body=LIST_BODY),
    ("DELETE", LISTS): Rule(
        "outbound:contactList:delete", _new_list, in_division=True, ok=(204,), query="?id={list_id}"
    ),
    ("GET", ONE_LIST): Rule("outbound:contactList:view", _new_list, in_division=True),
    ("GET", ONE_LIST + "/timezonemappingpreview"): Rule(
        "outbound:contactList:view", _list_with_contact, in_division=True
    ),
    ("GET", LISTS + "/divisionviews"): Rule("outbound:contactList:search"),
    ("GET", LISTS + "/divisionviews/{list_id}"): Rule(
        "outbound:contactList:search", _new_list, in_division=True
    ),
    ("PUT", ONE_LIST): Rule(
        "outbound:contactList:edit", _new_list, body=LIST_BODY, in_division=True
    ),
    ("DELETE", ONE_LIST): Rule(
        "outbound:contactList:delete", _new_list, in_division=True, ok=(204,)
    ),
    ("POST", ONE_LIST + "/contacts"): Rule(
        "outbound:contact:add", _new_list, body=[CONTACT], in_division=True
    ),
    ("DELETE", ONE_LIST + "/contacts"): Rule(
        "outbound:contact:delete",
        _list_with_contact,
        in_division=True,
        ok=(204,),
        query="?contactIds={contact_id}",
    ),
    ("POST", ONE_LIST + "/contacts/bulk"): Rule(
        "outbound:contact:view", _list_with_contact, body=["c1"], in_division=True
    ),
    ("GET", ONE_CONTACT): Rule("outbound:contact:view", _list_with_contact, in_division=True),
    ("PUT", ONE_CONTACT): Rule(
        "outbound:contact:edit", _list_with_contact, body=CONTACT, in_division=True
    ),
    ("DELETE", ONE_CONTACT): Rule(
        "outbound:contact:delete", _list_with_contact, in_division=True, ok=(204,)
    ),
    ("POST", ONE_LIST + "/clear"): Rule(
        "outbound:contact:delete", _list_with_contact, in_division=True, ok=(204,)
    ),
    ("GET", SETS): Rule("outbound:callableTimeSet:view"),
    ("POST", SETS): Rule("outbound:callableTimeSet:add", body=TIME_SET_BODY),
    ("GET", SETS + "/{set_id}"): Rule("outbound:callableTimeSet:view", _new_time_set),
    ("PUT", SETS + "/{set_id}"): Rule(
        "outbound:callableTimeSet:edit", _new_time_set, body=TIME_SET_BODY
    ),
    ("DELETE", SETS + "/{set_id}"): Rule(
        "outbound:callableTimeSet:delete", _new_time_set, ok=(204,)
    ),
    ("POST", ONE_LIST + "/export"): Rule(
        "outbound:contactList:view", _list_with_contact, in_division=True
    ),
    ("GET", ONE_LIST + "/export"): Rule(
        "outbound:contactList:view", _list_with_export, in_division=True
    ),
    ("POST", "/uploads/v2/contactlist"): Rule(
        "outbound:contactList:upload", _new_list, body=UPLOAD_FORM, in_division=True
    ),
    ("POST", LISTS + "/uploads"): Rule(
        "outbound:contactList:upload",
        _new_list,
        body={"contentType": "text/csv", "id": "{list_id}"},
        in_division=True,
    ),
    ("GET", ONE_LIST + "/importstatus"): Rule(
        "outbound:contactList:view", _list_with_import, in_division=True
    ),
    ("GET", FILTERS): Rule("outbound:contactListFilter:view"),
    ("POST", FILTERS): Rule(
        "outbound:contactListFilter:add", _new_list, body=FILTER_BODY, in_division=True
    ),
    ("POST", FILTERS + "/bulk/retrieve"): Rule(
        "outbound:contactListFilter:view", _list_with_filter, body={"ids": ["{filter_id}"]}
    ),
    ("POST", FILTERS + "/preview"): Rule(
        "outbound:contact:view", _new_list, body=FILTER_BODY, in_division=True
    ),
    ("GET", ONE_FILTER): Rule(
        "outbound:contactListFilter:view", _list_with_filter, in_division=True
    ),
    ("PUT", ONE_FILTER): Rule(
        "outbound:contactListFilter:edit", _list_with_filter, body=FILTER_BODY, in_division=True
    ),
    ("DELETE", ONE_FILTER): Rule(
        "outbound:contactListFilter:delete", _list_with_filter, in_division=True, ok=(204,)
    ),
    ("POST", ONE_LIST + "/contacts/search"): Rule(
        "outbound:contact:view", _list_with_contact, body={"pageSize": 10}, in_division=True
    ),
    ("GET", DNC): Rule("outbound:dncList:view"),
    ("POST", DNC): Rule("outbound:dncList:add", body=DNC_BODY),
    ("GET", ONE_DNC): Rule("outbound:dncList:view", _new_dnc_list, in_division=True),
    ("GET", DNC + "/divisionviews"): Rule("outbound:dncList:search"),
    ("GET", DNC + "/divisionviews/{list_id}"): Rule(
        "outbound:dncList:search", _new_dnc_list, in_division=True
    ),
    ("PUT", ONE_DNC): Rule("outbound:dncList:edit", _new_dnc_list, body=DNC_BODY, in_division=True),
    ("DELETE", ONE_DNC): Rule(
        "outbound:dncList:delete", _new_dnc_list, in_division=True, ok=(204,)
    ),
    ("POST", ONE_DNC + "/phonenumbers"): Rule(
        "outbound:dnc:add", _new_dnc_list, body=["+13175550100"], in_division=True, ok=(204,)
    ),
    ("PATCH", ONE_DNC + "/phonenumbers"): Rule(
        "outbound:dnc:edit",
        _new_dnc_list,
        in_division=True,
        ok=(204,),
        body={"action": "Remove", "phoneNumbers": ["+13175550100"]},
    ),
    ("DELETE", ONE_DNC + "/phonenumbers"): Rule(
        "outbound:dnc:delete", _new_dnc_list, in_division=True, ok=(204,)
    ),
    ("POST", ONE_DNC + "/emailaddresses"): Rule(
        "outbound:dnc:add", _new_dnc_list, body=["a@example.com"], in_division=True, ok=(204,)
    ),
    ("PATCH", ONE_DNC + "/emailaddresses"): Rule(
        "outbound:dnc:edit",
        _new_dnc_list,
        in_division=True,
        ok=(204,),
        body={"action": "Add", "emailAddresses": ["a@example.com"]},
    ),
    ("DELETE", ONE_DNC + "/emailaddresses"): Rule(
        "outbound:dnc:delete", _new_dnc_list, in_division=True, ok=(204,)
    ),
    ("POST", DNC + "/uploads"): Rule(
        "outbound:dncList:upload",
        _new_dnc_list,
        body={"contentType": "text/csv", "id": "{list_id}"},
        in_division=True,
    ),
    ("GET", ONE_DNC + "/importstatus"): Rule(
        "outbound:dncList:view", _dnc_list_with_import, in_division=True
    ),
    # Both also need outbound:dnc:view (tests/integration/test_dnc_matching.py).
    ("POST", ONE_DNC + "/export"): Rule("outbound:dncList:view", _new_dnc_list, in_division=True),
    ("GET", ONE_DNC + "/export"): Rule(
        "outbound:dncList:view", _dnc_list_with_export, in_division=True
    ),
    ("POST", AGENTLESS_SMS): Rule(
        "conversation:message:create", _sender_number, body=SMS_BODY, ok=(202,)
    ),
    ("GET", ONE_SMS_CONVERSATION): Rule("conversation:message:view", _sms_sent),
    ("GET", ONE_SMS_CONVERSATION + "/messages/{message_id}"): Rule(
        "conversation:message:view", _sms_sent
    ),
    ("POST", ONE_SMS_CONVERSATION + "/messages/bulk"): Rule(
        "conversation:message:view", _sms_sent, body=["{message_id}"]
    ),
    ("POST", AGENTLESS_EMAIL): Rule(
        "conversation:email:create", _sender_domain, body=EMAIL_BODY, ok=(202,)
    ),
    ("GET", ONE_EMAIL_CONVERSATION): Rule("conversation:email:view", _email_sent),
    ("GET", ONE_EMAIL_CONVERSATION + "/messages/{message_id}"): Rule(
        "conversation:email:view", _email_sent
    ),
    ("POST", "/api/v2/simulator/sms/inbound"): Rule(
        "conversation:message:create",
        _sender_number,
        body={"fromAddress": "+13175550143", "toAddress": "{number}", "textBody": "hi"},
        ok=(202,),
    ),
    ("GET", NUMBERS): Rule("sms:phoneNumber:view"),
    ("POST", NUMBERS): Rule(
        "sms:phoneNumber:add",
        _fresh_sender,
        body={"phoneNumber": "{number}", "phoneNumberType": "mobile"},
    ),
    ("POST", NUMBERS + "/alphanumeric"): Rule(
        "sms:phoneNumber:add", _fresh_sender, body={"phoneNumber": "{alpha}"}
    ),
    ("GET", ONE_NUMBER): Rule("sms:phoneNumber:view", _new_number),
    ("PATCH", ONE_NUMBER): Rule(
        "sms:phoneNumber:edit", _new_number, body={"phoneNumberStatus": "ACTIVE"}
    ),
    ("DELETE", ONE_NUMBER): Rule("sms:phoneNumber:delete", _new_number, ok=(204,)),
    ("GET", DOMAINS): Rule("routing:email:manage"),
    ("POST", DOMAINS): Rule("routing:email:manage", _fresh_domain, body={"id": "{domain_id}"}),
    # Manage or view will do (test_email_domains.py); a role without view has neither.
    ("GET", ONE_DOMAIN): Rule("routing:email:view", _new_domain),
    ("DELETE", ONE_DOMAIN): Rule("routing:email:manage", _new_domain, ok=(204,)),
    ("GET", ONE_DOMAIN + "/activation"): Rule("routing:email:manage", _new_domain),
    ("PUT", ONE_DOMAIN + "/activation"): Rule("routing:email:manage", _new_domain),
    ("GET", LIBRARIES): Rule("responses:library:view"),
    ("POST", LIBRARIES): Rule("responses:library:add", body={"name": "matrix"}),
    ("POST", LIBRARIES + "/bulk"): Rule(
        "responses:library:view", _new_library, body={"libraryIds": ["{library_id}"]}
    ),
    ("GET", ONE_LIBRARY): Rule("responses:library:view", _new_library, in_division=True),
    ("PUT", ONE_LIBRARY): Rule(
        "responses:library:edit",
        _new_library,
        body={"name": "matrix", "version": 1},
        in_division=True,
    ),
    ("DELETE", ONE_LIBRARY): Rule(
        "responses:library:delete", _new_library, in_division=True, ok=(204,)
    ),
    ("GET", RESPONSES): Rule(
        "responses:response:view", _new_library, in_division=True, query="?libraryId={library_id}"
    ),
    ("POST", RESPONSES): Rule(
        "responses:response:add", _new_library, body=RESPONSE_BODY, in_division=True
    ),
    ("POST", RESPONSES + "/query"): Rule("responses:response:view", body={"pageSize": 10}),
    ("POST", RESPONSES + "/preview"): Rule(
        "responses:response:view", body={**SAMPLE, "texts": SMS_TEXTS}
    ),
    ("GET", ONE_RESPONSE): Rule(
        "responses:response:view", _library_with_response, in_division=True
    ),
    ("PUT", ONE_RESPONSE): Rule(
        "responses:response:edit", _library_with_response, body=RESPONSE_BODY, in_division=True
    ),
    ("DELETE", ONE_RESPONSE): Rule(
        "responses:response:delete", _library_with_response, in_division=True, ok=(204,)
    ),
    ("POST", ONE_RESPONSE + "/preview"): Rule(
        "responses:response:view", _library_with_response, body=SAMPLE, in_division=True
    ),
    ("GET", CAMPAIGNS): Rule("outbound:messagingCampaign:view"),
    ("POST", CAMPAIGNS): Rule(
        "outbound:messagingCampaign:add", _campaign_parts, body=CAMPAIGN_BODY
    ),
    ("GET", ONE_CAMPAIGN): Rule("outbound:messagingCampaign:view", _new_campaign, in_division=True),
    ("PUT", ONE_CAMPAIGN): Rule(
        "outbound:messagingCampaign:edit", _new_campaign, body=CAMPAIGN_BODY, in_division=True
    ),
    ("DELETE", ONE_CAMPAIGN): Rule(
        "outbound:messagingCampaign:delete", _new_campaign, in_division=True
    ),
    ("POST", ONE_CAMPAIGN + "/start"): Rule(
        "outbound:messagingCampaign:start", _new_campaign, in_division=True, ok=(204,)
    ),
    ("POST", ONE_CAMPAIGN + "/stop"): Rule(
        "outbound:messagingCampaign:stop", _new_campaign, in_division=True, ok=(204,)
    ),
    ("GET", ONE_CAMPAIGN + "/progress"): Rule(
        "outbound:messagingCampaign:view", _new_campaign, in_division=True
    ),
    ("DELETE", ONE_CAMPAIGN + "/progress"): Rule(
        "outbound:messagingCampaign:edit", _new_campaign, in_division=True, ok=(204,)
    ),
    ("POST", CAMPAIGNS + "/progress"): Rule(
        "outbound:messagingCampaign:view", _new_campaign, body=["{campaign_id}"], in_division=True
    ),
    ("GET", ONE_CAMPAIGN + "/diagnostics"): Rule(
        "outbound:messagingCampaign:view", _new_campaign, in_division=True
    ),
    ("POST", ONE_CAMPAIGN + "/ambiguous/resend"): Rule(
        "outbound:messagingCampaign:edit", _new_campaign, in_division=True
    ),
    ("GET", CAMPAIGNS + "/divisionviews"): Rule("outbound:messagingCampaign:search"),
    ("GET", CAMPAIGNS + "/divisionviews/{campaign_id}"): Rule(
        "outbound:messagingCampaign:search", _new_campaign, in_division=True
    ),
    # SMS opt-outs and keyword settings (organisation-wide, like sender numbers).
    ("GET", OPT_OUTS): Rule("sms:optOut:view"),
    ("POST", OPT_OUTS): Rule("sms:optOut:edit", _fresh_opt_out, body={"address": "{address}"}),
    ("GET", OPT_OUTS + "/export"): Rule("sms:optOut:view"),
    ("GET", OPT_OUTS + "/{address}"): Rule("sms:optOut:view", _opted_out),
    ("DELETE", OPT_OUTS + "/{address}"): Rule("sms:optOut:edit", _opted_out, ok=(204,)),
    ("GET", KEYWORDS): Rule("sms:keywordSettings:view"),
    ("PUT", KEYWORDS): Rule("sms:keywordSettings:edit", body={}),
    ("GET", ONE_NUMBER + "/keywordsettings"): Rule("sms:keywordSettings:view", _new_number),
    ("PUT", ONE_NUMBER + "/keywordsettings"): Rule(
        "sms:keywordSettings:edit", _new_number, body={"helpKeywords": ["AIDE"]}
    ),
    ("DELETE", ONE_NUMBER + "/keywordsettings"): Rule(
        "sms:keywordSettings:edit", _new_number, ok=(204,)
    ),
    # Outgoing event webhooks (our extension; organisation-wide).
    ("GET", WEBHOOKS): Rule("tidings:webhook:view"),
    ("POST", WEBHOOKS): Rule("tidings:webhook:add", body=WEBHOOK_BODY),
    ("GET", WEBHOOKS + "/{subscription_id}"): Rule("tidings:webhook:view", _new_webhook),
    ("PUT", WEBHOOKS + "/{subscription_id}"): Rule(
        "tidings:webhook:edit", _new_webhook, body=WEBHOOK_BODY
    ),
    ("DELETE", WEBHOOKS + "/{subscription_id}"): Rule(
        "tidings:webhook:delete", _new_webhook, ok=(204,)
    ),
    ("GET", WEBHOOKS + "/{subscription_id}/deliveries"): Rule("tidings:webhook:view", _new_webhook),
}

ANALYTICS = "/api/v2/analytics/conversations/details"
ANALYTICS_QUERY = {"interval": "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"}
EVENTS = "/api/v2/outbound/events"


def _import_event(server: Server, token: str) -> dict[str, str]:
    """An event in the home division: an import that refused a row."""
    params = _new_list(server, token)
    form = upload_form(params["list_id"], "phone,first\n+13175550100,Ann\n+13175550101,B,x\n")
    _created(server.request("POST", "/uploads/v2/contactlist", token=token, **form))
    wait_for_import(server, token, f"{LISTS}/{params['list_id']}/importstatus")
    found = _created(
        server.request("GET", EVENTS + "?pageSize=100&category=IMPORT_ERROR", token=token)
    )
    event = next(e for e in found["entities"] if e["relatedEntity"]["id"] == params["list_id"])
    return {"event_id": event["id"]}


MATRIX.update(
    {
        ("POST", ANALYTICS + "/query"): Rule(
            "analytics:conversationDetail:view", body=ANALYTICS_QUERY
        ),
        ("POST", ANALYTICS + "/export"): Rule(
            "analytics:conversationDetail:view", body={**ANALYTICS_QUERY, "format": "csv"}
        ),
        ("GET", EVENTS): Rule("outbound:eventLog:view"),
        ("GET", EVENTS + "/{event_id}"): Rule(
            "outbound:eventLog:view", _import_event, in_division=True
        ),
    }
)

# Routes anyone may call: the token endpoint authenticates by itself; the rest are for
# infrastructure (health checks, scraping) and API tooling.
PUBLIC = {
    ("POST", "/oauth/token"),
    ("GET", "/healthz"),
    # Authorised by their signed links instead of a token (tests in test_exports.py and
    # test_contact_imports.py).
    ("GET", "/downloads/exports/{export_id}"),
    ("GET", "/downloads/imports/{import_id}"),
    ("PUT", "/uploads/v2/files/{import_id}"),
    ("GET", "/downloads/dncexports/{list_id}/{export_id}"),  # test_dnc_imports.py
    # Authorised by X-Twilio-Signature (tests/integration/test_twilio_webhooks.py).
    ("POST", "/webhooks/twilio/status"),
    ("POST", "/webhooks/twilio/inbound"),
}


def _call(server: Server, method: str, template: str, rule: Rule, token: str, admin: str) -> Any:
    params = rule.prepare(server, admin) if rule.prepare else {}
    body = rule.body
    if body == DIVISION_BODY_FN:
        body = {"name": f"matrix-{uuid.uuid4().hex[:6]}"}
    elif isinstance(body, dict) and "name" in body:
        body = {**body, "name": f"{body['name']}-{uuid.uuid4().hex[:6]}"}
    path = (template + rule.query).format(**params)
    if body == UPLOAD_FORM:
        return server.request(method, path, token=token, **upload_form(params["list_id"]))
    if isinstance(body, (dict, list)):
        body = _formatted(body, params)
    return server.request(method, path, token=token, json_body=body)


def _formatted(value: Any, params: dict[str, str]) -> Any:
    """A body with `{list_id}`-like placeholders filled in, at any depth."""
    if isinstance(value, str):
        return value.format(**params) if "{" in value else value
    if isinstance(value, dict):
        return {k: _formatted(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_formatted(v, params) for v in value]
    return value


def _role_without(permission: str) -> str | None:
    """A built-in role that lacks `permission` but has others (so the 403 is not trivial);
    None when every role holds it (reading messages back), so only no grants lack it."""
    for role in BUILTIN_ROLES:
        if role.name != "admin" and not any(covers(p, permission) for p in role.permissions):
            return role.name
    return None


@pytest.fixture(scope="module")
def other_division_admin(server: Server, admin_token: str) -> str:
    """An admin of a division that holds none of the objects these tests touch."""
    division = _new_division(server, admin_token)["division_id"]
    return server.token(server.create_client("other-division admin", f"admin@{division}"))


@pytest.fixture(scope="module")
def nobody_token(server: Server) -> str:
    return server.token(server.create_client("no grants at all"))


@pytest.fixture(scope="module")
def tokens_without(server: Server) -> Callable[[str], str]:
    cache: dict[str, str] = {}

    def token(permission: str) -> str:
        role = _role_without(permission)
        name = role or ""
        if name not in cache:
            roles = (role,) if role else ()
            cache[name] = server.token(server.create_client(f"no {permission}", *roles))
        return cache[name]

    return token


def test_every_route_is_in_the_matrix(server: Server) -> None:
    document = server.request("GET", "/openapi.json")[1]
    routes = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    missing = routes - set(MATRIX) - PUBLIC
    assert not missing, f"add these routes to the permission matrix: {sorted(missing)}"
    stale = set(MATRIX) - routes
    assert not stale, f"the matrix names routes that do not exist: {sorted(stale)}"


@pytest.mark.parametrize(("method", "template"), sorted(MATRIX))
def test_a_caller_without_the_permission_gets_403(
    server: Server,
    admin_token: str,
    tokens_without: Callable[[str], str],
    method: str,
    template: str,
) -> None:
    rule = MATRIX[(method, template)]
    status, body, _ = _call(
        server, method, template, rule, tokens_without(rule.permission), admin_token
    )
    assert status == 403, body
    assert body["code"] == "missing.permissions"
    assert rule.permission in body["message"]


@pytest.mark.parametrize(("method", "template"), sorted(MATRIX))
def test_a_caller_with_no_grants_gets_403(
    server: Server, admin_token: str, nobody_token: str, method: str, template: str
) -> None:
    rule = MATRIX[(method, template)]
    assert _call(server, method, template, rule, nobody_token, admin_token)[0] == 403


@pytest.mark.parametrize(
    ("method", "template"), sorted(k for k, r in MATRIX.items() if r.in_division)
)
def test_another_divisions_caller_gets_404(
    server: Server, admin_token: str, other_division_admin: str, method: str, template: str
) -> None:
    rule = MATRIX[(method, template)]
    status, body, _ = _call(server, method, template, rule, other_division_admin, admin_token)
    assert status == 404, body
    assert body["code"] == "not.found"


@pytest.mark.parametrize(("method", "template"), sorted(MATRIX))
def test_the_admin_succeeds(server: Server, admin_token: str, method: str, template: str) -> None:
    rule = MATRIX[(method, template)]
    status, body, _ = _call(server, method, template, rule, admin_token, admin_token)
    assert status in rule.ok, body


def test_lists_show_another_divisions_caller_only_its_own(
    server: Server, admin_token: str, other_division_admin: str
) -> None:
    home = _home(server, admin_token)["division_id"]
    listing = server.request(
        "GET", "/api/v2/authorization/divisions?pageSize=100", token=other_division_admin
    )[1]
    assert home not in {d["id"] for d in listing["entities"]}
    assert listing["total"] == 1
