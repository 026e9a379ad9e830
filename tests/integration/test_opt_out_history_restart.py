"""The opt-out audit trail is the customer's proof: every change a consumer or a user made is
there after `tidings serve` is stopped and started again, in order, with its source."""

from __future__ import annotations

from typing import Any

from tests.conftest import fresh_database
from tests.support.sdk import eventually
from tests.support.server import Server, running_server

SENDER = "+13175550100"
CONSUMER = "+13175550177"
OPT_OUTS = "/api/v2/routing/sms/optouts"


def _history(server: Server, token: str) -> list[tuple[str, str | None, str]]:
    status, body, _ = server.request("GET", f"{OPT_OUTS}/{CONSUMER}", token=token)
    if status != 200:
        return []
    return [(h["action"], h.get("keyword"), h["source"]) for h in body["history"]]


def _text_in(server: Server, token: str, text: str) -> None:
    status, body, _ = server.request(
        "POST",
        "/api/v2/simulator/sms/inbound",
        token=token,
        json_body={"fromAddress": CONSUMER, "toAddress": SENDER, "textBody": text},
    )
    assert status == 202, body


def test_the_opt_out_history_is_complete_after_a_restart(tmp_path: Any) -> None:
    expected = [
        ("optOut", "STOP", "keyword"),
        ("optIn", "START", "keyword"),
        ("optOut", None, "api"),
        ("optIn", None, "api"),
        ("optOut", "UNSUBSCRIBE", "keyword"),
    ]
    with fresh_database(tmp_path) as url:
        with running_server(url, data_dir=tmp_path) as server:
            admin = server.create_client("history admin", "admin")
            token = server.token(admin)
            status, body, _ = server.request(
                "POST",
                "/api/v2/routing/sms/phonenumbers",
                token=token,
                json_body={"phoneNumber": SENDER, "phoneNumberType": "local"},
            )
            assert status == 200, body
            _text_in(server, token, "STOP")
            assert eventually(lambda: len(_history(server, token)) == 1)
            _text_in(server, token, "start")
            assert eventually(lambda: len(_history(server, token)) == 2)
            status, body, _ = server.request(
                "POST",
                OPT_OUTS,
                token=token,
                json_body={"address": CONSUMER, "reason": "asked by phone"},
            )
            assert status == 200, body
            status, body, _ = server.request(
                "DELETE", f"{OPT_OUTS}/{CONSUMER}?reason=consent%20renewed", token=token
            )
            assert status in (200, 204), body
            _text_in(server, token, "Unsubscribe!")
            assert eventually(lambda: _history(server, token) == expected)
        with running_server(url, data_dir=tmp_path) as restarted:
            token = restarted.token(admin)
            assert _history(restarted, token) == expected
            status, body, _ = restarted.request("GET", f"{OPT_OUTS}/{CONSUMER}", token=token)
            assert body["optedOut"] is True
