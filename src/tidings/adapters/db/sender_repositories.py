"""SMS sender numbers and outbound e-mail domains."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update

from tidings.adapters.db.database import Database
from tidings.adapters.db.tables import email_domains as domains
from tidings.adapters.db.tables import sms_phone_numbers as numbers
from tidings.domain.paging import PageRequest
from tidings.domain.senders import DmarcCheck, DnsRecord, EmailDomain, SmsNumber, sender_key

SORT_COLUMNS = {
    "phoneNumber": numbers.c.address_key,
    "name": numbers.c.name,
    "phoneNumberType": numbers.c.phone_number_type,
    "phoneNumberStatus": numbers.c.status,
    "countryCode": numbers.c.country_code,
    "dateCreated": numbers.c.date_created,
    "dateModified": numbers.c.date_modified,
}


def _number(row: Any) -> SmsNumber:
    return SmsNumber(
        id=row.id,
        phone_number=row.phone_number,
        phone_number_type=row.phone_number_type,
        name=row.name,
        status=row.status,
        country_code=row.country_code,
        version=row.version,
        date_created=row.date_created,
        date_modified=row.date_modified,
    )


class SqlSmsNumberRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, number_id: str) -> SmsNumber | None:
        row = (await self._db.execute(select(numbers).where(numbers.c.id == number_id))).first()
        return None if row is None else _number(row)

    async def find_by_address(self, address: str) -> SmsNumber | None:
        query = select(numbers).where(numbers.c.address_key == sender_key(address))
        row = (await self._db.execute(query)).first()
        return None if row is None else _number(row)

    async def list(
        self,
        page: PageRequest,
        *,
        pattern: str | None = None,
        types: Sequence[str] = (),
        statuses: Sequence[str] = (),
        countries: Sequence[str] = (),
        sort_by: str = "phoneNumber",
        descending: bool = False,
    ) -> tuple[list[SmsNumber], int]:
        conditions: list[ColumnElement[bool]] = []
        if pattern:
            # E.164 keys start with "+"; the pattern speaks of digits.
            conditions.append(
                or_(
                    numbers.c.address_key.like(pattern, escape="/"),
                    numbers.c.address_key.like("+" + pattern, escape="/"),
                )
            )
        if types:
            conditions.append(numbers.c.phone_number_type.in_(types))
        if statuses:
            conditions.append(numbers.c.status.in_(statuses))
        if countries:
            conditions.append(numbers.c.country_code.in_(countries))
        total = (
            await self._db.execute(select(func.count()).select_from(numbers).where(*conditions))
        ).scalar()
        column = SORT_COLUMNS[sort_by]
        rows = await self._db.execute(
            select(numbers)
            .where(*conditions)
            .order_by(column.desc() if descending else column.asc(), numbers.c.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [_number(row) for row in rows], int(total or 0)

    async def add(self, number: SmsNumber) -> None:
        await self._db.execute(
            insert(numbers).values(
                id=number.id,
                phone_number=number.phone_number,
                address_key=sender_key(number.phone_number),
                phone_number_type=number.phone_number_type,
                name=number.name,
                status=number.status,
                country_code=number.country_code,
                version=number.version,
                date_created=number.date_created,
                date_modified=number.date_modified,
            )
        )

    async def update(self, number: SmsNumber, expected_version: int) -> bool:
        """Writes what may change after provisioning: the name and the status."""
        result = await self._db.execute(
            update(numbers)
            .where(numbers.c.id == number.id, numbers.c.version == expected_version)
            .values(
                name=number.name,
                status=number.status,
                version=expected_version + 1,
                date_modified=number.date_modified,
            )
        )
        if result.rowcount != 1:
            return False
        number.version = expected_version + 1
        return True

    async def delete(self, number_id: str) -> bool:
        result = await self._db.execute(delete(numbers).where(numbers.c.id == number_id))
        return bool(result.rowcount)


def _records(domain: EmailDomain) -> list[dict[str, str]]:
    return [
        {"purpose": r.purpose, "type": r.type, "name": r.name, "value": r.value, "status": r.status}
        for r in domain.records
    ]


def _dmarc(domain: EmailDomain) -> dict[str, Any] | None:
    found = domain.dmarc
    if found is None:
        return None
    return {"status": found.status, "policy": found.policy, "record": found.record}


def _domain(row: Any) -> EmailDomain:
    dmarc = row.dmarc
    return EmailDomain(
        id=row.id,
        name=row.name,
        dkim_selector=row.dkim_selector,
        dkim_private_key_pem=row.dkim_private_key.encode("ascii"),
        records=[DnsRecord(**record) for record in row.records],
        sender_type=row.sender_type,
        version=row.version,
        date_created=row.date_created,
        date_checked=row.date_checked,
        dmarc=None if dmarc is None else DmarcCheck(**dmarc),
    )


class SqlEmailDomainRepository:
    def __init__(self, connection: Database) -> None:
        self._db = connection

    async def get(self, domain: str) -> EmailDomain | None:
        query = select(domains).where(domains.c.id == domain.strip().rstrip(".").lower())
        row = (await self._db.execute(query)).first()
        return None if row is None else _domain(row)

    async def list(
        self, page: PageRequest, *, pattern: str | None = None
    ) -> tuple[list[EmailDomain], int]:
        conditions = [domains.c.id.like(pattern, escape="/")] if pattern else []
        total = (
            await self._db.execute(select(func.count()).select_from(domains).where(*conditions))
        ).scalar()
        rows = await self._db.execute(
            select(domains)
            .where(*conditions)
            .order_by(domains.c.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [_domain(row) for row in rows], int(total or 0)

    async def add(self, domain: EmailDomain) -> None:
        await self._db.execute(
            insert(domains).values(
                id=domain.id,
                name=domain.name,
                sender_type=domain.sender_type,
                dkim_selector=domain.dkim_selector,
                dkim_private_key=domain.dkim_private_key_pem.decode("ascii"),
                records=_records(domain),
                dmarc=_dmarc(domain),
                version=domain.version,
                date_created=domain.date_created,
                date_checked=domain.date_checked,
            )
        )

    async def save_check(self, domain: EmailDomain) -> bool:
        result = await self._db.execute(
            update(domains)
            .where(domains.c.id == domain.id)
            .values(
                records=_records(domain), dmarc=_dmarc(domain), date_checked=domain.date_checked
            )
        )
        return result.rowcount == 1

    async def delete(self, domain: str) -> bool:
        result = await self._db.execute(delete(domains).where(domains.c.id == domain))
        return bool(result.rowcount)
