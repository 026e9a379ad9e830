"""The export source against the real database: the contacts of a list in insertion order,
in batches of the fields of `ExportRecord`, the JSON columns as their stored text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import polars as pl
import pytest
from sqlalchemy import create_engine, insert

from tidings.adapters.db.engine import driver_url, is_sqlite
from tidings.adapters.db.export_source import SqlExportSource
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.tables import contacts
from tidings.domain.exports import ExportRecord, utc_text

EXPECTED = pl.Schema(
    {
        "id": pl.String,
        "data": pl.String,
        "callable": pl.Boolean,
        "priority": pl.Boolean,
        "phone_number_status": pl.String,
        "addresses": pl.String,
        "contactable_status": pl.String,
        "sms_last_attempt": pl.String,
        "sms_last_result": pl.String,
        "sms_attempts": pl.Int64,
        "email_last_attempt": pl.String,
        "email_last_result": pl.String,
        "email_attempts": pl.Int64,
    }
)
IDS = ["plain", 'quo"te', "new\nline", "back\\slash", "山田", "tab\there", "\x01\x02", "z"]


def _contact(list_id: str, n: int, contact_id: str) -> dict[str, Any]:
    return {
        "contact_list_id": list_id,
        "id": contact_id,
        "data": {"phone": f"+1317555{n:04d}", "note": f'say "{contact_id}"\r\n'},
        "callable": n % 2 == 0,
        "phone_number_status": {"phone": False} if n == 3 else {},
        "contactable_status": {"Email": {"contactable": False}} if n == 2 else {},
        "sms_last_attempt": datetime(2026, 11, 26, 18, 0, 1, 500, tzinfo=UTC) if n == 2 else None,
        "sms_last_result": "ININ_OUTBOUND_DNC_SKIPPED" if n == 2 else None,
        "sms_attempts": 1 if n == 2 else 0,
        "addresses": {
            "phone": {"address": f"+1317555{n:04d}", "reason": None, "timeZones": ["A/B"]}
        },
        "priority": n == 1,
        "queued_at": n,
        "date_created": datetime.now(UTC),
    }


@pytest.fixture
def source(database_url: str) -> Any:
    upgrade(database_url)
    engine = create_engine(driver_url(database_url, asynchronous=False))
    with engine.begin() as connection:
        connection.execute(insert(contacts), [_contact("other", 0, "plain")])
        connection.execute(
            insert(contacts), [_contact("l", n, contact_id) for n, contact_id in enumerate(IDS)]
        )
        # A list spread thinly over the table (read through its index, then sorted).
        for n in range(3):
            connection.execute(insert(contacts), [_contact("thin", n, f"t{n}")])
            connection.execute(
                insert(contacts), [_contact("other", n, f"o{n}{m}") for m in range(5)]
            )
        # JSON stored with line breaks between its tokens (none of ours is, but it is JSON).
        cast = "?" if is_sqlite(database_url) else "CAST(%s AS json)"
        connection.exec_driver_sql(
            f"UPDATE contacts SET addresses = {cast} WHERE id = 'z'",
            ('{\n  "phone": {"address": null,\r\n "reason": "bad", "timeZones": []}\n}',),
        )
    engine.dispose()
    made = SqlExportSource(database_url, block_bytes=600)
    yield made
    made.close()


def _records(batches: list[pl.DataFrame]) -> list[ExportRecord]:
    assert all(batch.schema == EXPECTED for batch in batches)
    rows = pl.concat(batches).iter_rows() if batches else iter(())
    return [
        ExportRecord(
            i, orjson.loads(d), c, p, orjson.loads(s), orjson.loads(a), orjson.loads(cs), *h
        )
        for i, d, c, p, s, a, cs, *h in rows
    ]


def test_every_contact_of_the_list_is_a_line_in_insertion_order(source: SqlExportSource) -> None:
    batches = list(source.batches("l"))
    assert len(batches) > 1  # cut into batches of about 600 bytes
    records = _records(batches)
    assert [r.id for r in records] == IDS
    first = records[0]
    assert first.data == {"phone": "+13175550000", "note": 'say "plain"\r\n'}
    assert (first.callable, first.priority) == (True, False)
    assert first.addresses == {
        "phone": {"address": "+13175550000", "reason": None, "timeZones": ["A/B"]}
    }
    assert records[1].priority and not records[1].callable
    assert records[3].phone_number_status == {"phone": False}
    assert records[-1].addresses == {"phone": {"address": None, "reason": "bad", "timeZones": []}}
    # System data: contactable by channel, and the campaign history of each channel.
    assert records[2].contactable_status == {"Email": {"contactable": False}}
    assert records[2].sms_last_result == "ININ_OUTBOUND_DNC_SKIPPED"
    assert utc_text(records[2].sms_last_attempt) == "2026-11-26T18:00:01Z"
    assert (records[2].sms_attempts, records[0].sms_attempts) == (1, 0)


def test_only_the_chosen_contacts(source: SqlExportSource) -> None:
    records = _records(list(source.batches("l", ["z", "山田", "missing", "plain"])))
    assert [r.id for r in records] == ["plain", "山田", "z"]


def test_a_list_spread_over_the_table_comes_in_order(source: SqlExportSource) -> None:
    assert [r.id for r in _records(list(source.batches("thin")))] == ["t0", "t1", "t2"]


def test_a_reading_stopped_half_way_lets_the_connection_go(source: SqlExportSource) -> None:
    batches = source.batches("l")
    next(batches)
    batches.close()  # type: ignore[attr-defined]
    assert len(_records(list(source.batches("l")))) == len(IDS)


def test_a_list_without_contacts_has_no_batches(source: SqlExportSource) -> None:
    assert list(source.batches("nothing")) == []
