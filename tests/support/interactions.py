"""Messages for the console's interactions view, written straight into the database on a day
of their own (far from the other tests' messages): campaign and agentless, SMS and e-mail,
inbound and outbound, in the home division and in another one."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, insert, text

from tests.support.server import Server
from tidings.adapters.db.engine import driver_url
from tidings.adapters.db.message_rows import FILL_SAID
from tidings.adapters.db.tables import conversations, messages


@dataclass
class Day:
    day: date
    campaign: str
    contact_list: str
    division: str
    home: str
    ids: dict[str, str] = field(default_factory=dict)  # name → message id

    @property
    def span(self) -> str:
        return f"start={self.day.isoformat()}&end={self.day.isoformat()}"


def _message(conversation: str, name: str, at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "conversation_id": conversation,
        "media_type": "sms",
        "direction": "outbound",
        "from_address": "+13175550000",
        "to_address": "+13175550001",
        "status": "sent",
        "text_body": f"Your parcel arrives today ({name})",
        "segment_count": 1,
        "send_state": "done",
        "attempts": 1,
        "created_at": at,
        "status_changed_at": at + timedelta(seconds=5),
    }
    row.update(values)
    return row


JAPANESE = "明日10時のご予約をお待ちしております"


def seed_day(server: Server, admin_token: str, *, bulk: int = 0, japanese: bool = False) -> Day:
    """A day's messages (see the plan below), `bulk` more agentless SMS (text `bulk n`) and,
    with `japanese`, an agentless SMS in Japanese (named `japanese`, text JAPANESE)."""
    status, division, _ = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": f"interactions-{uuid.uuid4().hex[:6]}"},
    )
    assert status == 200, division
    home = server.request("GET", "/api/v2/authorization/divisions/home", token=admin_token)[1]
    start = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(days=random.randrange(8000))
    found = Day(start.date(), str(uuid.uuid4()), str(uuid.uuid4()), division["id"], home["id"])
    campaign = {"campaign_id": found.campaign, "contact_list_id": found.contact_list}
    plan: list[tuple[str | None, str | None, list[tuple[str, dict[str, Any]]]]] = [
        # campaign, division, [(name, message values)]
        (
            found.campaign,
            home["id"],
            [
                (
                    "delivered",
                    {**campaign, "status": "delivery-success", "to_address": "+13175550101"},
                )
            ],
        ),
        (
            found.campaign,
            home["id"],
            [
                (
                    "failed",
                    {
                        **campaign,
                        "status": "delivery-failed",
                        "to_address": "+13175550102",
                        "error_code": "GeneralError",
                        "text_body": '=HYPERLINK("http://evil")',
                    },
                )
            ],
        ),
        (
            found.campaign,
            home["id"],
            [
                ("asked", {**campaign, "status": "delivery-success", "to_address": "+13175550103"}),
                (
                    "reply",
                    {
                        "direction": "inbound",
                        "status": "received",
                        "from_address": "+13175550103",
                        "to_address": "+13175550000",
                        "text_body": "STOP",
                    },
                ),
            ],
        ),
        (
            None,
            None,
            [
                (
                    "email",
                    {
                        "media_type": "email",
                        "status": "failed",
                        "from_address": "news@example.com",
                        "to_address": "ann@example.com",
                        "subject": "お知らせ",
                        "text_body": "Newsletter",
                    },
                )
            ],
        ),
        (
            found.campaign,
            division["id"],
            [("elsewhere", {**campaign, "text_body": "secret of another division"})],
        ),
    ]
    plan += [(None, None, [(f"bulk {n}", {"text_body": f"bulk {n}"})]) for n in range(bulk)]
    if japanese:
        plan.append(
            (None, None, [("japanese", {"text_body": JAPANESE, "to_address": "+13175550104"})])
        )
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    engine = create_engine(driver_url(url, asynchronous=False))
    with engine.begin() as connection:
        for index, (campaign_id, division_id, rows) in enumerate(plan):
            conversation = str(uuid.uuid4())
            at = start + timedelta(minutes=10 * index)
            connection.execute(
                insert(conversations).values(
                    id=conversation,
                    media_type=rows[0][1].get("media_type", "sms"),
                    from_address=rows[0][1].get("from_address", "+13175550000"),
                    to_address=rows[0][1].get("to_address", "+13175550001"),
                    started_at=at,
                    campaign_id=campaign_id,
                    division_id=division_id,
                )
            )
            for offset, (name, values) in enumerate(rows):
                row = _message(conversation, name, at + timedelta(minutes=offset), **values)
                connection.execute(insert(messages).values(row))
                found.ids[name] = row["id"]
        connection.execute(text(FILL_SAID))  # what the repository keeps of the messages
    engine.dispose()
    return found
