"""One claim of a campaign: contacts taken in order, each checked, and its message queued.

Everything a claim decides is written in the transaction that claimed the contacts: the
messages go into the outbox, skipped contacts get their wrap-up code (on the attempt, the
contact's system data and the progress counters) and contacts outside their callable time
wait. A crash before the commit leaves the contacts pending; after it, the outbox owns the
messages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from tidings.domain import campaigns as c
from tidings.domain import sms_content
from tidings.domain.campaign_rules import Context, Send, Skip, Wait, address_of, decide
from tidings.domain.dnc import email_key
from tidings.domain.ids import new_id
from tidings.domain.messages import EMAIL, PENDING, QUEUED, SMS, Conversation, Message
from tidings.ports import UnitOfWork


@dataclass
class BatchResult:
    decided: int = 0  # contacts claimed and decided (the others stay pending)
    queued: int = 0


class CampaignInvalid(Exception):
    """Something the campaign needs is gone: it cannot go on until a user mends it."""

    def __init__(self, error: str, details: str) -> None:
        super().__init__(details)
        self.error = error
        self.details = details


async def load_context(uow: UnitOfWork, campaign: c.Campaign, now: datetime) -> Context:
    """What the claim's contacts are checked against. Each thing the campaign names must
    still be there and fit it: a deleted DNC list, filter or callable time set would
    otherwise let the campaign message the very contacts it was set up to leave out."""
    template = None
    if campaign.template_id:
        template = await uow.responses.get(campaign.template_id)
        if template is None:
            raise CampaignInvalid(
                "contentTemplate.not.found",
                f"the content template {campaign.template_id} was deleted",
            )
        if template.response_type not in c.TEMPLATE_TYPES[campaign.media_type]:
            raise CampaignInvalid(
                "contentTemplate.type.invalid",
                f"the content template {campaign.template_id} is now a "
                f"{template.response_type or 'response without a type'}, not a "
                f"{c.TEMPLATE_TYPES[campaign.media_type][0]}",
            )
    if campaign.sms_config is not None:
        number = await uow.sms_numbers.find_by_address(campaign.sms_config.sender_number)
        if number is None or not number.can_send:
            raise CampaignInvalid(
                "senderSmsPhoneNumber.not.found",
                f"{campaign.sms_config.sender_number} is no longer a provisioned SMS number",
            )
    elif (
        campaign.email_config is not None
        and await uow.email_domains.get(campaign.email_config.from_domain) is None
    ):
        raise CampaignInvalid(
            "fromAddress.domain.not.found",
            f"{campaign.email_config.from_domain} is no longer a provisioned domain",
        )
    await _check_dnc_lists(uow, campaign)
    times = None
    if campaign.callable_time_set_id:
        times = await uow.callable_time_sets.get(campaign.callable_time_set_id)
        if times is None:
            raise CampaignInvalid(
                "callableTimeSet.not.found",
                f"the callable time set {campaign.callable_time_set_id} was deleted",
            )
    return Context(campaign, now, template=template, callable_times=times)


async def _check_dnc_lists(uow: UnitOfWork, campaign: c.Campaign) -> None:
    kind = _dnc_kind(campaign)
    for list_id in campaign.dnc_list_ids:
        found = await uow.dnc.get(list_id)
        if found is None:
            raise CampaignInvalid("dncLists.not.found", f"the DNC list {list_id} was deleted")
        if not found.takes(kind):
            raise CampaignInvalid(
                "dncLists.contactMethod.invalid",
                f"the DNC list {list_id} now holds {found.contact_method} entries; "
                f"this campaign sends to {kind} addresses",
            )


def _dnc_kind(campaign: c.Campaign) -> str:
    return "phone" if campaign.sms_config is not None else "email"


def sender_of(campaign: c.Campaign) -> str:
    if campaign.sms_config is not None:
        return campaign.sms_config.sender_number
    assert campaign.email_config is not None
    return campaign.email_config.from_address


async def _screened(uow: UnitOfWork, context: Context, addresses: list[str]) -> Context:
    """The context with the DNC and opt-out entries among this claim's addresses."""
    campaign = context.campaign
    kind = _dnc_kind(campaign)
    keys = addresses if kind == "phone" else [email_key(a) for a in addresses]
    dnc = await uow.dnc.listed_among(list(campaign.dnc_list_ids), kind, keys, context.now)
    sender = sender_of(campaign)
    blocked = await uow.messages.opted_out_among(
        campaign.media_type, [(address, sender) for address in addresses]
    )
    return Context(
        campaign,
        context.now,
        template=context.template,
        callable_times=context.callable_times,
        dnc=dnc,
        opted_out={address for address, _ in blocked},
    )


