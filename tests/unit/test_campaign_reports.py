"""How an attempt reads in the history: what the provider said, what the receipt said, and
export cells a spreadsheet shows as text."""

from __future__ import annotations

from datetime import UTC, datetime

from tidings.domain.campaign_reports import AttemptKey, AttemptRecord, csv_row


def _attempt(status: str | None, **changes: object) -> AttemptRecord:
    values: dict[str, object] = {
        "campaign_id": "c1",
        "cycle": 1,
        "seq": 5,
        "contact_id": "k1",
        "channel": "SMS",
        "address": "+13175550100",
        "wrapup": "OUTBOUND_MESSAGE_SENT",
        "reason": None,
        "settled_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "message_id": "m1" if status else None,
        "message_status": status,
        "error_code": None,
        "error_message": None,
        **changes,
    }
    return AttemptRecord(**values)  # type: ignore[arg-type]


def test_the_provider_accepted_what_it_sent_or_receipted_and_rejected_what_failed() -> None:
    assert _attempt("sent").aggregator == "accepted"
    assert _attempt("sent").receipt == "none yet"
    assert _attempt("delivery-failed").aggregator == "accepted"
    assert _attempt("delivery-failed").receipt == "delivery-failed"
    failed = _attempt("failed", error_code="InvalidDestination", error_message="no route")
    assert (failed.aggregator, failed.rejection, failed.receipt) == (
        "rejected",
        "InvalidDestination: no route",
        "",
    )
    assert _attempt("queued").aggregator == "pending"
    assert _attempt(None, wrapup="ININ_OUTBOUND_DNC_SKIPPED").aggregator == ""


def test_a_page_key_reads_back_and_anything_else_means_the_first_page() -> None:
    assert AttemptKey.parse(AttemptKey(3, 1200).token()) == AttemptKey(3, 1200)
    assert AttemptKey.parse("") is None
    assert AttemptKey.parse("1.-2") is None
    assert AttemptKey.parse("x.1") is None


def test_export_cells_run_no_formula_and_numbers_stay_numbers() -> None:
    row = csv_row(_attempt("sent", contact_id="=HYPERLINK(1)"), "@campaign")
    assert row[0] == "2026-01-02T03:04:05.000000Z"
    assert row[1] == "'@campaign"
    assert row[2] == "'=HYPERLINK(1)"
    assert row[3] == "+13175550100"
