"""A conversation nobody answers ends after the inactivity time: reading it back shows both
participants `disconnected` with an `endTime`, and a later reply opens a new conversation.
This server ends conversations as soon as nothing is left to send (inactivity 0 hours)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import fresh_database
from tests.support.numbers import fresh_number, fresh_recipient
from tests.support.sdk import eventually
from tests.support.server import Server, running_server
from tidings.adapters.db.engine import driver_url


@pytest.fixture(scope="module")
def quick() -> Iterator[Server]:
    with (
        tempfile.TemporaryDirectory(prefix="tidings-inactivity-") as directory,
        fresh_database(Path(directory)) as url,
        running_server(
            url, conversation_inactivity_hours="0", dispatcher_poll_seconds="0.2"
        ) as running,
    ):
        yield running


def test_an_unanswered_conversation_ends_and_a_later_reply_opens_a_new_one(quick: Server) -> None:
    admin = quick.create_client("inactivity admin", "admin")
    token = quick.token(admin)
    sender = fresh_number()
    status, body, _ = quick.request(
        "POST",
        "/api/v2/routing/sms/phonenumbers",
        token=token,
        json_body={"phoneNumber": sender, "phoneNumberType": "local"},
    )
    assert status == 200, body
    sdk = gc.ApiClient(host=quick.base_url).get_client_credentials_token(admin.id, admin.secret)
    api = gc.ConversationsApi(sdk)
    consumer = fresh_recipient()
    request = gc.SendAgentlessOutboundMessageRequest()
    request.from_address, request.to_address = sender, consumer
    request.to_address_messenger_type, request.text_body = "sms", "Your parcel arrived"
    sent = api.post_conversations_messages_agentless(request)

    def ended() -> Any:
        conversation = api.get_conversations_message(sent.conversation_id)
        states = {p.state for p in conversation.participants}
        return conversation if states == {"disconnected"} else None

    conversation = eventually(ended)
    assert conversation is not None, "the conversation never ended"
    assert all(p.end_time is not None for p in conversation.participants)
    ours = next(p for p in conversation.participants if p.purpose == "agent")
    # Ended once nothing was left to send (its receipt may come later and still counts).
    assert ours.messages[0].message_status in ("sent", "delivery-success")

    status, _, _ = quick.request(
        "POST",
        "/api/v2/simulator/sms/inbound",
        token=token,
        json_body={"fromAddress": consumer, "toAddress": sender, "textBody": "Thanks"},
    )
    assert status == 202
    again = api.get_conversations_message(sent.conversation_id)
    theirs = next(p for p in again.participants if p.purpose == "customer")
    assert not theirs.messages
    with _database(quick) as connection:
        opened = connection.execute(
            text(
                "SELECT c.id, c.ended_at FROM conversations c JOIN messages m"
                " ON m.conversation_id = c.id WHERE m.from_address = :a"
            ),
            {"a": consumer},
        ).all()
    assert len(opened) == 1 and opened[0].id != sent.conversation_id


@contextlib.contextmanager
def _database(server: Server) -> Iterator[Any]:
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    engine = create_engine(driver_url(url, asynchronous=False))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
