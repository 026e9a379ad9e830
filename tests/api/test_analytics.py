"""The conversation detail query through the official SDK, as a reporting tool runs it:
campaign messages found by campaign, list, contact, status and address; Genesys' delivery
statuses; paging with the total; divisions respected; bad queries refused naming the field.

The campaign conversations are written straight into the database (campaigns are not built
yet), on a day of their own so that other tests' messages never fall in the interval."""

from __future__ import annotations

import csv
import io
import json
import random
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException
from pypdf import PdfReader
from sqlalchemy import create_engine, insert, text

from tests.support.sdk import model
from tests.support.server import Server
from tidings.adapters.db.engine import driver_url
from tidings.adapters.db.message_rows import FILL_SAID
from tidings.adapters.db.tables import conversations, messages

QUERY = "/api/v2/analytics/conversations/details/query"


@dataclass
class Day:
    start: datetime
    campaign: str
    other_campaign: str
    contact_list: str
    division: str
    home: str
    ids: dict[str, str]  # name → conversation id

    @property
    def interval(self) -> str:
        end = self.start + timedelta(days=1)
        return f"{_iso(self.start)}/{_iso(end)}"


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _message(conversation: str, at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "conversation_id": conversation,
        "media_type": "sms",
        "direction": "outbound",
        "from_address": "+13175550000",
        "to_address": "+13175550001",
        "status": "sent",
        "text_body": "Your parcel arrives today",
        "segment_count": 1,
        "send_state": "done",
        "attempts": 1,
        "created_at": at,
        "status_changed_at": at + timedelta(seconds=5),
    }
    row.update(values)
    return row


@pytest.fixture(scope="module")
def day(server: Server, admin_token: str) -> Iterator[Day]:
    status, division, _ = server.request(
        "POST",
        "/api/v2/authorization/divisions",
        token=admin_token,
        json_body={"name": f"analytics-{uuid.uuid4().hex[:6]}"},
    )
    assert status == 200, division
    start = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(days=random.randrange(8000))
    home = server.request("GET", "/api/v2/authorization/divisions/home", token=admin_token)[1]
    found = Day(
        start,
        str(uuid.uuid4()),
        str(uuid.uuid4()),
        str(uuid.uuid4()),
        division["id"],
        home["id"],
        {},
    )
    plan = [
        # name, hour, campaign, division, messages
        (
            "delivered",
            9,
            found.campaign,
            home["id"],
            [{"status": "delivery-success", "contact_id": "c-1", "to_address": "+13175550101"}],
        ),
        (
            "failed",
            10,
            found.campaign,
            home["id"],
            [
                {
                    "status": "delivery-failed",
                    "contact_id": "c-2",
                    "to_address": "+13175550102",
                    "error_code": "GeneralError",
                    "text_body": '=HYPERLINK("http://evil")',
                }
            ],
        ),
        (
            "replied",
            11,
            found.campaign,
            home["id"],
            [
                {"status": "delivery-success", "contact_id": "c-3", "to_address": "+13175550103"},
                {
                    "direction": "inbound",
                    "status": "received",
                    "from_address": "+13175550103",
                    "to_address": "+13175550000",
                    "text_body": "STOP",
                    "campaign_id": None,
                    "contact_list_id": None,
                    "contact_id": None,
                },
            ],
        ),
        (
            "other campaign",
            12,
            found.other_campaign,
            home["id"],
            [{"status": "queued", "contact_id": "c-4", "to_address": "+13175550104"}],
        ),
        (
            "agentless email",
            13,
            None,
            None,
            [
                {
                    "media_type": "email",
                    "status": "failed",
                    "from_address": "news@example.com",
                    "to_address": "ann@example.com",
                    "subject": "お知らせ",
                    "campaign_id": None,
                    "contact_list_id": None,
                }
            ],
        ),
        (
            "elsewhere",
            14,
            found.campaign,
            found.division,
            [{"status": "sent", "contact_id": "c-6", "to_address": "+13175550106"}],
        ),
        (
            "the day before",
            -1,
            found.campaign,
            home["id"],
            [{"status": "sent", "contact_id": "c-7", "to_address": "+13175550107"}],
        ),
    ]
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    engine = create_engine(driver_url(url, asynchronous=False))
    with engine.begin() as connection:
        for name, hour, campaign, division_id, rows in plan:
            conversation = str(uuid.uuid4())
            at = start + timedelta(hours=hour)
            first = rows[0]
            connection.execute(
                insert(conversations).values(
                    id=conversation,
                    media_type=first.get("media_type", "sms"),
                    from_address=first.get("from_address", "+13175550000"),
                    to_address=first["to_address"],
                    started_at=at,
                    campaign_id=campaign,
                    division_id=division_id,
                )
            )
            for index, values in enumerate(rows):
                values = {"campaign_id": campaign, "contact_list_id": found.contact_list, **values}
                connection.execute(
                    insert(messages).values(
                        _message(conversation, at + timedelta(minutes=index), **values)
                    )
                )
            found.ids[name] = conversation
        connection.execute(text(FILL_SAID))  # what the repository keeps of the messages
    engine.dispose()
    yield found


