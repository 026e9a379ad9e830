"""What a campaign does with each contact, and how its status moves: pure rules, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tidings.domain import campaigns as c
from tidings.domain.callable_times import CallableTime, CallableTimeSet, TimeSlot
from tidings.domain.campaign_rules import Context, Send, Skip, Wait, decide
from tidings.domain.contact_lists import AddressCheck, Contact
from tidings.domain.responses import Response, ResponseText
from tidings.domain.templates import Substitution

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # a Thursday


def _sms_campaign(**config: object) -> c.Campaign:
    sms = c.SmsConfig("phone", "+13175550100", content_template_id="t1")
    return c.Campaign("c1", "Sale", "d1", "l1", 60, sms_config=sms, **config)  # type: ignore[arg-type]


def _email_campaign() -> c.Campaign:
    email = c.EmailConfig(("work", "home"), "example.com", "news", content_template_id="t2")
    return c.Campaign("c2", "News", "d1", "l1", 60, email_config=email)


SMS_TEMPLATE = Response(
    "t1",
    "sms",
    ["lib"],
    [ResponseText("Hi {{name}}, code {{code}}")],
    "CampaignSmsTemplate",
    substitutions=(Substitution("code", "0000"),),
)
EMAIL_TEMPLATE = Response(
    "t2",
    "email",
    ["lib"],
    [
        ResponseText("Hello {{name}}", type="subject"),
        ResponseText("<p>Dear {{name}} &amp; co</p>", "text/html"),
    ],
    "CampaignEmailTemplate",
)


def _contact(address: str | None = "+13175550101", **fields: object) -> Contact:
    data = {"name": "Ann", "phone": "317 555 0101"}
    checks = {"phone": AddressCheck("317 555 0101", address, None if address else "too short")}
    return Contact("a", "l1", data, addresses=checks, **fields)  # type: ignore[arg-type]


def _context(**extra: object) -> Context:
    return Context(_sms_campaign(), NOW, template=SMS_TEMPLATE, **extra)  # type: ignore[arg-type]


def test_an_eligible_contact_gets_its_own_rendered_text() -> None:
    decision = decide(_context(), _contact())
    assert decision == Send("phone", "+13175550101", decision.content)  # type: ignore[union-attr]
    assert isinstance(decision, Send)
    assert decision.content.text == "Hi Ann, code 0000"


@pytest.mark.parametrize(
    ("contact", "context", "wrapup"),
    [
        (_contact(callable=False), _context(), c.CONTACT_UNCONTACTABLE),
        (_contact(phone_number_status={"phone": False}), _context(), c.NUMBER_UNCONTACTABLE),
        (
            _contact(contactable_status={"SMS": {"contactable": False}}),
            _context(),
            c.CONTACT_UNCONTACTABLE,
        ),
        (
            _contact(
                contactable_status={
                    "SMS": {"contactable": True, "columnStatus": {"phone": {"contactable": False}}}
                }
            ),
            _context(),
            c.NUMBER_UNCONTACTABLE,
        ),
        (_contact(None), _context(), c.INVALID_PHONE),
        (_contact(), _context(dnc={"+13175550101"}), c.DNC_SKIPPED),
        (_contact(), _context(opted_out={"+13175550101"}), c.OPTED_OUT),
    ],
)
def test_a_contact_that_may_not_be_messaged_is_skipped_with_its_code(
    contact: Contact, context: Context, wrapup: str
) -> None:
    decision = decide(context, contact)
    assert isinstance(decision, Skip)
    assert decision.wrapup == wrapup
    assert decision.reason


def test_the_contact_and_column_checks_come_before_the_lists() -> None:
    decision = decide(_context(dnc={"+13175550101"}), _contact(callable=False))
    assert isinstance(decision, Skip) and decision.wrapup == c.CONTACT_UNCONTACTABLE


def test_a_contact_outside_its_callable_time_waits_until_the_window_opens() -> None:
    slot = TimeSlot(5, datetime(2026, 1, 1, 9).time(), datetime(2026, 1, 1, 10).time())
    times = CallableTimeSet("s", "office", [CallableTime("UTC", (slot,))])
    decision = decide(_context(callable_times=times), _contact())
    assert isinstance(decision, Wait)
    assert decision.until == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_a_message_column_that_is_blank_or_too_long_is_skipped() -> None:
    sms = c.SmsConfig("phone", "+13175550100", message_column="body")
    campaign = c.Campaign("c1", "Sale", "d1", "l1", 60, sms_config=sms)
    blank = _contact()
    blank.data["body"] = "  "
    long = _contact()
    long.data["body"] = "x" * 766
    assert decide(Context(campaign, NOW), blank) == Skip(
        c.MESSAGE_BLANK, "the message is empty", "phone", "+13175550101"
    )
    too_long = decide(Context(campaign, NOW), long)
    assert isinstance(too_long, Skip) and too_long.wrapup == c.TOO_LONG


def test_a_deleted_template_skips_as_an_invalid_template() -> None:
    decision = decide(Context(_sms_campaign(), NOW), _contact())
    assert isinstance(decision, Skip) and decision.wrapup == c.INVALID_TEMPLATE


def test_an_email_campaign_uses_the_first_contactable_column_and_escapes_html() -> None:
    contact = Contact(
        "a",
        "l1",
        {"name": "<Bo>", "work": "x", "home": "bo@example.org"},
        addresses={
            "work": AddressCheck("x", None, "not an e-mail address"),
            "home": AddressCheck("bo@example.org", "bo@example.org"),
        },
    )
    decision = decide(Context(_email_campaign(), NOW, template=EMAIL_TEMPLATE), contact)
    assert isinstance(decision, Send)
    assert (decision.column, decision.address) == ("home", "bo@example.org")
    assert decision.content.subject == "Hello <Bo>"
    assert decision.content.html == "<p>Dear &lt;Bo&gt; &amp; co</p>"
    assert decision.content.text == "Dear <Bo> & co"


def test_an_email_contact_with_no_usable_column_says_why() -> None:
    contact = Contact("a", "l1", {}, addresses={"work": AddressCheck("x", None, "no @")})
    decision = decide(Context(_email_campaign(), NOW, template=EMAIL_TEMPLATE), contact)
    assert isinstance(decision, Skip)
    assert decision.wrapup == c.ADDRESS_UNCONTACTABLE
    assert decision.reason == "work: no @; home: empty"


@pytest.mark.parametrize(
    ("current", "wanted", "in_flight", "after"),
    [
        (c.OFF, c.ON, False, c.ON),
        (c.COMPLETE, c.ON, False, c.ON),
        (c.ON, c.OFF, True, c.STOPPING),
        (c.ON, c.OFF, False, c.OFF),
        (c.INVALID, c.OFF, False, c.OFF),
        (c.COMPLETE, c.OFF, False, c.COMPLETE),
    ],
)
def test_switching_on_and_off(current: str, wanted: str, in_flight: bool, after: str) -> None:
    assert c.status_after_switch(current, wanted, in_flight) == after


def test_a_campaign_names_its_problems_by_field() -> None:
    campaign = c.Campaign(
        "c",
        " ",
        "d",
        "l",
        0,
        sms_config=c.SmsConfig("", "", content_template_id="t", message_column="m"),
        contact_sorts=(c.ContactSort("a"),) * 5,
    )
    fields = {p.field_name for p in campaign.problems(max_per_minute=100)}
    assert fields == {
        "name",
        "messagesPerMinute",
        "contactSorts",
        "smsConfig.phoneColumn",
        "smsConfig.senderSmsPhoneNumber",
        "smsConfig.contentTemplate",
    }


def test_progress_counts_every_outcome_once() -> None:
    progress = c.Progress("c", "l", total=8, messaged=3, skipped={c.DNC_SKIPPED: 2})
    assert (progress.processed, progress.percentage) == (5, 62)
    assert c.Progress("c", "l").percentage == 0


@pytest.mark.parametrize(
    ("status", "code", "message", "wrapup"),
    [
        ("delivery-failed", None, None, c.SENT),
        ("failed", "RecipientOptedOut", None, c.OPTED_OUT),
        ("failed", "GeneralError", "unknown!", c.AMBIGUOUS),
        ("failed", "GeneralError", "refused", c.FAILED),
    ],
)
def test_a_settled_send_maps_to_its_wrapup(
    status: str, code: str | None, message: str | None, wrapup: str
) -> None:
    send = c.SettledSend(1, 1, "phone", "+1", status, code, message)
    assert c.outcome_of_send(send, "unknown!", "RecipientOptedOut") == wrapup


def test_waiting_is_never_longer_than_a_week_ahead() -> None:
    slot = TimeSlot(5, datetime(2026, 1, 1, 9).time(), datetime(2026, 1, 1, 10).time())
    times = CallableTimeSet("s", "office", [CallableTime("UTC", (slot,))])
    decision = decide(_context(callable_times=times), _contact())
    assert isinstance(decision, Wait) and decision.until - NOW <= timedelta(days=7)
