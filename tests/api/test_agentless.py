"""Agentless SMS and e-mail through the official SDK, as an integrating system sends them:
queued at once, sent by the dispatcher (the simulator here), read back with their status."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from sqlalchemy import create_engine, text

from tests.support.numbers import (
    NEVER_PROVISIONED,
    fresh_number,
    fresh_recipient,
    provision_number,
)
from tests.support.sdk import eventually, model
from tests.support.server import Server
from tidings.adapters.db.engine import driver_url

NUMBERS = "/api/v2/routing/sms/phonenumbers"
DOMAINS = "/api/v2/routing/email/outbound/domains"
SMS = "/api/v2/conversations/messages/agentless"
EMAIL = "/api/v2/conversations/emails/agentless"


@pytest.fixture(scope="module")
def sender(server: Server, admin_token: str) -> str:
    """A provisioned sender number of its own, so counts per recipient are this module's."""
    return str(provision_number(server, admin_token)["phoneNumber"])


@pytest.fixture(scope="module")
def domain(server: Server, admin_token: str) -> str:
    name = f"mail-{uuid.uuid4().hex[:8]}.example.com"
    status, body, _ = server.request(
        "POST", DOMAINS, token=admin_token, json_body={"id": name, "name": name}
    )
    assert status == 200, body
    return name


@pytest.fixture(scope="module")
def database(server: Server) -> Iterator[Any]:
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    engine = create_engine(driver_url(url, asynchronous=False))
    yield engine
    engine.dispose()


def _recipient() -> str:
    return fresh_recipient()


def _messages_to(database: Any, address: str) -> int:
    with database.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM messages WHERE to_address = :a"), {"a": address}
            ).scalar_one()
        )


def _sms_body(sender: str, to: str, text_body: str = "Your code is 123456") -> Any:
    return model(
        gc.SendAgentlessOutboundMessageRequest,
        from_address=sender,
        to_address=to,
        to_address_messenger_type="sms",
        text_body=text_body,
    )


def test_an_sms_is_queued_sent_and_delivered_and_reads_back(admin_sdk: Any, sender: str) -> None:
    api = gc.ConversationsApi(admin_sdk)
    to = _recipient()
    sent = api.post_conversations_messages_agentless(_sms_body(sender, to))
    assert (sent.from_address, sent.to_address, sent.messenger_type) == (sender, to, "sms")
    assert sent.conversation_id and sent.id

    def delivered() -> Any:
        found = api.get_conversations_message_message(sent.conversation_id, sent.id)
        return found if found.status == "delivery-success" else None

    found = eventually(delivered)
    assert found is not None, "the simulator's receipt never marked the message delivered"
    assert found.normalized_message.text == "Your code is 123456"
    assert found.provider_message_id
    assert [r.status for r in found.normalized_receipts] == ["Delivered"]
    conversation = api.get_conversations_message(sent.conversation_id)
    ours = next(p for p in conversation.participants if p.purpose == "agent")
    assert [(m.message_id, m.message_status, m.message_segment_count) for m in ours.messages] == [
        (sent.id, "delivery-success", 1)
    ]
    uri = f"/api/v2/conversations/messages/{sent.conversation_id}/messages/{sent.id}"
    assert ours.messages[0].message_uri == uri  # the SDK reads it as messageURI


def test_a_long_message_counts_its_segments(admin_sdk: Any, sender: str) -> None:
    api = gc.ConversationsApi(admin_sdk)
    sent = api.post_conversations_messages_agentless(_sms_body(sender, _recipient(), "x" * 300))
    conversation = api.get_conversations_message(sent.conversation_id)
    ours = next(p for p in conversation.participants if p.purpose == "agent")
    assert ours.messages[0].message_segment_count == 2