@pytest.fixture(scope="module")
def clients(server: Server, day: Day) -> dict[str, Any]:
    """Callers made once (each is a CLI run): a reporter of the home division, one of the
    other division, and a sender (no analytics permission)."""
    return {
        "home": server.create_client("analytics home", f"reporting@{day.home}"),
        "elsewhere": server.create_client("analytics elsewhere", f"reporting@{day.division}"),
        "sender": server.create_client("sends only", "sender"),
    }


def _query(day: Day, **attributes: Any) -> Any:
    return model(gc.ConversationQuery, interval=day.interval, **attributes)


def _segment(*predicates: tuple[str, str], kind: str = "and") -> Any:
    return model(
        gc.SegmentDetailQueryFilter,
        type=kind,
        predicates=[
            model(gc.SegmentDetailQueryPredicate, dimension=d, value=v, operator="matches")
            for d, v in predicates
        ],
    )


def _ids(day: Day, answer: Any) -> list[str]:
    names = {v: k for k, v in day.ids.items()}
    return [names.get(c.conversation_id, c.conversation_id) for c in answer.conversations or []]


def test_a_campaigns_conversations_with_their_delivery_status(admin_sdk: Any, day: Day) -> None:
    api = gc.AnalyticsApi(admin_sdk)
    answer = api.post_analytics_conversations_details_query(
        _query(day, segment_filters=[_segment(("outboundCampaignId", day.campaign))])
    )
    assert _ids(day, answer) == ["delivered", "failed", "replied", "elsewhere"]
    assert answer.total_hits == 4
    delivered = answer.conversations[0]
    assert delivered.conversation_start == day.start + timedelta(hours=9)
    assert delivered.originating_direction == "outbound"
    campaign = next(p for p in delivered.participants if p.purpose == "campaign")
    session = campaign.sessions[0]
    assert (session.media_type, session.message_type, session.direction) == (
        "message",
        "sms",
        "outbound",
    )
    assert (session.delivery_status, session.outbound_campaign_id) == (
        "DeliverySuccess",
        day.campaign,
    )
    assert (session.outbound_contact_list_id, session.outbound_contact_id) == (
        day.contact_list,
        "c-1",
    )
    assert session.address_to == "+13175550101"
    assert session.delivery_status_change_date == day.start + timedelta(hours=9, seconds=5)
    assert session.segments[0].segment_type == "interact"
    failed = answer.conversations[1].participants[0].sessions[0]
    assert (failed.delivery_status, failed.segments[0].error_code) == (
        "DeliveryFailed",
        "GeneralError",
    )
    replied = answer.conversations[2]
    customer = next(p for p in replied.participants if p.purpose == "customer")
    assert (customer.sessions[0].direction, customer.sessions[0].delivery_status) == (
        "inbound",
        "Received",
    )


