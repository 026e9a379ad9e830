"""What comes back by SMS, as a consumer and the customer see it: STOP is confirmed and
every later message from that sender is blocked (RecipientOptedOut); HELP is answered;
START lifts the block; each change is in the opt-out history; opt-outs are set, cleared and
exported by API; keywords and texts are configurable per sender number. The consumer's
phone is the simulator's inbound route."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from sqlalchemy import create_engine, text

from tests.support.numbers import NEVER_PROVISIONED, fresh_number, fresh_recipient, provision_number
from tests.support.sdk import eventually
from tests.support.server import Server
from tidings.adapters.db.engine import driver_url
from tidings.domain.keywords import DEFAULT_HELP_TEXT, DEFAULT_OPT_IN_TEXT, DEFAULT_OPT_OUT_TEXT

NUMBERS = "/api/v2/routing/sms/phonenumbers"
OPT_OUTS = "/api/v2/routing/sms/optouts"
KEYWORDS = "/api/v2/routing/sms/keywordsettings"
INBOUND = "/api/v2/simulator/sms/inbound"


@pytest.fixture(scope="module")
def number(server: Server, admin_token: str) -> dict[str, Any]:
    return provision_number(server, admin_token)


@pytest.fixture(scope="module")
def sender(number: dict[str, Any]) -> str:
    return str(number["phoneNumber"])


def _send(admin_sdk: Any, sender: str, to: str, text: str = "Your order shipped") -> Any:
    body = gc.SendAgentlessOutboundMessageRequest()
    body.from_address, body.to_address = sender, to
    body.to_address_messenger_type, body.text_body = "sms", text
    return gc.ConversationsApi(admin_sdk).post_conversations_messages_agentless(body)


def _settled(admin_sdk: Any, sent: Any) -> Any:
    api = gc.ConversationsApi(admin_sdk)

    def final() -> Any:
        found = api.get_conversations_message_message(sent.conversation_id, sent.id)
        return found if found.status in ("delivery-success", "failed", "delivery-failed") else None

    found = eventually(final)
    assert found is not None, "the message never settled"
    return found


def _refused_for(admin_sdk: Any, sent: Any) -> str | None:
    """The reason code a settled message failed with, as the conversation shows it."""
    assert _settled(admin_sdk, sent).status == "failed"
    conversation = gc.ConversationsApi(admin_sdk).get_conversations_message(sent.conversation_id)
    ours = next(p for p in conversation.participants if p.purpose == "agent")
    found = next(m for m in ours.messages if m.message_id == sent.id)
    return found.error_info.code if found.error_info else None


def _texts_from_us(admin_sdk: Any, conversation_id: str, count: int) -> list[Any]:
    """Our messages in the conversation once `count` of them have settled."""
    api = gc.ConversationsApi(admin_sdk)

    def settled() -> list[Any] | None:
        conversation = api.get_conversations_message(conversation_id)
        ours = next(p for p in conversation.participants if p.purpose == "agent")
        found = [
            api.get_conversations_message_message(conversation_id, m.message_id)
            for m in ours.messages
        ]
        done = [m for m in found if m.status in ("delivery-success", "failed", "delivery-failed")]
        return done if len(done) >= count else None

    found = eventually(settled)
    assert found is not None, f"fewer than {count} messages from us settled"
    return sorted(found, key=lambda m: m.timestamp)


def _text_in(server: Server, token: str, consumer: str, sender: str, text: str) -> None:
    status, body, _ = server.request(
        "POST",
        INBOUND,
        token=token,
        json_body={"fromAddress": consumer, "toAddress": sender, "textBody": text},
    )
    assert status == 202, body


def _opt_outs_of(server: Server, token: str, consumer: str) -> dict[str, Any]:
    status, body, _ = server.request("GET", f"{OPT_OUTS}/{consumer}", token=token)
    assert status == 200, body
    return dict(body)


def test_stop_is_confirmed_blocks_later_messages_help_answers_and_start_lifts_it(
    server: Server, admin_token: str, admin_sdk: Any, sender: str
) -> None:
    consumer = fresh_recipient()
    first = _send(admin_sdk, sender, consumer, "Your appointment is tomorrow")
    assert _settled(admin_sdk, first).status == "delivery-success"

    _text_in(server, admin_token, consumer, sender, " stop. ")
    confirmation = _texts_from_us(admin_sdk, first.conversation_id, 2)[-1]
    assert confirmation.normalized_message.text == DEFAULT_OPT_OUT_TEXT
    assert confirmation.status == "delivery-success"  # the new opt-out let it through
    assert confirmation.to_address == consumer

    blocked = _send(admin_sdk, sender, consumer, "A later offer")
    assert _refused_for(admin_sdk, blocked) == "RecipientOptedOut"

    # Replies join the newest conversation with the consumer: the blocked message's.
    _text_in(server, admin_token, consumer, sender, "Help")
    help_text = _texts_from_us(admin_sdk, blocked.conversation_id, 2)[-1]
    assert help_text.normalized_message.text == DEFAULT_HELP_TEXT
    assert help_text.status == "delivery-success"

    _text_in(server, admin_token, consumer, sender, "START")
    opt_in = _texts_from_us(admin_sdk, blocked.conversation_id, 3)[-1]
    assert opt_in.normalized_message.text == DEFAULT_OPT_IN_TEXT
    again = _settled(admin_sdk, _send(admin_sdk, sender, consumer, "Welcome back"))
    assert again.status == "delivery-success"

    found = _opt_outs_of(server, admin_token, consumer)
    assert found["optedOut"] is False and found["optOuts"] == []
    history = found["history"]
    assert [(h["action"], h["keyword"], h["source"], h["senderAddress"]) for h in history] == [
        ("optOut", "STOP", "keyword", sender),
        ("optIn", "START", "keyword", sender),
    ]
    # Each change names the consumer's message that made it, and that message reads back.
    assert history[0]["messageId"] == _received(admin_sdk, first.conversation_id)[0]
    assert history[1]["messageId"] == _received(admin_sdk, blocked.conversation_id)[-1]


def _received(admin_sdk: Any, conversation_id: str) -> list[str]:
    conversation = gc.ConversationsApi(admin_sdk).get_conversations_message(conversation_id)
    theirs = next(p for p in conversation.participants if p.purpose == "customer")
    return [m.message_id for m in theirs.messages]


def test_a_sentence_with_stop_in_it_is_a_reply_not_an_opt_out(
    server: Server, admin_token: str, admin_sdk: Any, sender: str
) -> None:
    consumer = fresh_recipient()
    first = _send(admin_sdk, sender, consumer)
    _settled(admin_sdk, first)
    _text_in(server, admin_token, consumer, sender, "please don't stop")
    api = gc.ConversationsApi(admin_sdk)

    def replied() -> Any:
        conversation = api.get_conversations_message(first.conversation_id)
        theirs = next(p for p in conversation.participants if p.purpose == "customer")
        return conversation if theirs.messages else None

    conversation = eventually(replied)
    ours = next(p for p in conversation.participants if p.purpose == "agent")
    assert len(ours.messages) == 1  # nothing answered it
    status, _, _ = server.request("GET", f"{OPT_OUTS}/{consumer}", token=admin_token)
    assert status == 404
    assert _settled(admin_sdk, _send(admin_sdk, sender, consumer)).status == "delivery-success"


def test_stopall_blocks_every_sender_and_start_lifts_only_the_one_texted(
    server: Server, admin_token: str, admin_sdk: Any, sender: str
) -> None:
    other = provision_number(server, admin_token)["phoneNumber"]
    consumer = fresh_recipient()
    _text_in(server, admin_token, consumer, sender, "STOPALL")
    assert _opt_outs_of(server, admin_token, consumer)["optOuts"][0]["allSenders"] is True
    for number in (sender, other):
        assert _refused_for(admin_sdk, _send(admin_sdk, number, consumer)) == "RecipientOptedOut"
    _text_in(server, admin_token, consumer, other, "unstop")
    assert _settled(admin_sdk, _send(admin_sdk, other, consumer)).status == "delivery-success"
    assert _refused_for(admin_sdk, _send(admin_sdk, sender, consumer)) == "RecipientOptedOut"
    assert _opt_outs_of(server, admin_token, consumer)["exemptSenderAddresses"] == [other]


def test_custom_keywords_and_texts_per_sender_number_over_the_organisations(
    server: Server, admin_token: str, admin_sdk: Any
) -> None:
    number = provision_number(server, admin_token)
    sender = number["phoneNumber"]
    path = f"{NUMBERS}/{number['id']}/keywordsettings"
    status, body, _ = server.request(
        "PUT",
        path,
        token=admin_token,
        json_body={"optOutKeywords": ["basta"], "optOutText": "Basta: no more from us."},
    )
    assert status == 200, body
    assert body["optOutKeywords"] == ["BASTA"]
    assert "BASTA" in body["effective"]["optOutKeywords"]
    assert "STOP" in body["effective"]["optOutKeywords"]  # standard ones always work
    assert body["effective"]["helpText"] == DEFAULT_HELP_TEXT

    consumer = fresh_recipient()
    first = _send(admin_sdk, sender, consumer)
    _settled(admin_sdk, first)
    _text_in(server, admin_token, consumer, sender, "Basta!")
    assert _texts_from_us(admin_sdk, first.conversation_id, 2)[-1].normalized_message.text == (
        "Basta: no more from us."
    )
    [change] = _opt_outs_of(server, admin_token, consumer)["history"]
    assert (change["keyword"], change["action"]) == ("BASTA", "optOut")

    # A number without settings of its own takes the organisation's; deleting them reverts.
    assert server.request("DELETE", path, token=admin_token)[0] == 204
    body = server.request("GET", path, token=admin_token)[1]
    assert "BASTA" not in body["effective"]["optOutKeywords"]
    assert body["effective"]["optOutText"] == DEFAULT_OPT_OUT_TEXT


def test_keyword_settings_that_contradict_are_refused_naming_the_field(
    server: Server, admin_token: str
) -> None:
    before = server.request("GET", KEYWORDS, token=admin_token)[1]
    status, body, _ = server.request(
        "PUT", KEYWORDS, token=admin_token, json_body={"helpKeywords": ["stop"]}
    )
    assert status == 400
    assert body["details"][0]["fieldName"] == "helpKeywords"
    assert server.request("GET", KEYWORDS, token=admin_token)[1] == before


def test_opt_outs_set_and_cleared_by_api_block_and_release_and_keep_their_history(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, admin: Any
) -> None:
    consumer = fresh_recipient()
    status, body, _ = server.request(
        "POST",
        OPT_OUTS,
        token=admin_token,
        json_body={"address": consumer, "senderAddress": sender, "reason": "asked by phone"},
    )
    assert status == 200, body
    assert body["optedOut"] is True
    assert body["optOuts"][0]["senderAddress"] == sender
    assert _refused_for(admin_sdk, _send(admin_sdk, sender, consumer)) == "RecipientOptedOut"

    status, _, _ = server.request(
        "DELETE", f"{OPT_OUTS}/{consumer}?reason=consent%20on%20file", token=admin_token
    )
    assert status == 204
    assert _settled(admin_sdk, _send(admin_sdk, sender, consumer)).status == "delivery-success"
    history = _opt_outs_of(server, admin_token, consumer)["history"]
    assert [(h["action"], h["source"], h["oauthClientId"], h["reason"]) for h in history] == [
        ("optOut", "api", admin.id, "asked by phone"),
        ("optIn", "api", admin.id, "consent on file"),
    ]


def test_an_opt_out_naming_a_sender_in_other_capitals_blocks_and_clears_the_sender(
    server: Server, admin_token: str, admin_sdk: Any
) -> None:
    shop = f"Shop{uuid.uuid4().hex[:6]}"
    status, body, _ = server.request(
        "POST",
        "/api/v2/routing/sms/phonenumbers/alphanumeric",
        token=admin_token,
        json_body={"phoneNumber": shop},
    )
    assert status == 200, body
    consumer = fresh_recipient()
    status, body, _ = server.request(
        "POST",
        OPT_OUTS,
        token=admin_token,
        json_body={"address": consumer, "senderAddress": shop.upper()},
    )
    assert status == 200, body
    assert body["optOuts"][0]["senderAddress"] == shop  # as provisioned
    assert _refused_for(admin_sdk, _send(admin_sdk, shop, consumer)) == "RecipientOptedOut"
    status, _, _ = server.request(
        "DELETE", f"{OPT_OUTS}/{consumer}?senderAddress={shop.lower()}", token=admin_token
    )
    assert status == 204
    assert _opt_outs_of(server, admin_token, consumer)["optOuts"] == []

    # A row kept before senders were stored as provisioned, in other capitals, still blocks
    # the sender and is lifted by naming it.
    earlier = fresh_recipient()
    engine = create_engine(
        driver_url(
            server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db",
            asynchronous=False,
        )
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO opt_outs (channel, address, sender, reason, created_at) "
                "VALUES ('sms', :a, :s, 'STOP', :t)"
            ),
            {"a": earlier, "s": shop.lower(), "t": datetime.now(UTC).replace(tzinfo=None)},
        )
    engine.dispose()
    assert _refused_for(admin_sdk, _send(admin_sdk, shop, earlier)) == "RecipientOptedOut"
    status, _, _ = server.request(
        "DELETE", f"{OPT_OUTS}/{earlier}?senderAddress={shop}", token=admin_token
    )
    assert status == 204
    assert _opt_outs_of(server, admin_token, earlier)["optOuts"] == []


def test_setting_an_opt_out_checks_the_address_and_the_sender(
    server: Server, admin_token: str
) -> None:
    for body, field in (
        ({"address": "not a number"}, "address"),
        ({"address": fresh_number(), "senderAddress": NEVER_PROVISIONED}, "senderAddress"),
    ):
        status, answer, _ = server.request("POST", OPT_OUTS, token=admin_token, json_body=body)
        assert status == 400, answer
        assert answer["details"][0]["fieldName"] == field


def test_the_list_pages_filters_by_address_and_exports_as_csv(
    server: Server, admin_token: str, sender: str
) -> None:
    run = f"{uuid.uuid4().int % 800 + 200}"
    consumers = [f"+1463{run}55{n:02d}" for n in range(3)]
    for consumer in consumers:
        answer = server.request(
            "POST",
            OPT_OUTS,
            token=admin_token,
            json_body={"address": consumer, "reason": '=HYPERLINK("http://x")'},
        )
        assert answer[0] == 200, answer
    status, page, _ = server.request(
        "GET", f"{OPT_OUTS}?address=463{run}55&pageSize=2", token=admin_token
    )
    assert status == 200
    assert page["total"] == 3 and len(page["entities"]) == 2 and "nextUri" in page
    assert page["entities"][0]["address"] == consumers[0]
    assert page["entities"][0]["allSenders"] is True

    status, text, headers = server.request("GET", f"{OPT_OUTS}/export", token=admin_token)
    assert status == 200
    assert headers["content-type"].startswith("text/csv")
    assert text.startswith("\ufeff")  # UTF-8 with a byte-order mark
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    ours = [r for r in rows if r["address"] in consumers]
    assert [r["address"] for r in ours] == consumers
    assert {r["reason"] for r in ours} == {'\'=HYPERLINK("http://x")'}
    assert {r["senderAddress"] for r in ours} == {"*"}

    text = server.request("GET", f"{OPT_OUTS}/export?history=true", token=admin_token)[1]
    events = [r for r in csv.DictReader(io.StringIO(text[1:])) if r["address"] in consumers]
    assert [(r["action"], r["source"]) for r in events] == [("optOut", "api")] * 3