def test_an_undeliverable_number_ends_delivery_failed_with_the_reason(
    admin_sdk: Any, sender: str
) -> None:
    api = gc.ConversationsApi(admin_sdk)
    sent = api.post_conversations_messages_agentless(_sms_body(sender, "+13175550666"))

    def failed() -> Any:
        found = api.get_conversations_message_message(sent.conversation_id, sent.id)
        return found if found.status == "delivery-failed" else None

    found = eventually(failed)
    assert found is not None
    assert found.normalized_receipts[0].status == "Failed"
    assert "UNDELIV" in found.normalized_receipts[0].reasons[0].message


def test_a_repeated_post_with_one_idempotency_key_sends_once(
    server: Server, admin_token: str, sender: str, database: Any
) -> None:
    to = _recipient()
    body = {
        "fromAddress": sender,
        "toAddress": to,
        "toAddressMessengerType": "sms",
        "textBody": "Booking confirmed",
    }
    key = {"Idempotency-Key": uuid.uuid4().hex}
    answers = [
        server.request("POST", SMS, token=admin_token, json_body=body, headers=key)
        for _ in range(3)
    ]
    assert {status for status, _, _ in answers} == {202}
    assert len({(a["id"], a["conversationId"]) for _, a, _ in answers}) == 1
    assert _messages_to(database, to) == 1
    changed = {**body, "textBody": "Booking cancelled"}
    status, error, _ = server.request(
        "POST", SMS, token=admin_token, json_body=changed, headers=key
    )
    assert status == 400 and "different request" in error["message"]
    assert _messages_to(database, to) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fromAddress": NEVER_PROVISIONED}, "fromAddress"),
        ({"textBody": "x" * 766}, "textBody"),
        ({"textBody": None}, "textBody"),
        ({"toAddress": "12"}, "toAddress"),
        ({"toAddress": None}, "toAddress"),
        ({"toAddressMessengerType": "whatsapp"}, "toAddressMessengerType"),
        ({"toAddressMessengerType": "pigeon"}, "toAddressMessengerType"),
        (
            {"messagingTemplate": {"responseId": str(uuid.uuid4())}, "textBody": None},
            "messagingTemplate.responseId",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(
    server: Server,
    admin_token: str,
    sender: str,
    database: Any,
    change: dict[str, Any],
    field: str,
) -> None:
    to = _recipient()
    body = {
        "fromAddress": sender,
        "toAddress": to,
        "toAddressMessengerType": "sms",
        "textBody": "hello",
        **change,
    }
    status, error, _ = server.request(
        "POST", SMS, token=admin_token, json_body={k: v for k, v in body.items() if v is not None}
    )
    assert status == 400, error
    assert field in error["message"] or field in str(error.get("details"))
    assert _messages_to(database, to) == 0


def test_an_opted_out_recipient_gets_nothing_and_the_message_fails_with_the_reason(
    admin_sdk: Any, sender: str, database: Any
) -> None:
    to = _recipient()
    with database.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO opt_outs (channel, address, sender, reason, created_at) "
                "VALUES ('sms', :a, '*', 'STOPALL', :now)"
            ),
            {"a": to, "now": datetime.now(UTC).replace(tzinfo=None)},
        )
    api = gc.ConversationsApi(admin_sdk)
    sent = api.post_conversations_messages_agentless(_sms_body(sender, to))

    def failed() -> Any:
        found = api.get_conversations_message_message(sent.conversation_id, sent.id)
        return found if found.status == "failed" else None

    assert eventually(failed) is not None
    conversation = api.get_conversations_message(sent.conversation_id)
    ours = next(p for p in conversation.participants if p.purpose == "agent")
    assert ours.messages[0].error_info.code == "RecipientOptedOut"


def test_a_reply_from_the_recipient_joins_the_conversation(
    server: Server, admin_token: str, admin_sdk: Any, sender: str
) -> None:
    api = gc.ConversationsApi(admin_sdk)
    to = _recipient()
    sent = api.post_conversations_messages_agentless(_sms_body(sender, to))
    status, _, _ = server.request(
        "POST",
        "/api/v2/simulator/sms/inbound",
        token=admin_token,
        json_body={"fromAddress": to, "toAddress": sender, "textBody": "Thanks!"},
    )
    assert status == 202
    conversation = api.get_conversations_message(sent.conversation_id)
    theirs = next(p for p in conversation.participants if p.purpose == "customer")
    assert [m.message_status for m in theirs.messages] == ["received"]