def test_filters_on_status_contact_address_media_and_or_clauses(admin_sdk: Any, day: Day) -> None:
    api = gc.AnalyticsApi(admin_sdk)

    def names(*filters: Any, conversation: Any = None) -> list[str]:
        query = _query(day, segment_filters=list(filters))
        if conversation is not None:
            query.conversation_filters = [conversation]
        return _ids(day, api.post_analytics_conversations_details_query(query))

    assert names(_segment(("deliveryStatus", "DeliveryFailed"))) == ["failed"]
    assert names(_segment(("outboundContactId", "c-3"))) == ["replied"]
    assert names(_segment(("addressTo", "+13175550104"))) == ["other campaign"]
    assert names(_segment(("mediaType", "email"))) == ["agentless email"]
    assert names(_segment(("direction", "inbound"))) == ["replied"]
    assert names(_segment(("deliveryStatus", "Read"))) == []  # never produced by Tidings
    either = _segment(("deliveryStatus", "Queued"), ("deliveryStatus", "DeliveryFailed"), kind="or")
    assert names(either) == ["failed", "other campaign"]
    # Both predicates of one segment filter hold on the same message: no inbound message
    # of the campaign exists (the reply carries no campaign id).
    assert names(_segment(("direction", "inbound"), ("outboundCampaignId", day.campaign))) == []
    # A conversation filter on the campaign sees the reply's conversation as the campaign's.
    by_conversation = model(
        gc.ConversationDetailQueryFilter,
        type="and",
        predicates=[
            model(
                gc.ConversationDetailQueryPredicate,
                dimension="conversationId",
                value=day.ids["replied"],
            )
        ],
    )
    assert names(_segment(("direction", "inbound")), conversation=by_conversation) == ["replied"]
    clause = model(
        gc.SegmentDetailQueryClause,
        type="or",
        predicates=[
            model(gc.SegmentDetailQueryPredicate, dimension="outboundContactId", value="c-1"),
            model(gc.SegmentDetailQueryPredicate, dimension="outboundContactId", value="c-2"),
        ],
    )
    nested = model(
        gc.SegmentDetailQueryFilter,
        type="and",
        clauses=[clause],
        predicates=[model(gc.SegmentDetailQueryPredicate, dimension="mediaType", value="message")],
    )
    assert names(nested) == ["delivered", "failed"]
    no_campaign = model(
        gc.SegmentDetailQueryFilter,
        type="and",
        predicates=[
            model(
                gc.SegmentDetailQueryPredicate,
                dimension="outboundCampaignId",
                operator="notExists",
            )
        ],
    )
    assert names(no_campaign) == ["replied", "agentless email"]


def test_pages_in_either_order_with_the_total(admin_sdk: Any, day: Day) -> None:
    api = gc.AnalyticsApi(admin_sdk)
    seen = []
    for number in (1, 2, 3, 4):
        answer = api.post_analytics_conversations_details_query(
            _query(
                day,
                order="desc",
                order_by="conversationStart",
                paging=model(gc.PagingSpec, page_size=2, page_number=number),
            )
        )
        assert answer.total_hits == 6
        seen += _ids(day, answer)
    assert seen == [
        "elsewhere",
        "agentless email",
        "other campaign",
        "replied",
        "failed",
        "delivered",
    ]


def test_a_caller_sees_only_its_divisions(sdk: Any, day: Day, clients: dict[str, Any]) -> None:
    home = gc.AnalyticsApi(sdk(clients["home"]))
    elsewhere = gc.AnalyticsApi(sdk(clients["elsewhere"]))
    at_home = _ids(day, home.post_analytics_conversations_details_query(_query(day)))
    assert "elsewhere" not in at_home and "agentless email" in at_home
    there = elsewhere.post_analytics_conversations_details_query(_query(day))
    assert (_ids(day, there), there.total_hits) == (["elsewhere"], 1)


