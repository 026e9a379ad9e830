"""Agentless messages: one SMS or e-mail, sent because something happened.

The call stores the message in the outbox and returns; the dispatcher sends it. With an
Idempotency-Key, the message and the key are written in one transaction, so a repeated call
(the SDK retries POSTs on dropped connections) finds the key and gets the first message
back, and nothing is sent twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from tidings.domain import sms_content
from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tidings.domain.ids import new_id, utcnow
from tidings.domain.messages import (
    EMAIL,
    PENDING,
    QUEUED,
    SMS,
    Conversation,
    Message,
    ReceiptRecord,
)
from tidings.domain.senders import SmsNumber
from tidings.domain.templates import plain_text, render
from tidings.group_commit import GroupCommit
from tidings.ports import AddressNormalizer, UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller

log = logging.getLogger("tidings.agentless")

SEND_SMS = "conversation:message:create"
EMAIL_PERMISSIONS = ("conversation:email:create", "conversation:agentlessEmail:send")
# Reading a conversation back: Genesys asks no permission for it; we ask for one of these, so
# a client that may send can read what it sent.
READ_SMS = ("conversation:message:view", SEND_SMS)
READ_EMAIL = ("conversation:email:view", *EMAIL_PERMISSIONS)
IDEMPOTENCY_DAYS = 1
NUMBER_CACHE_SECONDS = 5.0
MAX_SUBJECT = 998
MAX_EMAIL_BODY = 1024 * 1024


@dataclass(frozen=True)
class SmsRequest:
    from_address: str
    to_address: str
    text_body: str | None
    response_id: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EmailRequest:
    from_email: str
    from_name: str | None
    to_email: str
    to_name: str | None
    subject: str
    text_body: str | None
    html_body: str | None
    reply_to: str | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class Accepted:
    message: Message
    warnings: tuple[str, ...] = ()
    # The conversation the message starts; None when it joins an existing one.
    conversation: Conversation | None = None


class _Reads:
    """The reads one call needs, in a unit of work opened on first use: a call whose lookups
    are all cached (the common case) opens none. Given an open unit, it reads in that one."""

    def __init__(self, factory: UnitOfWorkFactory, opened: UnitOfWork | None = None) -> None:
        self._factory = factory
        self._uow = opened
        self._owned: UnitOfWork | None = None

    async def uow(self) -> UnitOfWork:
        if self._uow is None:
            self._owned = self._factory()
            self._uow = await self._owned.__aenter__()
        return self._uow

    async def close(self) -> None:
        if self._owned is not None:
            await self._owned.__aexit__(None, None, None)


def _bad(field_name: str, message: str, code: str = "invalid.value") -> InvalidInput:
    return InvalidInput(
        f"{field_name}: {message}", details=[FieldProblem(field_name, code, message)]
    )


class AgentlessService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        addresses: AddressNormalizer,
        queued: Callable[[str], None] = lambda media_type: None,
    ) -> None:
        self._uow = uow
        self._addresses = addresses
        self._queued = queued
        self._numbers: dict[str, tuple[float, SmsNumber]] = {}
        # Messages without an Idempotency-Key are written in groups: one transaction for all
        # that arrived while the previous one was written; each call returns after its commit.
        self._intake: GroupCommit[Accepted] = GroupCommit(self._store_many)

    async def _store_many(self, batch: list[Accepted]) -> None:
        async with self._uow() as uow:
            await uow.messages.add_many([(a.conversation, a.message) for a in batch])
            await uow.commit()

    async def send_sms(
        self, caller: Caller, request: SmsRequest, key: str | None, request_hash: str
    ) -> Accepted:
        caller.access.require(SEND_SMS)
        to = self._addresses.phone(request.to_address, zones=False)
        if to.address is None:
            raise _bad("toAddress", f"not a phone number we can send to ({to.reason})")
        address = to.address
        return await self._accept(
            caller, key, request_hash, lambda reads: self._sms(reads, request, address)
        )

    async def _sms(self, reads: _Reads, request: SmsRequest, to: str) -> Accepted:
        number = await self._number(reads, request.from_address.strip())
        if number is None or not number.can_send:
            raise _bad(
                "fromAddress",
                f"{request.from_address!r} is not a provisioned SMS number of this organisation "
                "(see /api/v2/routing/sms/phonenumbers)",
            )
        text = await self._sms_text(reads, request)
        size = sms_content.size(text)
        now = utcnow()
        conversation = Conversation(new_id(), SMS, number.phone_number, to, now)
        message = Message(
            id=new_id(),
            conversation_id=conversation.id,
            media_type=SMS,
            direction="outbound",
            from_address=number.phone_number,
            to_address=to,
            status=QUEUED,
            created_at=now,
            text_body=text,
            segment_count=size.segments,
            encoding=size.encoding,
            send_state=PENDING,
            response_id=request.response_id,
        )
        return Accepted(message, conversation=conversation)

    async def _number(self, reads: _Reads, address: str) -> SmsNumber | None:
        """Sender numbers are read at most every few seconds, not once a message: a number
        deprovisioned stops sending within NUMBER_CACHE_SECONDS. Misses are not kept, so a
        number provisioned right after a refused call sends at once."""
        cached = self._numbers.get(address)
        if cached is not None and time.monotonic() - cached[0] < NUMBER_CACHE_SECONDS:
            return cached[1]
        found = await (await reads.uow()).sms_numbers.find_by_address(address)
        if found is not None:
            if len(self._numbers) > 10_000:
                self._numbers.clear()
            self._numbers[address] = (time.monotonic(), found)
        return found

    async def _sms_text(self, reads: _Reads, request: SmsRequest) -> str:
        if request.response_id:
            response = await (await reads.uow()).responses.get(request.response_id)
            if response is None or response.body is None:
                raise _bad(
                    "messagingTemplate.responseId",
                    f"no response {request.response_id} with a body text exists",
                    "not.found",
                )
            if response.body_is_html or response.response_type == "CampaignEmailTemplate":
                # Its HTML would reach the phone as markup.
                raise _bad(
                    "messagingTemplate.responseId",
                    f"response {request.response_id} is an e-mail template (HTML), not a text",
                )
            rendered = render(response.body, request.parameters, response.substitutions)
            text = rendered.text
            if rendered.missing:
                log.info(
                    "template placeholders rendered empty", extra={"missing": rendered.missing}
                )
            if not text.strip():
                raise _bad(
                    "messagingTemplate.parameters",
                    f"response {request.response_id} renders an empty text with these parameters",
                    "required",
                )
        elif request.text_body is not None and request.text_body.strip():
            text = request.text_body
        else:
            raise _bad("textBody", "required for SMS (or a messagingTemplate)", "required")
        if len(text) > sms_content.MAX_AGENTLESS_CHARACTERS:
            raise _bad(
                "textBody",
                f"{len(text)} characters; an agentless SMS holds at most "
                f"{sms_content.MAX_AGENTLESS_CHARACTERS}",
            )
        return text

    async def send_email(
        self, caller: Caller, request: EmailRequest, key: str | None, request_hash: str
    ) -> Accepted:
        caller.access.require(*EMAIL_PERMISSIONS)
        to = self._addresses.email(request.to_email)
        if to.address is None:
            raise _bad("toAddresses", f"not an e-mail address ({to.reason})")
        sender = self._addresses.email(request.from_email)
        if sender.address is None:
            raise _bad("fromAddress.email", f"not an e-mail address ({sender.reason})")
        if request.reply_to is not None and self._addresses.email(request.reply_to).address is None:
            raise _bad("replyToAddress.email", "not an e-mail address")
        if not (request.text_body or request.html_body):
            raise _bad("textBody", "a textBody or an htmlBody is required", "required")
        if len(request.subject) > MAX_SUBJECT:
            raise _bad("subject", f"at most {MAX_SUBJECT} characters")
        if len((request.text_body or "") + (request.html_body or "")) > MAX_EMAIL_BODY:
            raise _bad("htmlBody", f"the bodies hold at most {MAX_EMAIL_BODY} characters together")
        return await self._accept(
            caller,
            key,
            request_hash,
            lambda reads: self._email(reads, request, sender.address or "", to.address or ""),
        )

    async def _email(self, reads: _Reads, request: EmailRequest, sender: str, to: str) -> Accepted:
        domain_name = sender.rpartition("@")[2]
        domain = await (await reads.uow()).email_domains.get(domain_name)
        if domain is None:
            raise _bad(
                "fromAddress.email",
                f"{domain_name} is not a provisioned outbound e-mail domain "
                "(see /api/v2/routing/email/outbound/domains)",
            )
        warnings: tuple[str, ...] = ()
        if not domain.verified:
            warnings = (
                f"the DNS records of {domain_name} are not verified yet: receivers may reject "
                "or file the message as spam (PUT .../activation checks them)",
            )
        now = utcnow()
        conversation: Conversation | None = Conversation(new_id(), EMAIL, sender, to, now)
        conversation_id = conversation.id if conversation else ""
        if request.conversation_id:
            existing = await (await reads.uow()).messages.conversation(request.conversation_id)
            if existing is None or existing.media_type != EMAIL:
                raise _bad(
                    "conversationId",
                    f"no e-mail conversation {request.conversation_id} exists",
                    "not.found",
                )
            conversation, conversation_id = None, existing.id
        message = Message(
            id=new_id(),
            conversation_id=conversation_id,
            media_type=EMAIL,
            direction="outbound",
            from_address=sender,
            to_address=to,
            from_name=request.from_name,
            to_name=request.to_name,
            reply_to=request.reply_to,
            status=QUEUED,
            created_at=now,
            subject=request.subject,
            text_body=request.text_body
            or (plain_text(request.html_body) if request.html_body else None),
            html_body=request.html_body,
            segment_count=1,
            send_state=PENDING,
        )
        return Accepted(message, warnings, conversation)

    async def _accept(
        self,
        caller: Caller,
        key: str | None,
        request_hash: str,
        prepare: Callable[[_Reads], Awaitable[Accepted]],
    ) -> Accepted:
        for _ in range(2):
            try:
                accepted = await self._accept_once(caller, key, request_hash, prepare)
            except Conflict:
                if key is None:
                    raise
                continue  # another call with the same key committed first: read its answer
            self._queued(accepted.message.media_type)
            return accepted
        raise Conflict(f"Idempotency-Key {key!r} is being used by another request; retry")

    async def _accept_once(
        self,
        caller: Caller,
        key: str | None,
        request_hash: str,
        prepare: Callable[[_Reads], Awaitable[Accepted]],
    ) -> Accepted:
        if key is None:
            reads = _Reads(self._uow)
            try:
                accepted = await prepare(reads)
            finally:
                await reads.close()
            await self._intake.submit(accepted)
            return accepted
        async with self._uow() as uow:
            known = await uow.messages.remembered(caller.client_id, key)
            if known is not None:
                return await self._replay(uow, key, request_hash, *known)
            accepted = await prepare(_Reads(self._uow, uow))
            await uow.messages.add(accepted.conversation, accepted.message)
            answer = {
                "messageId": accepted.message.id,
                "conversationId": accepted.message.conversation_id,
                "warnings": list(accepted.warnings),
            }
            await uow.messages.remember(caller.client_id, key, request_hash, answer, utcnow())
            await uow.commit()
        return accepted

    async def _replay(
        self,
        uow: UnitOfWork,
        key: str,
        request_hash: str,
        known_hash: str,
        answer: dict[str, object],
    ) -> Accepted:
        if known_hash != request_hash:
            raise InvalidInput(
                f"Idempotency-Key {key!r} was used for a different request; use a new key for a "
                "new message",
                details=[FieldProblem("Idempotency-Key", "idempotency.key.reused")],
            )
        found = await uow.messages.messages_of(
            str(answer["conversationId"]), [str(answer["messageId"])]
        )
        if not found:
            raise NotFound("message", str(answer["messageId"]))
        warnings = answer.get("warnings")
        return Accepted(found[0], tuple(map(str, warnings if isinstance(warnings, list) else [])))

    async def conversation(
        self, caller: Caller, media_type: str, conversation_id: str
    ) -> Conversation:
        caller.access.require(*(READ_SMS if media_type == SMS else READ_EMAIL))
        async with self._uow() as uow:
            found = await uow.messages.conversation(conversation_id)
        if found is None or found.media_type != media_type:
            raise NotFound("conversation", conversation_id)
        return found

    async def messages(
        self, caller: Caller, media_type: str, conversation_id: str, message_ids: list[str]
    ) -> list[tuple[Message, list[ReceiptRecord]]]:
        caller.access.require(*(READ_SMS if media_type == SMS else READ_EMAIL))
        async with self._uow() as uow:
            found = await uow.messages.messages_of(conversation_id, message_ids)
            receipts = await uow.messages.receipts([m.id for m in found])
        order = {message_id: index for index, message_id in enumerate(message_ids)}
        found = [m for m in found if m.media_type == media_type]
        found.sort(key=lambda m: order[m.id])
        return [(m, receipts.get(m.id, [])) for m in found]

    async def forget_old_keys(self) -> int:
        async with self._uow() as uow:
            gone = await uow.messages.forget_keys(utcnow() - timedelta(days=IDEMPOTENCY_DAYS))
            await uow.commit()
        return gone
