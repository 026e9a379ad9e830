"""A bounce made by a real MTA: Tidings sends through postfix, postfix relays to the inbound
receiver, which refuses the unknown recipient at RCPT; postfix returns its own DSN to the
VERP address, and the receiver takes it back: the message is `delivery-failed` with
postfix's reason and the address is suppressed."""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

import pytest

from tests.conftest import fresh_database
from tests.support.postfix import running_postfix, why_postfix_cannot_run
from tests.support.server import free_port, running_server

_REASON = why_postfix_cannot_run()
if _REASON is not None and os.environ.get("CI"):
    pytest.fail(f"the postfix round trip cannot run: {_REASON}", pytrace=False)
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")

EMAIL = "/api/v2/conversations/emails"


def test_postfix_bounces_an_unknown_user_back_into_tidings(tmp_path: Any) -> None:
    inbound = free_port()
    with (
        running_postfix(inbound) as postfix,
        fresh_database(tmp_path) as url,
        running_server(
            url,
            data_dir=tmp_path,
            smtp_url=f"smtp://127.0.0.1:{postfix.port}?starttls=never",
            bounce_host="mx.tidings.test",
            inbound_smtp=f"127.0.0.1:{inbound}",
        ) as served,
    ):
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", inbound), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the inbound receiver never listened"
                time.sleep(0.1)
        token = served.token(served.create_client("postfix admin", "admin"))
        domain = f"shop-{uuid.uuid4().hex[:6]}.example"
        status, body, _ = served.request(
            "POST",
            "/api/v2/routing/email/outbound/domains",
            token=token,
            json_body={"id": domain, "name": domain},
        )
        assert status == 200, body
        status, sent, _ = served.request(
            "POST",
            f"{EMAIL}/agentless",
            token=token,
            json_body={
                "senderType": "Outbound",
                "fromAddress": {"email": f"orders@{domain}"},
                "toAddresses": [{"email": "nobody@example.org"}],
                "subject": "Your order",
                "textBody": "Your order 4711 has shipped.",
            },
        )
        assert status == 202, sent
        path = f"{EMAIL}/{sent['conversationId']}/messages/{sent['id']}"
        deadline = time.monotonic() + 60
        while True:
            found = served.request("GET", path, token=token)[1]
            if found["status"] == "delivery-failed" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        log = postfix.log
        status, again, _ = served.request(
            "POST",
            f"{EMAIL}/agentless",
            token=token,
            json_body={
                "senderType": "Outbound",
                "fromAddress": {"email": f"news@{domain}"},
                "toAddresses": [{"email": "nobody@example.org"}],
                "subject": "News",
                "textBody": "Hello",
            },
        )
        assert status == 202, again
        again_path = f"{EMAIL}/{again['conversationId']}/messages/{again['id']}"
        while (refused := served.request("GET", again_path, token=token)[1])["status"] == "queued":
            assert time.monotonic() < deadline + 30
            time.sleep(0.1)

    assert found["status"] == "delivery-failed", (found, log)
    # Postfix's own words about our RCPT refusal, through its DSN.
    assert "no such recipient here" in found["errorInfo"]["message"]
    [receipt] = found["receipts"]
    assert receipt["code"] == "5.1.1" and receipt["isFinalReceipt"] is True
    assert "status=bounced" in log
    assert refused["errorInfo"]["code"] == "RecipientOptedOut"
