"""The interactions view: every message the user may read, narrowed by the filters, paged
without page numbers, with a column chooser, and exported as CSV or PDF with only the rows
the filters select; the analytics permission and the user's divisions decide what is seen."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from tests.support.console import Browserless, create_user, signed_in
from tests.support.interactions import Day, seed_day
from tests.support.server import Server

_ROW = re.compile(r'data-message="([^"]+)"')
_OLDER = re.compile(r'<a href="(/interactions\?[^"]*)" rel="next">')


@pytest.fixture(scope="module")
def day(server: Server, admin_token: str) -> Day:
    return seed_day(server, admin_token, bulk=53)


@pytest.fixture(scope="module")
def reporter(server: Server, day: Day) -> Browserless:
    """A reporter of the home division (the one agentless messages count as)."""
    return signed_in(server, create_user(server, f"reporting@{day.home}"))


def _names(day: Day, client: Browserless, query: str) -> set[str]:
    answer = client.get(f"/interactions?{day.span}&{query}")
    assert answer.status_code == 200, answer.text
    by_id = {message_id: name for name, message_id in day.ids.items()}
    return {by_id.get(found, found) for found in _ROW.findall(answer.text)}


def _no_bulk(names: set[str]) -> set[str]:
    return {name for name in names if not name.startswith("bulk")}


def test_the_filters_narrow_the_rows(day: Day, reporter: Browserless) -> None:
    everything = {"delivered", "failed", "asked", "reply", "email"}
    assert _no_bulk(_names(day, reporter, "text=e")) == everything - {"reply"}
    assert _names(day, reporter, "direction=inbound") == {"reply"}
    assert _names(day, reporter, "channel=email") == {"email"}
    assert _names(day, reporter, "channel=sms&status=DeliveryFailed") == {"failed"}
    assert _names(day, reporter, f"campaign={day.campaign}") == {"delivered", "failed", "asked"}
    assert _names(day, reporter, f"contact_list={day.contact_list}&direction=outbound") == {
        "delivered",
        "failed",
        "asked",
    }
    # The address is the sender or the recipient: the question and its answer.
    assert _names(day, reporter, "address=%2B13175550103") == {"asked", "reply"}
    assert _names(day, reporter, "text=stop") == {"reply"}  # case does not matter
    assert _names(day, reporter, "text=%25") == set()  # a LIKE wildcard is just a character
    assert _names(day, reporter, "text=PARCEL&direction=outbound") == {"delivered", "asked"}


def test_another_divisions_messages_are_not_shown(
    server: Server, day: Day, reporter: Browserless
) -> None:
    assert "elsewhere" not in _names(day, reporter, "")
    assert "secret of another division" not in reporter.get(f"/interactions?{day.span}").text
    admin = signed_in(server, create_user(server, "admin"))
    assert "elsewhere" in _names(day, admin, f"campaign={day.campaign}")
    csv_text = reporter.get(f"/interactions/export.csv?{day.span}").text
    assert "secret of another division" not in csv_text


def test_older_pages_follow_without_counting(day: Day, reporter: Browserless) -> None:
    first = reporter.get(f"/interactions?{day.span}&text=bulk")
    rows = _ROW.findall(first.text)
    assert len(rows) == 50  # newest first
    assert rows[0] == day.ids["bulk 52"]
    older = _OLDER.search(first.text)
    assert older, "no link to older messages"
    second = reporter.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert _ROW.findall(second.text) == [day.ids[f"bulk {n}"] for n in (2, 1, 0)]
    assert not _OLDER.search(second.text)
    assert "« Newest" in second.text
    assert reporter.get(f"/interactions?{day.span}&after=nonsense").status_code == 400


def test_the_column_chooser_lists_every_column(day: Day, reporter: Browserless) -> None:
    page = reporter.get(f"/interactions?{day.span}&direction=inbound").text
    assert re.search(
        r'data-column-chooser data-storage-key="tidings\.columns\.interactions\.', page
    )
    keys = re.findall(r'<input type="checkbox" value="([A-Za-z]+)" checked>', page)
    assert "text" in keys and "addressFrom" in keys and len(keys) == 12
    row = page[page.index(f'data-message="{day.ids["reply"]}"') :].split("</tr>")[0]
    assert re.findall(r'data-col="([A-Za-z]+)"', row) == keys  # a cell under every heading


def test_the_csv_export_holds_the_filtered_rows_only(day: Day, reporter: Browserless) -> None:
    answer = reporter.get(f"/interactions/export.csv?{day.span}&campaign={day.campaign}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    by_id = {message_id: name for name, message_id in day.ids.items()}
    # Newest first; the reply shares the campaign's conversation but not its campaign.
    assert [by_id[r["messageId"]] for r in rows] == ["asked", "failed", "delivered"]
    assert rows[1]["text"] == '\'=HYPERLINK("http://evil")'  # shown as text, never run
    assert rows[2]["addressTo"] == "+13175550101"


def test_the_pdf_export_holds_the_filtered_rows(day: Day, reporter: Browserless) -> None:
    answer = reporter.get(f"/interactions/export.pdf?{day.span}&channel=email&text=Newsletter")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages]
    text = "\n".join(pages)
    assert "Interactions" in text
    assert "mediaType = email" in text and "text contains: Newsletter" in text
    assert "お知らせ" in text and "ann@example.com" in text
    assert "parcel" not in text and "STOP" not in text
    assert f"page 1 of {len(pages)}" in pages[0]


def test_without_the_analytics_permission_the_view_is_refused(server: Server, day: Day) -> None:
    sender = signed_in(server, create_user(server, "sender"))
    for path in ("/interactions", "/interactions/export.csv", "/interactions/export.pdf"):
        answer = sender.get(f"{path}?{day.span}")
        assert answer.status_code == 403, path
        assert "analytics:conversationDetail:view" in answer.text
    assert 'href="/interactions"' not in sender.get("/simulator").text


def test_bad_filters_are_refused_naming_the_field(day: Day, reporter: Browserless) -> None:
    answers: dict[str, Any] = {
        "direction": reporter.get(f"/interactions?{day.span}&direction=sideways"),
        "start": reporter.get("/interactions?start=yesterday"),
        "end": reporter.get("/interactions?start=2024-05-02&end=2024-05-01"),
    }
    for field, answer in answers.items():
        assert answer.status_code == 400, field
        assert field in answer.text
