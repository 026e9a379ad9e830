"""The console's event log page: the dialer's events newest first, narrowed by level and
category, paged, in the user's divisions only, refused without outbound:eventLog:view.

The events are written straight into the database, dated far in the future so they come
before every event the other tests make."""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert

from tests.support.console import Browserless, create_user, signed_in
from tests.support.server import Server
from tidings.adapters.db.engine import driver_url
from tidings.adapters.db.tables import dialer_events

_EVENT = re.compile(r'data-event="([^"]+)"')


@dataclass
class Events:
    tag: str
    home: str
    division: str


@pytest.fixture(scope="module")
def events(server: Server, admin_token: str) -> Events:
    status, division, _ = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": f"events-{uuid.uuid4().hex[:6]}"},
    )
    assert status == 200, division
    home = server.request("GET", "/api/v2/authorization/divisions/home", token=admin_token)[1]
    found = Events(uuid.uuid4().hex[:8], home["id"], division["id"])
    start = datetime(2090, 1, 1, tzinfo=UTC) + timedelta(days=random.randrange(3000))
    rows = [
        # 30 warnings about retention (paging), an error and one event elsewhere.
        *[("WARNING", "RETENTION_POLICY", f"retention {n}", home["id"]) for n in range(30)],
        ("ERROR", "IMPORT_ERROR", "import failed <b>bold</b>", home["id"]),
        ("INFO", "CAMPAIGN", "secret of another division", division["id"]),
    ]
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    engine = create_engine(driver_url(url, asynchronous=False))
    with engine.begin() as connection:
        for index, (level, category, message, division_id) in enumerate(rows):
            connection.execute(
                insert(dialer_events).values(
                    id=f"{found.tag}-{index:02d}",
                    level=level,
                    category=category,
                    name="TEST_EVENT",
                    message=f"{message} ({found.tag})",
                    params={},
                    related_entity={"id": str(uuid.uuid4()), "name": f"list {found.tag}"},
                    division_id=division_id,
                    timestamp=start + timedelta(minutes=index),
                )
            )
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def reader(server: Server, events: Events) -> Browserless:
    return signed_in(server, create_user(server, f"reporting@{events.home}"))


def _mine(events: Events, page: str) -> list[str]:
    return [found for found in _EVENT.findall(page) if found.startswith(events.tag)]


def test_level_and_category_narrow_the_events(events: Events, reader: Browserless) -> None:
    errors = reader.get("/events?level=ERROR")
    assert errors.status_code == 200, errors.text
    assert _mine(events, errors.text) == [f"{events.tag}-30"]
    assert "import failed &lt;b&gt;bold&lt;/b&gt;" in errors.text  # text, not markup
    retention = reader.get("/events?category=RETENTION_POLICY&level=WARNING").text
    assert _mine(events, retention) == [f"{events.tag}-{n:02d}" for n in range(29, 4, -1)]
    assert reader.get("/events?level=LOUD").status_code == 400


def test_pages_keep_the_filters(events: Events, reader: Browserless) -> None:
    first = reader.get("/events?category=RETENTION_POLICY").text
    following = re.search(r'<a href="\?([^"]*)" rel="next">', first)
    assert following, "no next page"
    second = reader.get("/events?" + following.group(1).replace("&amp;", "&")).text
    assert _mine(events, second) == [f"{events.tag}-{n:02d}" for n in range(4, -1, -1)]


def test_another_divisions_events_are_not_shown(
    server: Server, events: Events, reader: Browserless
) -> None:
    assert "secret of another division" not in reader.get("/events?category=CAMPAIGN").text
    admin = signed_in(server, create_user(server, "admin"))
    assert f"secret of another division ({events.tag})" in admin.get("/events").text


def test_without_the_permission_the_log_is_refused(server: Server) -> None:
    sender = signed_in(server, create_user(server, "sender"))
    answer = sender.get("/events")
    assert answer.status_code == 403
    assert "outbound:eventLog:view" in answer.text
    assert 'href="/events"' not in sender.get("/simulator").text
