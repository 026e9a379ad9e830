"""Delivery receipts as SMSCs write them, and statuses that never move backwards."""

from __future__ import annotations

import pytest

from tidings.domain.receipts import DELIVERED, FAILED, moves_forward, parse_receipt

APPENDIX_B = (
    "id:0123456789 sub:001 dlvrd:001 submit date:2611261000 done date:2611261001 "
    "stat:DELIVRD err:000 text:Your code is 1234"
)


def test_the_appendix_b_text_is_read() -> None:
    found = parse_receipt(APPENDIX_B)
    assert found is not None
    assert (found.message_id, found.state, found.error, found.outcome) == (
        "0123456789",
        "DELIVRD",
        None,
        DELIVERED,
    )


def test_the_tlvs_win_over_the_text() -> None:
    found = parse_receipt(APPENDIX_B, receipted_message_id="abc-77", message_state=5)
    assert found is not None
    assert (found.message_id, found.state, found.outcome) == ("abc-77", "UNDELIV", FAILED)


STATES_AND_ERRORS = [
    ("id:X1 stat:UNDELIV err:001", "UNDELIV", "001", True),
    ("ID:X1 SUB:001 DLVRD:000 STAT:rejectd ERR:0B7 TEXT:", "REJECTD", "0B7", True),
    ("id:X1 stat:ACCEPTD err:000", "ACCEPTD", None, False),
    ("id:X1 stat:ENROUTE", "ENROUTE", None, False),
    ("id:X1 stat:EXPIRED err:000 text:stat:DELIVRD", "EXPIRED", None, True),
    ("id:X1 stat:UNDELIV err:12 text:err:999", "UNDELIV", "12", True),
    ("id:X1 stat:DELIVRD err:000 text:Reply stat: EXPIRED ok", "DELIVRD", None, True),
    ("id:X1 stat:DELIVRD err:000 text:Code err: 99", "DELIVRD", None, True),
    ("id:X1 stat:DELIVERED err:0", "DELIVRD", None, True),
    ("id:X1 stat:UNDELIVERABLE err:034", "UNDELIV", "034", True),
    ("id:X1 stat:Rejected", "REJECTD", None, True),
    ("id:X1 sub:001 dlvrd:001 stat:DELIVRD\x00", "DELIVRD", None, True),
]


def test_our_own_message_quoted_in_text_is_not_read_as_the_receipt() -> None:
    """text: holds the start of the message we sent, whatever it says."""
    found = parse_receipt("id:X1 sub:001 dlvrd:000 stat:UNDELIV err:000 text:Your order id: 4711")
    assert found is not None and (found.message_id, found.state) == ("X1", "UNDELIV")


@pytest.mark.parametrize(("text", "state", "error", "final"), STATES_AND_ERRORS)
def test_states_and_errors(text: str, state: str, error: str | None, final: bool) -> None:
    found = parse_receipt(text)
    assert found is not None
    assert (found.state, found.error, found.final) == (state, error, final)


@pytest.mark.parametrize("text", [APPENDIX_B] + [case[0] for case in STATES_AND_ERRORS])
def test_with_the_tlvs_the_error_still_comes_from_the_text(text: str) -> None:
    alone = parse_receipt(text)
    with_tlvs = parse_receipt(text, receipted_message_id="abc-77", message_state=5)
    assert alone is not None and with_tlvs is not None
    assert (with_tlvs.message_id, with_tlvs.state) == ("abc-77", "UNDELIV")
    assert with_tlvs.error == alone.error


@pytest.mark.parametrize(
    "text", ["", "hello, this is a reply", "id: stat:DELIVRD", "id:1 stat:NOPE"]
)
def test_a_text_without_a_receipt_is_none(text: str) -> None:
    assert parse_receipt(text) is None


@pytest.mark.parametrize(
    ("current", "proposed", "allowed"),
    [
        ("queued", "sent", True),
        ("sent", DELIVERED, True),
        ("queued", DELIVERED, True),  # a receipt may beat the submit response
        ("sent", "queued", False),
        (DELIVERED, FAILED, False),  # a late receipt does not undo an outcome
        (FAILED, DELIVERED, False),
        (DELIVERED, DELIVERED, False),  # a repeated receipt changes nothing
        ("failed", "sent", False),
    ],
)
def test_statuses_only_move_forward(current: str, proposed: str, allowed: bool) -> None:
    assert moves_forward(current, proposed) is allowed