def test_a_caller_without_the_permission_is_refused(
    sdk: Any, day: Day, clients: dict[str, Any]
) -> None:
    api = gc.AnalyticsApi(sdk(clients["sender"]))
    with pytest.raises(ApiException) as refused:
        api.post_analytics_conversations_details_query(_query(day))
    assert refused.value.status == 403
    assert "analytics:conversationDetail:view" in refused.value.body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"interval": "yesterday"}, "interval"),
        ({"interval": "2024-05-02T00:00:00Z/2024-05-01T00:00:00Z"}, "interval"),
        ({"interval": "2020-01-01T00:00:00Z/2024-01-01T00:00:00Z"}, "interval"),
        ({"order": "sideways"}, "order"),
        ({"orderBy": "colour"}, "orderBy"),
        ({"paging": {"pageSize": 1000, "pageNumber": 1}}, "paging.pageSize"),
        ({"paging": {"pageSize": 100, "pageNumber": 2000}}, "paging.pageNumber"),
        (
            {
                "segmentFilters": [
                    {"type": "and", "predicates": [{"dimension": "wrapUpCode", "value": "x"}]}
                ]
            },
            "segmentFilters[0].predicates[0].dimension",
        ),
        (
            {
                "segmentFilters": [
                    {"type": "xor", "predicates": [{"dimension": "direction", "value": "inbound"}]}
                ]
            },
            "segmentFilters[0].type",
        ),
        (
            {
                "segmentFilters": [
                    {"type": "and", "predicates": [{"dimension": "direction", "operator": "like"}]}
                ]
            },
            "segmentFilters[0].predicates[0].operator",
        ),
        ({"aggregations": [{"type": "termFrequency"}]}, "aggregations"),
    ],
)
def test_a_bad_query_is_refused_naming_the_field(
    server: Server, admin_token: str, day: Day, change: dict[str, Any], field: str
) -> None:
    body = {"interval": day.interval, **change}
    status, error, _ = server.request("POST", QUERY, token=admin_token, json_body=body)
    assert status == 400, error
    assert field in [d["fieldName"] for d in error["details"]]


EXPORT = "/api/v2/analytics/conversations/details/export"


def _export(server: Server, token: str, body: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(
        server.base_url + EXPORT,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read(), {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, error.read(), {}


def _campaign_query(day: Day) -> dict[str, Any]:
    return {
        "interval": day.interval,
        "segmentFilters": [
            {
                "type": "and",
                "predicates": [{"dimension": "outboundCampaignId", "value": day.campaign}],
            }
        ],
    }


def test_the_selected_messages_export_as_a_csv_a_spreadsheet_opens_safely(
    server: Server, admin_token: str, day: Day
) -> None:
    status, data, headers = _export(server, admin_token, {**_campaign_query(day), "format": "csv"})
    assert status == 200, data
    assert headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    # One row a message: the reply is in its campaign's conversation.
    assert [(r["conversationId"], r["deliveryStatus"]) for r in rows] == [
        (day.ids["delivered"], "DeliverySuccess"),
        (day.ids["failed"], "DeliveryFailed"),
        (day.ids["replied"], "DeliverySuccess"),
        (day.ids["replied"], "Received"),
        (day.ids["elsewhere"], "Sent"),
    ]
    assert rows[1]["text"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["addressTo"] == "+13175550101"  # a phone number is not "neutralised"


def test_the_selected_messages_export_as_a_pdf_with_their_text(
    server: Server, admin_token: str, day: Day
) -> None:
    query = {"interval": day.interval, "format": "pdf"}
    status, data, headers = _export(server, admin_token, query)
    assert status == 200, data
    assert headers["content-type"] == "application/pdf"
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    text = "\n".join(pages)
    assert "お知らせ" in text  # the e-mail's subject
    assert "DeliveryFailed" in text and "+13175550106" in text
    assert f"page 1 of {len(pages)}" in pages[0]


def test_an_export_follows_the_rules_of_the_query(
    server: Server, admin_token: str, day: Day, clients: dict[str, Any]
) -> None:
    sender = server.token(clients["sender"])
    status, data, _ = _export(server, sender, {**_campaign_query(day), "format": "csv"})
    assert status == 403 and b"analytics:conversationDetail:view" in data
    status, data, _ = _export(server, admin_token, {"interval": "soon", "format": "pdf"})
    assert status == 400 and b"interval" in data
    elsewhere = server.token(server.create_client("exports elsewhere", f"reporting@{day.division}"))
    status, data, _ = _export(server, elsewhere, {**_campaign_query(day), "format": "csv"})
    assert status == 200
    assert data.decode("utf-8-sig").count(day.campaign) == 1  # only its division's message
