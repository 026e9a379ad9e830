"""Messaging campaigns through the official SDK, against `tidings serve` with the simulator:
every eligible contact gets exactly one message with its own content, every other contact
is skipped with the reason a Genesys user knows, and progress adds up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException
from sqlalchemy import create_engine, text

from tests.support.numbers import fresh_recipient
from tests.support.sdk import eventually, model, ref
from tests.support.server import Server
from tidings.adapters.db.engine import driver_url

LISTS = "/api/v2/outbound/contactlists"
NUMBERS = "/api/v2/routing/sms/phonenumbers"
CAMPAIGNS = "/api/v2/outbound/messagingcampaigns"
TIME_SETS = "/api/v2/outbound/callabletimesets"
DNC_LISTS = "/api/v2/outbound/dnclists"
INDIANAPOLIS = "America/Indiana/Indianapolis"


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def database(server: Server) -> Iterator[Any]:
    url = server.env.get("TIDINGS_DATABASE_URL") or f"sqlite:///{server.data_dir}/tidings.db"
    engine = create_engine(driver_url(url, asynchronous=False))
    yield engine
    engine.dispose()


def _provisioned(server: Server, token: str, exchange: str) -> dict[str, Any]:
    """A new sender number `+1463<exchange>....` (another on a collision)."""
    for _ in range(20):
        number = f"+1463{exchange}{uuid.uuid4().int % 10_000:04d}"
        status, body, _ = server.request(
            "POST",
            NUMBERS,
            token=token,
            json_body={"phoneNumber": number, "phoneNumberType": "local", "countryCode": "US"},
        )
        if status == 200:
            return dict(body)
    raise AssertionError(f"could not provision a number: {status} {body}")


@pytest.fixture(scope="module")
def sender(server: Server, admin_token: str) -> str:
    return str(_provisioned(server, admin_token, "555")["phoneNumber"])


@pytest.fixture(scope="module")
def template(admin_sdk: Any) -> str:
    api = gc.ResponseManagementApi(admin_sdk)
    library = api.post_responsemanagement_libraries(model(gc.Library, name=_unique("camp")))
    body = model(
        gc.Response,
        name=_unique("sms"),
        libraries=[ref(library.id)],
        texts=[
            model(
                gc.ResponseText,
                content="Hi {{name}}, your code is {{code}}",
                content_type="text/plain",
                type="body",
            )
        ],
        response_type="CampaignSmsTemplate",
    )
    return str(api.post_responsemanagement_responses(body).id)


def _contact_list(server: Server, token: str, contacts: list[dict[str, Any]]) -> str:
    status, created, _ = server.request(
        "POST",
        LISTS,
        token=token,
        json_body={
            "name": _unique("campaign list"),
            "columnNames": ["name", "phone", "code", "body"],
            "phoneColumns": [{"columnName": "phone", "type": "cell"}],
        },
    )
    assert status == 200, created
    status, body, _ = server.request(
        "POST", f"{LISTS}/{created['id']}/contacts", token=token, json_body=contacts
    )
    assert status == 200, body
    return str(created["id"])


def _contact(contact_id: str, phone: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": contact_id,
        "data": {"name": contact_id.title(), "phone": phone, "code": f"C-{contact_id}"},
        **extra,
    }


def _add_contacts(server: Server, token: str, list_id: str, *contacts: dict[str, Any]) -> None:
    status, body, _ = server.request(
        "POST", f"{LISTS}/{list_id}/contacts", token=token, json_body=list(contacts)
    )
    assert status == 200, body


def _messaged(api: Any, campaign_id: str, count: int, seconds: float = 30.0) -> bool:
    """Whether the campaign comes to have messaged `count` contacts."""
    return bool(
        eventually(
            lambda: (
                api.get_outbound_messagingcampaign_progress(campaign_id).number_of_contacts_messaged
                == count
            ),
            seconds,
        )
    )


def _campaign(name: str, list_id: str, sender: str, template: str, **extra: Any) -> Any:
    return model(
        gc.MessagingCampaign,
        name=name,
        contact_list=ref(list_id),
        messages_per_minute=extra.pop("messages_per_minute", 6000),
        campaign_status="off",
        sms_config=model(
            gc.SmsConfig,
            phone_column="phone",
            sender_sms_phone_number=model(gc.SmsPhoneNumberRef, phone_number=sender),
            content_template=ref(template),
        ),
        **extra,
    )


def _running_and_messaged(
    api: Any, name: str, list_id: str, sender: str, template: str, **extra: Any
) -> Any:
    """An alwaysRunning campaign, started, once its first contact is messaged."""
    created = api.post_outbound_messagingcampaigns(
        _campaign(_unique(name), list_id, sender, template, always_running=True, **extra)
    )
    api.post_outbound_messagingcampaign_start(created.id)
    assert _messaged(api, created.id, 1)
    return created


def _events_about(api: Any, campaign_id: str) -> list[Any]:
    found = api.get_outbound_events(page_size=100, category="MESSAGING_CAMPAIGN")
    return [e for e in found.entities or [] if e.related_entity.id == campaign_id]


def _every_day(zone: str) -> dict[str, Any]:
    days = [{"day": d, "startTime": "00:00:00", "stopTime": "23:59:59"} for d in range(1, 8)]
    return {"timeZoneId": zone, "timeSlots": days}


def _time_set(server: Server, token: str, *callable_times: dict[str, Any]) -> dict[str, Any]:
    status, made, _ = server.request(
        "POST",
        TIME_SETS,
        token=token,
        json_body={"name": _unique("times"), "callableTimes": list(callable_times)},
    )
    assert status == 200, made
    return dict(made)


def _dnc_list(server: Server, token: str, *numbers: str) -> dict[str, Any]:
    status, made, _ = server.request(
        "POST",
        DNC_LISTS,
        token=token,
        json_body={"name": _unique("dnc"), "dncSourceType": "rds", "contactMethod": "Phone"},
    )
    assert status == 200, made
    status, body, _ = server.request(
        "POST", f"{DNC_LISTS}/{made['id']}/phonenumbers", token=token, json_body=list(numbers)
    )
    assert status == 204, body
    return dict(made)


def _tokyo_slot_not_now() -> dict[str, Any]:
    """A callable hour in Tokyo that is not now: tomorrow there, 10 to 11 in the morning."""
    tomorrow = datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=1)
    return {
        "timeZoneId": "Asia/Tokyo",
        "timeSlots": [
            {"day": tomorrow.isoweekday(), "startTime": "10:00:00", "stopTime": "11:00:00"}
        ],
    }


def test_an_sms_campaign_messages_each_eligible_contact_once_and_skips_the_rest(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str, database: Any
) -> None:
    contacts = [
        _contact("alice", "+1 317 555 0101"),
        _contact("bob", "(317) 555-0102"),
        _contact("carol", "+13175550103", callable=False),
        _contact("dave", "12"),
        _contact("erin", "+13175550105"),
        _contact("frank", "+13175550106"),
        _contact("hana", "+81 90-1234-5678"),
        _contact("ivan", "+13175550108"),
    ]
    list_id = _contact_list(server, admin_token, contacts)
    dnc = _dnc_list(server, admin_token, "317-555-0105")
    with database.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO opt_outs (channel, address, sender, reason, created_at) "
                "VALUES ('sms', '+13175550106', :s, 'STOP', :t)"
            ),
            {"s": sender, "t": datetime.now(UTC).replace(tzinfo=None)},
        )
    times = _time_set(server, admin_token, _every_day(INDIANAPOLIS), _tokyo_slot_not_now())

    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_messagingcampaigns(
        _campaign(
            _unique("spring sale"),
            list_id,
            sender,
            template,
            dnc_lists=[ref(dnc["id"])],
            callable_time_set=ref(times["id"]),
        )
    )
    assert created.campaign_status == "off" and created.version == 1
    api.post_outbound_messagingcampaign_start(created.id)

    def settled() -> Any:
        progress = api.get_outbound_messagingcampaign_progress(created.id)
        return progress if progress.number_of_contacts_called == 7 else None

    progress = eventually(settled)
    assert progress is not None, api.get_outbound_messagingcampaign_progress(created.id)
    assert progress.total_number_of_contacts == 8
    assert progress.number_of_contacts_messaged == 3
    assert progress.number_of_contacts_skipped == {
        "OUTBOUND_CONTACT_UNCONTACTABLE_SKIPPED": 1,
        "OUTBOUND_INVALID_PHONE_NUMBER": 1,
        "ININ_OUTBOUND_DNC_SKIPPED": 1,
        "ININ_OUTBOUND_ON_DO_NOT_CALL_LIST": 1,
    }
    assert progress.percentage == 87
    diagnostics = api.get_outbound_messagingcampaign_diagnostics(created.id)
    assert diagnostics.time_zone_rescheduled_contacts_count == 1
    # Hana waits for her morning in Tokyo: the campaign is not complete.
    assert api.get_outbound_messagingcampaign(created.id).campaign_status == "on"

    with database.connect() as connection:
        sent = connection.execute(
            text(
                "SELECT to_address, text_body, contact_id FROM messages "
                "WHERE campaign_id = :c ORDER BY contact_id"
            ),
            {"c": created.id},
        ).all()
    assert [tuple(row) for row in sent] == [
        ("+13175550101", "Hi Alice, your code is C-alice", "alice"),
        ("+13175550102", "Hi Bob, your code is C-bob", "bob"),
        ("+13175550108", "Hi Ivan, your code is C-ivan", "ivan"),
    ]
    status, erin, _ = server.request("GET", f"{LISTS}/{list_id}/contacts/erin", token=admin_token)
    assert erin["latestSmsEvaluations"]["phone"]["wrapupCodeId"] == "ININ_OUTBOUND_DNC_SKIPPED"
    status, alice, _ = server.request("GET", f"{LISTS}/{list_id}/contacts/alice", token=admin_token)
    assert status == 200, alice
    assert alice["latestSmsEvaluations"]["phone"]["wrapupCodeId"] == "OUTBOUND_MESSAGE_SENT"
    assert alice["messageAttempts"] == {"sms": 1}

    api.post_outbound_messagingcampaign_stop(created.id)
    assert eventually(
        lambda: api.get_outbound_messagingcampaign(created.id).campaign_status == "off"
    )


def test_a_campaign_without_waiting_contacts_completes_and_recycles(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str, database: Any
) -> None:
    list_id = _contact_list(
        server, admin_token, [_contact(f"p{i}", f"+1317555{1200 + i:04d}") for i in range(30)]
    )
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_messagingcampaigns(
        _campaign(_unique("complete"), list_id, sender, template)
    )
    api.post_outbound_messagingcampaign_start(created.id)
    assert eventually(
        lambda: api.get_outbound_messagingcampaign(created.id).campaign_status == "complete"
    )
    progress = api.get_outbound_messagingcampaign_progress(created.id)
    assert (progress.total_number_of_contacts, progress.number_of_contacts_messaged) == (30, 30)
    assert progress.percentage == 100
    [event] = _events_about(api, created.id)
    assert (event.level, event.name) == ("INFO", "MESSAGING_CAMPAIGN_COMPLETE")
    assert event.event_message.code is None  # the SDK's enum has no code for it

    finished = api.get_outbound_messagingcampaign(created.id)
    finished.name += " (done)"  # read, changed and written back as it is
    rewritten = api.put_outbound_messagingcampaign(created.id, finished)
    assert (rewritten.campaign_status, rewritten.name) == ("complete", finished.name)
    rewritten.campaign_status = "invalid"  # a status only the system sets
    with pytest.raises(ApiException) as refused:
        api.put_outbound_messagingcampaign(created.id, rewritten)
    assert refused.value.status == 400 and "campaignStatus" in refused.value.body

    api.delete_outbound_messagingcampaign_progress(created.id)
    progress = api.get_outbound_messagingcampaign_progress(created.id)
    assert progress.number_of_contacts_messaged == 0
    api.post_outbound_messagingcampaign_start(created.id)
    assert eventually(
        lambda: api.get_outbound_messagingcampaign(created.id).campaign_status == "complete"
    )
    with database.connect() as connection:
        per_contact = connection.execute(
            text(
                "SELECT contact_id, count(*) FROM messages WHERE campaign_id = :c "
                "GROUP BY contact_id"
            ),
            {"c": created.id},
        ).all()
    assert len(per_contact) == 30 and {n for _, n in per_contact} == {2}


def test_a_message_column_campaign_sends_each_contacts_own_text_and_skips_blank_ones(
    server: Server, admin_token: str, admin_sdk: Any, sender: str
) -> None:
    contacts = [
        {"id": "ok", "data": {"phone": "+13175550301", "body": "Your parcel left the depot"}},
        {"id": "blank", "data": {"phone": "+13175550302", "body": "   "}},
        {"id": "long", "data": {"phone": "+13175550303", "body": "y" * 512}},
    ]
    list_id = _contact_list(server, admin_token, contacts)
    api = gc.OutboundApi(admin_sdk)
    body = model(
        gc.MessagingCampaign,
        name=_unique("column"),
        contact_list=ref(list_id),
        messages_per_minute=600,
        sms_config=model(
            gc.SmsConfig,
            phone_column="phone",
            message_column="body",
            sender_sms_phone_number=model(gc.SmsPhoneNumberRef, phone_number=sender),
        ),
        campaign_status="on",
    )
    created = api.post_outbound_messagingcampaigns(body)
    assert created.campaign_status == "on"
    assert eventually(
        lambda: api.get_outbound_messagingcampaign(created.id).campaign_status == "complete"
    )
    progress = api.get_outbound_messagingcampaign_progress(created.id)
    assert progress.number_of_contacts_messaged == 2
    assert progress.number_of_contacts_skipped == {"OUTBOUND_MESSAGE_BLANK": 1}


def test_a_campaign_naming_its_sender_in_other_capitals_sends_as_provisioned(
    server: Server, admin_token: str, admin_sdk: Any, template: str
) -> None:
    shop = f"Camp{uuid.uuid4().hex[:6]}"
    status, body, _ = server.request(
        "POST", f"{NUMBERS}/alphanumeric", token=admin_token, json_body={"phoneNumber": shop}
    )
    assert status == 200, body
    list_id = _contact_list(server, admin_token, [_contact("a", fresh_recipient())])
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_messagingcampaigns(
        _campaign(_unique("caps"), list_id, shop.upper(), template)
    )
    # Opt-outs and messages are kept under the sender's provisioned spelling.
    assert created.sms_config.sender_sms_phone_number.phone_number == shop


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"messagesPerMinute": 0}, "messagesPerMinute"),
        ({"contactList": {"id": "nope"}}, "contactList.id"),
        ({"smsConfig": {"phoneColumn": "name"}}, "smsConfig.phoneColumn"),
        ({"smsConfig": {"phoneColumn": "missing"}}, "smsConfig.phoneColumn"),
        (
            {"smsConfig": {"senderSmsPhoneNumber": {"phoneNumber": "+19999999999"}}},
            "smsConfig.senderSmsPhoneNumber.phoneNumber",
        ),
        ({"smsConfig": {"contentTemplate": {"id": "nope"}}}, "smsConfig.contentTemplate.id"),
        ({"campaignStatus": "complete"}, "campaignStatus"),
        ({"contactSorts": [{"fieldName": "name"}] * 5}, "contactSorts"),
        ({"dncLists": [{"id": "nope"}]}, "dncLists[0].id"),
        ({"callableTimeSet": {"id": "nope"}}, "callableTimeSet.id"),
    ],
)
def test_a_bad_campaign_is_refused_naming_the_field_and_nothing_is_created(
    server: Server,
    admin_token: str,
    sender: str,
    template: str,
    change: dict[str, Any],
    field: str,
) -> None:
    list_id = _contact_list(server, admin_token, [_contact("a", "+13175550401")])
    name = _unique("bad")
    body: dict[str, Any] = {
        "name": name,
        "contactList": {"id": list_id},
        "messagesPerMinute": 10,
        "smsConfig": {
            "phoneColumn": "phone",
            "senderSmsPhoneNumber": {"phoneNumber": sender},
            "contentTemplate": {"id": template},
        },
    }
    for key, value in change.items():
        if key == "smsConfig":
            body["smsConfig"] = {**body["smsConfig"], **value}
        else:
            body[key] = value
    status, answer, _ = server.request("POST", CAMPAIGNS, token=admin_token, json_body=body)
    assert status == 400, answer
    assert field in [d.get("fieldName") for d in answer["details"]], answer
    status, listing, _ = server.request("GET", f"{CAMPAIGNS}?name={name}", token=admin_token)
    assert listing["total"] == 0


def test_a_running_campaign_cannot_be_deleted_and_a_stale_version_conflicts(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str
) -> None:
    list_id = _contact_list(server, admin_token, [_contact("a", "+13175550501")])
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_messagingcampaigns(
        _campaign(_unique("keep"), list_id, sender, template, always_running=True)
    )
    api.post_outbound_messagingcampaign_start(created.id)
    with pytest.raises(ApiException) as refused:
        api.delete_outbound_messagingcampaign(created.id)
    assert refused.value.status == 400
    current = api.get_outbound_messagingcampaign(created.id)
    current.messages_per_minute = 100
    current.campaign_status = "off"
    changed = api.put_outbound_messagingcampaign(created.id, current)
    assert changed.version == current.version + 1
    assert changed.messages_per_minute == 100
    with pytest.raises(ApiException) as stale:
        api.put_outbound_messagingcampaign(created.id, current)
    assert stale.value.status == 409
    assert eventually(
        lambda: api.get_outbound_messagingcampaign(created.id).campaign_status == "off"
    )
    deleted = api.delete_outbound_messagingcampaign(created.id)
    assert deleted.id == created.id
    with pytest.raises(ApiException) as gone:
        api.get_outbound_messagingcampaign(created.id)
    assert gone.value.status == 404


def test_an_always_running_campaign_picks_up_contacts_added_later(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str, database: Any
) -> None:
    list_id = _contact_list(server, admin_token, [_contact("first", "+13175550601")])
    api = gc.OutboundApi(admin_sdk)
    created = _running_and_messaged(api, "always", list_id, sender, template)
    _add_contacts(server, admin_token, list_id, _contact("later", "+13175550602"))
    assert _messaged(api, created.id, 2)
    assert api.get_outbound_messagingcampaign(created.id).campaign_status == "on"
    listed = api.get_outbound_messagingcampaigns(contact_list_id=list_id)
    assert [c.id for c in listed.entities] == [created.id]
    bulk = api.post_outbound_messagingcampaigns_progress([created.id])
    assert bulk[0].number_of_contacts_messaged == 2
    api.post_outbound_messagingcampaign_stop(created.id)


def test_a_contact_added_after_the_newest_one_was_deleted_is_messaged_as_itself(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str, database: Any
) -> None:
    # SQLite once gave the newcomer the deleted contact's place (its seq), which the
    # campaign had already messaged: the newcomer was never messaged.
    list_id = _contact_list(server, admin_token, [_contact("gone", "+13175550611")])
    api = gc.OutboundApi(admin_sdk)
    created = _running_and_messaged(api, "reuse", list_id, sender, template)
    status, body, _ = server.request(
        "DELETE", f"{LISTS}/{list_id}/contacts/gone", token=admin_token
    )
    assert status in (200, 204), body
    _add_contacts(server, admin_token, list_id, _contact("newcomer", "+13175550612"))

    def texts() -> list[tuple[str, str, str]]:
        with database.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT contact_id, to_address, text_body FROM messages "
                    "WHERE campaign_id = :c ORDER BY contact_id"
                ),
                {"c": created.id},
            )
            return [tuple(row) for row in found]

    assert eventually(lambda: len(texts()) == 2), texts()
    assert texts() == [
        ("gone", "+13175550611", "Hi Gone, your code is C-gone"),
        ("newcomer", "+13175550612", "Hi Newcomer, your code is C-newcomer"),
    ]
    api.post_outbound_messagingcampaign_stop(created.id)


def test_a_campaign_whose_sender_number_is_deleted_becomes_invalid_and_says_why(
    server: Server, admin_token: str, admin_sdk: Any, template: str
) -> None:
    provisioned = _provisioned(server, admin_token, "556")
    number = provisioned["phoneNumber"]
    list_id = _contact_list(server, admin_token, [_contact("a", "+13175550701")])
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_messagingcampaigns(
        _campaign(_unique("orphan"), list_id, number, template, always_running=True)
    )
    status, body, _ = server.request("DELETE", f"{NUMBERS}/{provisioned['id']}", token=admin_token)
    assert status in (200, 204), body
    with pytest.raises(ApiException) as refused:
        api.post_outbound_messagingcampaign_start(created.id)
    assert refused.value.status == 400
    assert "smsConfig.senderSmsPhoneNumber.phoneNumber" in refused.value.body


def test_moving_a_campaign_to_another_list_starts_a_new_cycle(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str
) -> None:
    first = _contact_list(server, admin_token, [_contact("a", "+13175550801")])
    second = _contact_list(
        server, admin_token, [_contact("b", "+13175550802"), _contact("c", "+13175550803")]
    )
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_messagingcampaigns(
        _campaign(_unique("moved"), first, sender, template)
    )
    api.post_outbound_messagingcampaign_start(created.id)
    assert eventually(
        lambda: api.get_outbound_messagingcampaign(created.id).campaign_status == "complete"
    )
    current = api.get_outbound_messagingcampaign(created.id)
    current.contact_list = ref(second)
    current.campaign_status = "on"
    api.put_outbound_messagingcampaign(created.id, current)
    assert eventually(
        lambda: api.get_outbound_messagingcampaign(created.id).campaign_status == "complete"
    )
    progress = api.get_outbound_messagingcampaign_progress(created.id)
    assert (progress.total_number_of_contacts, progress.number_of_contacts_messaged) == (2, 2)


def test_a_running_campaign_whose_template_is_deleted_turns_invalid_with_the_reason(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str
) -> None:
    responses = gc.ResponseManagementApi(admin_sdk)
    library = responses.post_responsemanagement_libraries(model(gc.Library, name=_unique("l")))
    doomed = responses.post_responsemanagement_responses(
        model(
            gc.Response,
            name=_unique("doomed"),
            libraries=[ref(library.id)],
            texts=[model(gc.ResponseText, content="Hi", content_type="text/plain", type="body")],
            response_type="CampaignSmsTemplate",
        )
    )
    list_id = _contact_list(server, admin_token, [_contact("a", "+13175550901")])
    api = gc.OutboundApi(admin_sdk)
    created = _running_and_messaged(api, "doomed", list_id, sender, doomed.id)
    responses.delete_responsemanagement_response(doomed.id)
    _add_contacts(server, admin_token, list_id, _contact("b", "+13175550902"))
    found = eventually(
        lambda: (
            (c := api.get_outbound_messagingcampaign(created.id)).campaign_status == "invalid" and c
        )
    )
    assert found, api.get_outbound_messagingcampaign(created.id)
    assert [e.error for e in found.errors] == ["contentTemplate.not.found"]
    [event] = _events_about(api, created.id)
    assert (event.level, event.name) == ("ERROR", "MESSAGING_CAMPAIGN_INVALID")
    assert event.event_message.code == "CAMPAIGN_INVALIDATED"  # a value of the SDK's enum
    assert "content template" in event.event_message.message

    found.sms_config.content_template = ref(template)  # mended, sent back as read
    mended = api.put_outbound_messagingcampaign(created.id, found)
    assert mended.campaign_status == "invalid"  # until switched on again
    assert [e.error for e in mended.errors] == ["contentTemplate.not.found"]
    api.post_outbound_messagingcampaign_start(created.id)
    started = api.get_outbound_messagingcampaign(created.id)
    assert (started.campaign_status, started.errors) == ("on", [])
    api.post_outbound_messagingcampaign_stop(created.id)


def _blocker(server: Server, token: str, kind: str, list_id: str, kept_out: str) -> Any:
    """A DNC list, filter or callable time set that keeps the contact `kept_out` (the
    number) from being messaged, as the campaign field naming it."""
    if kind == "dncLists":
        made = _dnc_list(server, token, kept_out)
        return DNC_LISTS, made["id"], {"dnc_lists": [ref(made["id"])]}
    if kind == "contactListFilters":
        predicate = {"column": "phone", "columnType": "alphabetic", "operator": "EQUALS"}
        status, made, _ = server.request(
            "POST",
            "/api/v2/outbound/contactlistfilters",
            token=token,
            json_body={
                "name": _unique("filter"),
                "contactList": {"id": list_id},
                "filterType": "AND",
                "clauses": [
                    {
                        "filterType": "AND",
                        "predicates": [{**predicate, "value": kept_out, "inverted": True}],
                    }
                ],
            },
        )
        assert status == 200, made
        return (
            "/api/v2/outbound/contactlistfilters",
            made["id"],
            {"contact_list_filters": [ref(made["id"])]},
        )
    made = _time_set(server, token, _every_day(INDIANAPOLIS), _tokyo_slot_not_now())
    return TIME_SETS, made["id"], {"callable_time_set": ref(made["id"])}


@pytest.mark.parametrize("kind", ["dncLists", "contactListFilters", "callableTimeSet"])
def test_a_running_campaign_whose_dnc_list_filter_or_time_set_is_deleted_turns_invalid(
    server: Server,
    admin_token: str,
    admin_sdk: Any,
    sender: str,
    template: str,
    database: Any,
    kind: str,
) -> None:
    kept_out = "+819012345678" if kind == "callableTimeSet" else fresh_recipient()
    list_id = _contact_list(server, admin_token, [_contact("first", fresh_recipient())])
    path, blocker_id, field = _blocker(server, admin_token, kind, list_id, kept_out)
    api = gc.OutboundApi(admin_sdk)
    created = _running_and_messaged(api, "guarded", list_id, sender, template, **field)
    status, body, _ = server.request("DELETE", f"{path}/{blocker_id}", token=admin_token)
    assert status in (200, 204), body
    _add_contacts(server, admin_token, list_id, _contact("kept-out", kept_out))
    found = eventually(
        lambda: (
            (c := api.get_outbound_messagingcampaign(created.id)).campaign_status == "invalid" and c
        )
    )
    assert found, api.get_outbound_messagingcampaign(created.id)
    assert [e.error for e in found.errors] == [f"{kind}.not.found"]
    with database.connect() as connection:
        sent = connection.execute(
            text("SELECT contact_id FROM messages WHERE campaign_id = :c"), {"c": created.id}
        ).all()
    assert [row[0] for row in sent] == ["first"]


def test_contacts_waiting_for_their_window_are_messaged_once_the_time_set_allows_them_now(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str
) -> None:
    times = _time_set(server, admin_token, _tokyo_slot_not_now())
    list_id = _contact_list(server, admin_token, [_contact("hana", "+81 90-1234-5678")])
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_messagingcampaigns(
        _campaign(_unique("later"), list_id, sender, template, callable_time_set=ref(times["id"]))
    )
    api.post_outbound_messagingcampaign_start(created.id)
    assert eventually(
        lambda: (
            api.get_outbound_messagingcampaign_diagnostics(
                created.id
            ).time_zone_rescheduled_contacts_count
            == 1
        )
    )
    status, body, _ = server.request(
        "PUT",
        f"{TIME_SETS}/{times['id']}",
        token=admin_token,
        json_body={
            "name": times["name"],
            "version": times["version"],
            "callableTimes": [_every_day("Asia/Tokyo")],
        },
    )
    assert status == 200, body
    assert eventually(
        lambda: api.get_outbound_messagingcampaign(created.id).campaign_status == "complete"
    )
    progress = api.get_outbound_messagingcampaign_progress(created.id)
    assert progress.number_of_contacts_messaged == 1


def test_at_a_slow_rate_contacts_outside_their_window_do_not_hold_back_those_inside_it(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str, database: Any
) -> None:
    times = _time_set(server, admin_token, _every_day(INDIANAPOLIS), _tokyo_slot_not_now())
    asleep = [_contact(f"tokyo{n}", f"+8190{n:08d}") for n in range(800)]
    awake = [_contact(f"indy{n}", fresh_recipient()) for n in range(4)]
    list_id = _contact_list(server, admin_token, asleep + awake)
    api = gc.OutboundApi(admin_sdk)
    created = api.post_outbound_messagingcampaigns(
        _campaign(
            _unique("slow"),
            list_id,
            sender,
            template,
            messages_per_minute=60,
            callable_time_set=ref(times["id"]),
        )
    )
    api.post_outbound_messagingcampaign_start(created.id)
    # One message a second: all four within seconds, not after the 800 are walked one a
    # pass; and never faster than the rate.
    assert _messaged(api, created.id, 4, seconds=20)
    api.post_outbound_messagingcampaign_stop(created.id)
    with database.connect() as connection:
        times = connection.execute(
            text("SELECT created_at FROM messages WHERE campaign_id = :c ORDER BY created_at"),
            {"c": created.id},
        ).scalars()
        stamps = [t if isinstance(t, datetime) else datetime.fromisoformat(t) for t in times]
    assert len(stamps) == 4
    assert (stamps[-1] - stamps[0]).total_seconds() >= 2.5


def test_a_stop_texted_while_a_campaign_runs_blocks_its_later_contacts_with_that_number(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str, database: Any
) -> None:
    phone = fresh_recipient()
    list_id = _contact_list(server, admin_token, [_contact("before", phone)])
    api = gc.OutboundApi(admin_sdk)
    created = _running_and_messaged(api, "stop", list_id, sender, template)
    status, body, _ = server.request(
        "POST",
        "/api/v2/simulator/sms/inbound",
        token=admin_token,
        json_body={"fromAddress": phone, "toAddress": sender, "textBody": "Stop."},
    )
    assert status == 202, body
    assert eventually(
        lambda: (
            server.request("GET", f"/api/v2/routing/sms/optouts/{phone}", token=admin_token)[0]
            == 200
        )
    )
    _add_contacts(server, admin_token, list_id, _contact("after", phone))

    def skipped() -> Any:
        progress = api.get_outbound_messagingcampaign_progress(created.id)
        return progress.number_of_contacts_skipped.get("ININ_OUTBOUND_ON_DO_NOT_CALL_LIST")

    assert eventually(skipped) == 1
    with database.connect() as connection:
        sent = connection.execute(
            text(
                "SELECT contact_id, keyword_reply FROM messages "
                "WHERE to_address = :p AND direction = 'outbound' ORDER BY created_at"
            ),
            {"p": phone},
        ).all()
    # The campaign's message before the STOP, the confirmation, and nothing after.
    assert [tuple(row) for row in sent] == [("before", False), (None, True)]
    api.post_outbound_messagingcampaign_stop(created.id)


def test_campaigns_are_found_by_type_sender_and_template_on_every_page_and_in_either_order(
    server: Server, admin_token: str, admin_sdk: Any, sender: str, template: str
) -> None:
    other = _provisioned(server, admin_token, "557")["phoneNumber"]
    list_id = _contact_list(server, admin_token, [_contact("a", "+13175550801")])
    prefix = _unique("found")
    api = gc.OutboundApi(admin_sdk)
    create = api.post_outbound_messagingcampaigns
    first = create(_campaign(f"{prefix} a", list_id, sender, template))
    second = create(_campaign(f"{prefix} b", list_id, other, template))

    def ids(listing: Any) -> list[str]:
        return [c.id for c in listing.entities or []]

    sms = api.get_outbound_messagingcampaigns(name=prefix, type="SMS")
    assert ids(sms) == [first.id, second.id]
    for kind in ("EMAIL", "WHATSAPP"):
        assert api.get_outbound_messagingcampaigns(name=prefix, type=kind).total == 0
    by_sender = api.get_outbound_messagingcampaigns(
        name=prefix, sender_sms_phone_number=other, page_size=1
    )
    assert (by_sender.total, ids(by_sender)) == (1, [second.id])
    by_template = api.get_outbound_messagingcampaigns(
        name=prefix, content_template_id=template, page_size=1, page_number=2
    )
    assert (by_template.total, by_template.page_count, ids(by_template)) == (2, 2, [second.id])
    assert api.get_outbound_messagingcampaigns(name=prefix, content_template_id="none").total == 0
    newest_name_first = api.get_outbound_messagingcampaigns(name=prefix, sort_order="descending")
    assert ids(newest_name_first) == [second.id, first.id]

    views = api.get_outbound_messagingcampaigns_divisionviews(
        name=prefix, type="SMS", sender_sms_phone_number=other, content_template_id=template
    )
    assert ids(views) == [second.id]
    assert api.get_outbound_messagingcampaigns_divisionviews(name=prefix, type="EMAIL").total == 0
