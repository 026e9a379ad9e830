"""SMS sender numbers (organisation-wide, as in Genesys: they have no division)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, VersionConflict
from tidings.domain.ids import new_id, utcnow
from tidings.domain.paging import PageRequest
from tidings.domain.senders import PHONE_NUMBER_STATUSES, SmsNumber, checked_sender
from tidings.ports import PhoneNumberParser, UnitOfWork, UnitOfWorkFactory
from tidings.services.caller import Caller

NUMBER = "SMS phone number"
UNSET = object()  # a PATCH field that was not sent (None means "clear it")


@dataclass(frozen=True)
class NumberQuery:
    """The list filters, already checked. `pattern` is a LIKE pattern on the digits."""

    pattern: str | None = None
    types: Sequence[str] = ()
    statuses: Sequence[str] = ()
    countries: Sequence[str] = ()
    sort_by: str = "phoneNumber"
    descending: bool = False


class SmsNumberService:
    def __init__(self, uow: UnitOfWorkFactory, parser: PhoneNumberParser) -> None:
        self._uow = uow
        self._parser = parser

    async def find(
        self, caller: Caller, page: PageRequest, query: NumberQuery
    ) -> tuple[list[SmsNumber], int]:
        caller.access.require("sms:phoneNumber:view")
        async with self._uow() as uow:
            return await uow.sms_numbers.list(
                page,
                pattern=query.pattern,
                types=query.types,
                statuses=query.statuses,
                countries=query.countries,
                sort_by=query.sort_by,
                descending=query.descending,
            )

    async def get(self, caller: Caller, number_id: str) -> SmsNumber:
        caller.access.require("sms:phoneNumber:view")
        async with self._uow() as uow:
            return await _existing(uow, number_id)

    async def provision(
        self,
        caller: Caller,
        phone_number: str,
        number_type: str,
        country_code: str | None,
        name: str | None,
    ) -> SmsNumber:
        """Provisions a sender, ACTIVE at once; a number already provisioned is a 409."""
        caller.access.require("sms:phoneNumber:add")
        address, country = checked_sender(
            phone_number, number_type, country_code, self._parser.parse
        )
        now = utcnow()
        number = SmsNumber(
            id=new_id(),
            phone_number=address,
            phone_number_type=number_type,
            name=name.strip() if name and name.strip() else None,
            status="ACTIVE",
            country_code=country,
            version=1,
            date_created=now,
            date_modified=now,
        )
        async with self._uow() as uow:
            if await uow.sms_numbers.find_by_address(address) is not None:
                raise Conflict(f"The phone number {address} is already provisioned")
            await uow.sms_numbers.add(number)  # a racing twin hits the unique key: 409 too
            await uow.commit()
        return number

    async def update(
        self,
        caller: Caller,
        number_id: str,
        *,
        name: object = UNSET,
        status: str | None = None,
        version: int | None = None,
    ) -> SmsNumber:
        """Changes the name or the status; `version`, when sent, must be the stored one."""
        caller.access.require("sms:phoneNumber:edit")
        if status is not None and status not in PHONE_NUMBER_STATUSES:
            raise InvalidInput(
                "Unknown phone number status",
                details=[
                    FieldProblem(
                        "phoneNumberStatus", "invalid.value", ", ".join(PHONE_NUMBER_STATUSES)
                    )
                ],
            )
        async with self._uow() as uow:
            current = await _existing(uow, number_id)
            if version is not None and version != current.version:
                raise VersionConflict(NUMBER, number_id, version, current.version)
            if name is not UNSET:
                text = name.strip() if isinstance(name, str) else ""
                current.name = text or None
            if status is not None:
                current.status = status
            current.date_modified = utcnow()
            if not await uow.sms_numbers.update(current, current.version):
                raise VersionConflict(NUMBER, number_id, current.version, current.version + 1)
            await uow.commit()
        return current

    async def delete(self, caller: Caller, number_id: str) -> None:
        caller.access.require("sms:phoneNumber:delete")
        async with self._uow() as uow:
            if not await uow.sms_numbers.delete(number_id):
                raise NotFound(NUMBER, number_id)
            await uow.commit()


async def _existing(uow: UnitOfWork, number_id: str) -> SmsNumber:
    found = await uow.sms_numbers.get(number_id)
    if found is None:
        raise NotFound(NUMBER, number_id)
    return found
