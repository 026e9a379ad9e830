"""The SMS opt-out list (organisation-wide): read, export, set and clear by API, and the
keyword settings per sender number with the organisation's defaults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from tidings.domain import keywords
from tidings.domain.errors import FieldProblem, InvalidInput, NotFound
from tidings.domain.ids import utcnow
from tidings.domain.keywords import ALL_SENDERS, KeywordRules, KeywordSettings
from tidings.domain.messages import SMS
from tidings.domain.opt_outs import API, OptOut, OptOutChange, OptOutEvent
from tidings.domain.paging import PageRequest
from tidings.domain.senders import SmsNumber
from tidings.ports import AddressNormalizer, UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller

OPT_OUT_VIEW = "sms:optOut:view"
OPT_OUT_EDIT = "sms:optOut:edit"
KEYWORDS_VIEW = "sms:keywordSettings:view"
KEYWORDS_EDIT = "sms:keywordSettings:edit"
EXPORT_BLOCK = 5000


@dataclass(frozen=True)
class AddressOptOuts:
    """One address: its suppressions, the senders exempted from its all-senders one, and
    every change ever made."""

    address: str
    suppressions: list[OptOut]
    exemptions: list[OptOut]
    history: list[OptOutEvent]


@dataclass(frozen=True)
class SenderKeywords:
    """A sender's own settings (or the organisation's), and the rules they put in force."""

    sender: str
    own: KeywordSettings
    rules: KeywordRules
    date_modified: datetime | None
    number: SmsNumber | None = None


class OptOutService:
    def __init__(self, uow: UnitOfWorkFactory, addresses: AddressNormalizer) -> None:
        self._uow = uow
        self._addresses = addresses

    def _phone(self, raw: str, field: str) -> str:
        check = self._addresses.phone(raw, zones=False)
        if check.address is None:
            raise InvalidInput(
                f"{field}: not a phone number ({check.reason})",
                details=[FieldProblem(field, "invalid.value", check.reason or "")],
            )
        return check.address

    async def find(
        self,
        caller: Caller,
        page: PageRequest,
        *,
        address: str | None = None,
        sender: str | None = None,
    ) -> tuple[list[OptOut], int]:
        caller.access.require(OPT_OUT_VIEW)
        async with self._uow() as uow:
            return await uow.opt_outs.page(SMS, page, address=address, sender=sender)

    async def get(self, caller: Caller, raw_address: str) -> AddressOptOuts:
        caller.access.require(OPT_OUT_VIEW)
        address = self._phone(raw_address, "address")
        async with self._uow() as uow:
            rows = await uow.opt_outs.of_address(SMS, address)
            history = await uow.opt_outs.history(SMS, address, limit=10_000)
        if not rows and not history:
            raise NotFound("SMS opt-out", address)
        return AddressOptOuts(
            address,
            [r for r in rows if not r.exempt],
            [r for r in rows if r.exempt],
            history,
        )

    async def set(
        self, caller: Caller, raw_address: str, sender: str | None, reason: str | None
    ) -> AddressOptOuts:
        """Opts the address out of one sender's messages, or of every sender's."""
        caller.access.require(OPT_OUT_EDIT)
        address = self._phone(raw_address, "address")
        async with self._uow() as uow:
            target = await self._sender(uow, sender, required=True)
            await uow.opt_outs.suppress(
                SMS,
                address,
                target,
                OptOutChange(API, actor=caller.client_id, reason=reason),
                utcnow(),
            )
            await uow.commit()
        return await self.get(caller, address)

    async def clear(
        self, caller: Caller, raw_address: str, sender: str | None, reason: str | None
    ) -> None:
        """Lets one sender (or, without one, every sender) message the address again."""
        caller.access.require(OPT_OUT_EDIT)
        address = self._phone(raw_address, "address")
        async with self._uow() as uow:
            target = await self._sender(uow, sender, required=False) if sender else None
            if not await uow.opt_outs.of_address(SMS, address):
                raise NotFound("SMS opt-out", address)
            await uow.opt_outs.lift(
                SMS,
                address,
                target,
                OptOutChange(API, actor=caller.client_id, reason=reason),
                utcnow(),
            )
            await uow.commit()

    async def _sender(self, uow: UnitOfWork, raw: str | None, *, required: bool) -> str:
        """ "*" (every sender) when none is named; else the sender as we send from it. Setting
        an opt-out names a provisioned number, so a typo cannot leave a number unprotected."""
        if raw is None or raw.strip() in ("", ALL_SENDERS):
            return ALL_SENDERS
        value = raw.strip()
        # As provisioned: an alphanumeric sender written in other capitals is the same one.
        if (number := await uow.sms_numbers.find_by_address(value)) is not None:
            return number.phone_number
        check = self._addresses.phone(value, zones=False)
        if check.address is not None and (
            number := await uow.sms_numbers.find_by_address(check.address)
        ):
            return number.phone_number
        if check.address is not None and not required:
            return check.address
        if not required:
            return value
        raise InvalidInput(
            f"senderAddress {value!r} is not a provisioned SMS number",
            details=[FieldProblem("senderAddress", "invalid.value", "a provisioned number or *")],
        )

    def export_list(self, caller: Caller) -> AsyncIterator[list[OptOut]]:
        """The list in blocks, each read in its own transaction."""
        caller.access.require(OPT_OUT_VIEW)
        return self._list_blocks()

    def export_history(self, caller: Caller) -> AsyncIterator[list[OptOutEvent]]:
        """Every change ever made, oldest first, in blocks."""
        caller.access.require(OPT_OUT_VIEW)
        return self._history_blocks()

    async def _list_blocks(self) -> AsyncIterator[list[OptOut]]:
        key: tuple[str, str] | None = None
        while True:
            async with self._uow() as uow:
                block = await uow.opt_outs.after(SMS, key, EXPORT_BLOCK)
            if not block:
                return
            yield block
            key = (block[-1].address, block[-1].sender)

    async def _history_blocks(self) -> AsyncIterator[list[OptOutEvent]]:
        after = 0
        while True:
            async with self._uow() as uow:
                block = await uow.opt_outs.history(SMS, after_id=after, limit=EXPORT_BLOCK)
            if not block:
                return
            yield block
            after = block[-1].id


class KeywordSettingsService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def organisation(self, caller: Caller) -> SenderKeywords:
        caller.access.require(KEYWORDS_VIEW)
        async with self._uow() as uow:
            return await self._read(uow, ALL_SENDERS)

    async def of_number(self, caller: Caller, number_id: str) -> SenderKeywords:
        caller.access.require(KEYWORDS_VIEW)
        async with self._uow() as uow:
            number = await _number(uow, number_id)
            return await self._read(uow, number.phone_number, number)

    async def set_organisation(self, caller: Caller, settings: KeywordSettings) -> SenderKeywords:
        caller.access.require(KEYWORDS_EDIT)
        async with self._uow() as uow:
            await uow.keyword_settings.put(ALL_SENDERS, _checked(settings), utcnow())
            found = await self._read(uow, ALL_SENDERS)
            await uow.commit()
        return found

    async def set_number(
        self, caller: Caller, number_id: str, settings: KeywordSettings
    ) -> SenderKeywords:
        caller.access.require(KEYWORDS_EDIT)
        async with self._uow() as uow:
            number = await _number(uow, number_id)
            await uow.keyword_settings.put(number.phone_number, _checked(settings), utcnow())
            found = await self._read(uow, number.phone_number, number)
            await uow.commit()
        return found

    async def clear_number(self, caller: Caller, number_id: str) -> None:
        """The number goes back to the organisation's settings."""
        caller.access.require(KEYWORDS_EDIT)
        async with self._uow() as uow:
            number = await _number(uow, number_id)
            await uow.keyword_settings.delete(number.phone_number)
            await uow.commit()

    @staticmethod
    async def _read(
        uow: UnitOfWork, sender: str, number: SmsNumber | None = None
    ) -> SenderKeywords:
        stored = await uow.keyword_settings.get_many([ALL_SENDERS, sender])
        org = stored.get(ALL_SENDERS)
        own = stored.get(sender)
        rules = keywords.rules(
            org[0] if org else None, own[0] if own and sender != ALL_SENDERS else None
        )
        return SenderKeywords(
            sender,
            own[0] if own else KeywordSettings(),
            rules,
            own[1] if own else None,
            number,
        )


def _checked(settings: KeywordSettings) -> KeywordSettings:
    normalised, problems = keywords.checked(settings)
    if problems:
        raise InvalidInput("The keyword settings are not valid", details=problems)
    return normalised


async def _number(uow: UnitOfWork, number_id: str) -> SmsNumber:
    number = await uow.sms_numbers.get(number_id)
    if number is None:
        raise NotFound("SMS phone number", number_id)
    return number