def _email_reaching(server: Server, token: str, sent: Any, status: str) -> Any:
    """The sent e-mail as read back once its status is `status` (None if it never is)."""

    def reached() -> Any:
        found = server.request(
            "GET",
            f"/api/v2/conversations/emails/{sent.conversation_id}/messages/{sent.id}",
            token=token,
        )[1]
        return found if found.get("status") == status else None

    return eventually(reached)


def test_an_email_is_queued_sent_and_reads_back(
    server: Server, admin_token: str, admin_sdk: Any, domain: str
) -> None:
    api = gc.ConversationsApi(admin_sdk)
    sent = api.post_conversations_emails_agentless(
        model(
            gc.AgentlessEmailSendRequestDto,
            sender_type="Outbound",
            from_address=model(gc.EmailAddress, email=f"alerts@{domain}", name="Alerts"),
            to_addresses=[model(gc.EmailAddress, email="ann@example.org", name="Ann")],
            subject="Suspicious payment",
            html_body="<p>Was this <b>you</b>?</p>",
        )
    )
    assert sent.subject == "Suspicious payment" and sent.conversation_id

    found = _email_reaching(server, admin_token, sent, "sent")
    assert found is not None
    assert found["textBody"] == "Was this you?"
    message = api.get_conversations_email_message(sent.conversation_id, sent.id)
    assert (message.subject, message.to[0].email) == ("Suspicious payment", "ann@example.org")
    status, conversation, _ = server.request(
        "GET", f"/api/v2/conversations/emails/{sent.conversation_id}", token=admin_token
    )
    assert status == 200, conversation
    [link] = [m["messageURI"] for p in conversation["participants"] for m in p.get("messages", [])]
    status, linked, _ = server.request("GET", link, token=admin_token)
    assert (status, linked["id"]) == (200, sent.id)


def test_an_undeliverable_email_ends_delivery_failed(
    server: Server, admin_token: str, admin_sdk: Any, domain: str
) -> None:
    """The e-mail simulator reports an address ending in 666 undelivered, as the SMS one
    does a number: the newcomer's way to see a failed delivery with no relay."""
    api = gc.ConversationsApi(admin_sdk)
    sent = api.post_conversations_emails_agentless(
        model(
            gc.AgentlessEmailSendRequestDto,
            sender_type="Outbound",
            from_address=model(gc.EmailAddress, email=f"alerts@{domain}"),
            to_addresses=[model(gc.EmailAddress, email="bob666@example.org")],
            subject="Your parcel",
            text_body="It could not be delivered.",
        )
    )

    assert _email_reaching(server, admin_token, sent, "delivery-failed") is not None


def test_an_email_from_an_unverified_domain_is_sent_with_a_warning(
    server: Server, admin_token: str, domain: str
) -> None:
    status, body, _ = server.request(
        "POST",
        EMAIL,
        token=admin_token,
        json_body={
            "senderType": "Outbound",
            "fromAddress": {"email": f"alerts@{domain}"},
            "toAddresses": [{"email": "bo@example.org"}],
            "subject": "Hello",
            "textBody": "Hi",
        },
    )
    assert status == 202, body
    assert "not verified" in body["warnings"][0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fromAddress": {"email": "alerts@unknown-domain.example"}}, "fromAddress.email"),
        ({"toAddresses": [{"email": "not an address"}]}, "toAddresses"),
        ({"toAddresses": [{"email": "a@example.org"}, {"email": "b@example.org"}]}, "toAddresses"),
        ({"textBody": None}, "textBody"),
        ({"senderType": "Inbound"}, "senderType"),
    ],
)
def test_bad_email_input_is_refused_naming_the_field(
    server: Server, admin_token: str, domain: str, change: dict[str, Any], field: str
) -> None:
    body = {
        "senderType": "Outbound",
        "fromAddress": {"email": f"alerts@{domain}"},
        "toAddresses": [{"email": "bo@example.org"}],
        "subject": "Hello",
        "textBody": "Hi",
        **change,
    }
    status, error, _ = server.request(
        "POST", EMAIL, token=admin_token, json_body={k: v for k, v in body.items() if v is not None}
    )
    assert status == 400, error
    assert field in error["message"] or field in str(error.get("details"))