def _message(
    campaign: c.Campaign, send: Send, contact_id: str, now: datetime
) -> tuple[Conversation, Message]:
    sender = sender_of(campaign)
    conversation = Conversation(
        new_id(),
        campaign.media_type,
        sender,
        send.address,
        now,
        campaign_id=campaign.id,
        division_id=campaign.division_id,
    )
    message = Message(
        id=new_id(),
        conversation_id=conversation.id,
        media_type=SMS if campaign.sms_config is not None else EMAIL,
        direction="outbound",
        from_address=sender,
        to_address=send.address,
        status=QUEUED,
        created_at=now,
        text_body=send.content.text,
        subject=send.content.subject,
        html_body=send.content.html,
        send_state=PENDING,
        response_id=campaign.template_id,
        campaign_id=campaign.id,
        contact_list_id=campaign.contact_list_id,
        contact_id=contact_id,
    )
    if campaign.sms_config is not None:
        size = sms_content.size(send.content.text)
        message.segment_count, message.encoding = size.segments, size.encoding
    else:
        assert campaign.email_config is not None
        message.segment_count = 1
        message.from_name = campaign.email_config.friendly_name
        message.reply_to = campaign.email_config.reply_to
    return conversation, message


async def run_batch(
    uow: UnitOfWork, campaign: c.Campaign, now: datetime, limit: int, sends: int
) -> BatchResult:
    """Claims up to `limit` contacts of the campaign and decides them in order until
    `sends` messages are queued (the rate's allowance): the contacts after that stay
    pending, while those skipped or waiting before it cost the rate nothing. The caller
    commits. What the campaign needs is read only once there is a contact to decide: an
    idle `alwaysRunning` campaign costs one claim query a pass."""
    claimed = await uow.campaign_attempts.claim(campaign, limit, now)
    if not claimed:
        return BatchResult()
    context = await load_context(uow, campaign, now)
    addresses = []
    for item in claimed:
        found = None if item.contact is None else address_of(campaign, item.contact)
        if found is not None and not isinstance(found, Skip) and found[1].address:
            addresses.append(found[1].address)
    screened = await _screened(uow, context, addresses)
    decided: list[tuple[c.Claimed, Send | Skip | Wait]] = []
    to_send = 0
    for item in claimed:
        if item.contact is None:
            decided.append((item, Skip(c.INTERNAL_ERROR, "the contact was deleted")))
            continue
        decision = decide(screened, item.contact)
        if isinstance(decision, Send):
            if to_send == sends:
                break
            to_send += 1
        decided.append((item, decision))

    pairs, queued, skipped, waiting = [], [], [], []
    for item, decision in decided:
        if isinstance(decision, Send):
            conversation, message = _message(campaign, decision, item.contact_id, now)
            pairs.append((conversation, message))
            queued.append(c.QueuedAttempt(item.seq, message.id, decision.column, decision.address))
        elif isinstance(decision, Wait):
            waiting.append(
                c.WaitingAttempt(item.seq, decision.until, decision.column, decision.address)
            )
        else:
            skipped.append(
                c.AttemptOutcome(
                    item.seq, decision.wrapup, decision.reason, decision.column, decision.address
                )
            )
    await uow.messages.add_many(pairs)
    await uow.campaign_attempts.record(campaign, queued, skipped, waiting, now)
    if skipped:
        await uow.campaign_attempts.note_contacts(
            campaign.media_type, [s for s in skipped if s.wrapup != c.INTERNAL_ERROR], now
        )
        await uow.campaigns.add_counts(
            campaign.id, campaign.cycle, Counter(s.wrapup for s in skipped)
        )
    return BatchResult(len(decided), len(queued))
