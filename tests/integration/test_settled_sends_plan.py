"""The campaign engine looks for its settled sends every pass. On PostgreSQL that search must
reach each message through its primary key, whatever the planner knows of the messages: with
no statistics yet (a new database's first campaign) it walked the outbox's index once for
every queued attempt, seconds a pass at a few thousand; with statistics it read every
message the campaign had sent, a pass slower the further the campaign went."""

from __future__ import annotations

import pytest

from tests.conftest import BACKEND
from tests.support.query_plans import plan, statements_sent
from tidings import bootstrap
from tidings.domain.campaigns import Campaign, SettledSend

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="a choice of PostgreSQL's planner")

QUEUED = 3000
# Autovacuum must not analyse the tables while the test runs: the statistics stay those of
# the empty tables the migrations made, as in the first seconds of a first campaign.
_FILL = [
    "ALTER TABLE messages SET (autovacuum_enabled = false)",
    "ALTER TABLE campaign_attempts SET (autovacuum_enabled = false)",
    "INSERT INTO messages (id, conversation_id, media_type, direction, from_address, "
    "to_address, status, segment_count, send_state, attempts, created_at, status_changed_at) "
    "SELECT 'm' || i, 'c' || i, 'sms', 'outbound', '+13175550100', '+1317' || (2000000 + i), "
    "CASE WHEN mod(i, 2) = 0 THEN 'sent' ELSE 'queued' END, 1, "
    "CASE WHEN mod(i, 2) = 0 THEN 'done' ELSE 'sending' END, 1, now(), now() "
    f"FROM generate_series(1, {QUEUED}) AS i",
    "INSERT INTO campaign_attempts (campaign_id, cycle, contact_seq, contact_id, state, rank, "
    "position, message_id) SELECT 'campaign', 1, i, 'contact' || i, 'queued', 1, i, 'm' || i "
    f"FROM generate_series(1, {QUEUED}) AS i",
]


async def test_settled_sends_are_found_through_the_messages_primary_key(
    app: bootstrap.Container,
) -> None:
    settled, text = await _settled_sends_and_plan(app, _FILL)
    # The messages with an even number are settled; the others are still being sent.
    assert sorted(s.seq for s in settled) == list(range(2, QUEUED + 1, 2))
    assert "ix_messages_send_state_next_attempt_at" not in text, text
    assert "pk_messages" in text, text


SENT = 20_000
IN_FLIGHT = 2_000
# A campaign well under way, its tables analysed: 20,000 messages sent and their attempts
# done, 2,000 attempts queued, of which the first 200 have their message settled.
_UNDER_WAY = [
    "INSERT INTO messages (id, conversation_id, media_type, direction, from_address, "
    "to_address, status, segment_count, send_state, attempts, created_at, status_changed_at) "
    "SELECT 'm' || i, 'c' || i, 'sms', 'outbound', '+13175550100', '+1317' || (2000000 + i), "
    f"CASE WHEN i <= {SENT + 200} THEN 'sent' ELSE 'queued' END, 1, "
    f"CASE WHEN i <= {SENT + 200} THEN 'done' ELSE 'pending' END, 1, now(), now() "
    f"FROM generate_series(1, {SENT + IN_FLIGHT}) AS i",
    "INSERT INTO campaign_attempts (campaign_id, cycle, contact_seq, contact_id, state, rank, "
    f"position, message_id) SELECT 'campaign', 1, i, 'contact' || i, CASE WHEN i <= {SENT} "
    "THEN 'done' ELSE 'queued' END, 1, i, 'm' || i "
    f"FROM generate_series(1, {SENT + IN_FLIGHT}) AS i",
    "ANALYZE messages",
    "ANALYZE campaign_attempts",
]


async def test_settled_sends_read_only_the_messages_in_flight_however_many_were_sent(
    app: bootstrap.Container,
) -> None:
    settled, text = await _settled_sends_and_plan(app, _UNDER_WAY)
    assert sorted(s.seq for s in settled) == list(range(SENT + 1, SENT + 201))
    assert "Seq Scan on messages" not in text, text
    assert "pk_messages" in text, text


async def _settled_sends_and_plan(
    app: bootstrap.Container, fill: list[str]
) -> tuple[list[SettledSend], str]:
    """The settled sends found after `fill`, and the database's plan of their search."""
    async with app.engine.begin() as connection:
        for statement in fill:
            await connection.exec_driver_sql(statement)
    campaign = Campaign("campaign", "campaign", "division", "list", 1000)
    with statements_sent(app.engine, "FROM campaign_attempts JOIN") as sent:
        async with app.send_path_uow() as uow:
            settled = await uow.campaign_attempts.settled_sends(campaign, 2000)
    [(statement, parameters)] = sent
    return settled, await plan(app.engine, statement, parameters)