def test_a_number_provisioned_right_after_a_refused_send_sends_at_once(
    server: Server, admin_token: str
) -> None:
    number = fresh_number()
    body = {
        "fromAddress": number,
        "toAddress": _recipient(),
        "toAddressMessengerType": "sms",
        "textBody": "Welcome",
    }
    assert server.request("POST", SMS, token=admin_token, json_body=body)[0] == 400
    status, created, _ = server.request(
        "POST",
        NUMBERS,
        token=admin_token,
        json_body={"phoneNumber": number, "phoneNumberType": "local", "countryCode": "US"},
    )
    if status == 409:  # another test took this random number first
        pytest.skip("number already provisioned")
    assert status == 200, created
    assert server.request("POST", SMS, token=admin_token, json_body=body)[0] == 202


def _response(server: Server, token: str, response_type: str, content_type: str, body: str) -> str:
    status, library, _ = server.request(
        "POST",
        "/api/v2/responsemanagement/libraries",
        token=token,
        json_body={"name": f"agentless {uuid.uuid4().hex[:8]}"},
    )
    assert status == 200, library
    texts = [{"content": body, "contentType": content_type, "type": "body"}]
    if response_type == "CampaignEmailTemplate":  # which needs a subject
        texts.append({"content": "Hi", "contentType": "text/plain", "type": "subject"})
    status, response, _ = server.request(
        "POST",
        "/api/v2/responsemanagement/responses",
        token=token,
        json_body={
            "name": f"r {uuid.uuid4().hex[:8]}",
            "libraries": [{"id": library["id"]}],
            "responseType": response_type,
            "texts": texts,
        },
    )
    assert status == 200, response
    return str(response["id"])


def test_a_template_sms_is_its_rendered_text_and_never_empty_or_html(
    server: Server, admin_token: str, sender: str, database: Any
) -> None:
    code = _response(server, admin_token, "CampaignSmsTemplate", "text/plain", "{{code}}")
    html = _response(
        server, admin_token, "CampaignEmailTemplate", "text/html", "<p>Your code {{code}}</p>"
    )
    for response_id, parameters, field in (
        (code, [], "messagingTemplate.parameters"),  # nothing left to send
        (html, [{"id": "code", "value": "42"}], "messagingTemplate.responseId"),  # markup
    ):
        to = _recipient()
        body = {
            "fromAddress": sender,
            "toAddress": to,
            "toAddressMessengerType": "sms",
            "messagingTemplate": {"responseId": response_id, "parameters": parameters},
        }
        status, error, _ = server.request("POST", SMS, token=admin_token, json_body=body)
        assert status == 400, error
        assert field in str(error["details"])
        assert _messages_to(database, to) == 0
    to = _recipient()
    body = {
        "fromAddress": sender,
        "toAddress": to,
        "toAddressMessengerType": "sms",
        "messagingTemplate": {"responseId": code, "parameters": [{"id": "code", "value": "42"}]},
    }
    status, sent, _ = server.request("POST", SMS, token=admin_token, json_body=body)
    assert status == 202, sent
    with database.connect() as connection:
        texts = connection.execute(
            text("SELECT text_body FROM messages WHERE to_address = :to"), {"to": to}
        ).scalars()
        assert list(texts) == ["42"]
