"""Outbound e-mail domains: a DKIM key each, the DNS records to publish, and their checks."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace

from tidings.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tidings.domain.ids import utcnow
from tidings.domain.paging import PageRequest
from tidings.domain.senders import (
    SENDER_TYPES,
    EmailDomain,
    dmarc_check,
    domain_name,
    records_to_publish,
    verdict,
)
from tidings.ports import DkimKeyFactory, DnsLookups, UnitOfWorkFactory
from tidings.services.caller import Caller

DOMAIN = "Outbound domain"
MANAGE = "routing:email:manage"


class EmailDomainService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        keys: DkimKeyFactory,
        dns: DnsLookups,
        bounce_host: str,
    ) -> None:
        self._uow = uow
        self._keys = keys
        self._dns = dns
        self._bounce_host = bounce_host

    async def find(
        self, caller: Caller, page: PageRequest, pattern: str | None
    ) -> tuple[list[EmailDomain], int]:
        caller.access.require(MANAGE)
        async with self._uow() as uow:
            return await uow.email_domains.list(page, pattern=pattern)

    async def get(self, caller: Caller, domain: str, *, view: bool = False) -> EmailDomain:
        """`view`: routing:email:view will do too (GET of one domain, as in Genesys)."""
        caller.access.require(MANAGE, *(("routing:email:view",) if view else ()))
        async with self._uow() as uow:
            found = await uow.email_domains.get(domain)
        if found is None:
            raise NotFound(DOMAIN, domain)
        return found

    async def create(
        self, caller: Caller, raw_domain: str, name: str | None, sender_type: str | None
    ) -> EmailDomain:
        """Makes the domain's DKIM key; the records to publish come with the answer."""
        caller.access.require(MANAGE)
        domain = domain_name(raw_domain)
        kind = sender_type or "EmailDomain"
        if kind not in SENDER_TYPES:
            raise InvalidInput(
                "Unknown sender type",
                details=[FieldProblem("senderType", "invalid.value", ", ".join(SENDER_TYPES))],
            )
        async with self._uow() as uow:
            if await uow.email_domains.get(domain) is not None:
                raise Conflict(f"The outbound domain {domain} already exists")
        # RSA key generation takes tens of milliseconds of CPU: off the event loop.
        private_key, public_key = await asyncio.to_thread(self._keys.generate)
        now = utcnow()
        # Dated, with a random tail: a domain made again the same day (a key rotation) gets
        # a new name for its record, so the old record may stay until the new one is live.
        selector = f"tidings{now:%Y%m%d}{secrets.token_hex(2)}"
        created = EmailDomain(
            id=domain,
            name=name.strip() if name and name.strip() else domain,
            dkim_selector=selector,
            dkim_private_key_pem=private_key,
            records=records_to_publish(domain, selector, public_key, self._bounce_host),
            sender_type=kind,
            version=1,
            date_created=now,
        )
        async with self._uow() as uow:
            await uow.email_domains.add(created)  # a racing twin hits the key: 409
            await uow.commit()
        return created

    async def delete(self, caller: Caller, domain: str) -> None:
        caller.access.require(MANAGE)
        async with self._uow() as uow:
            found = await uow.email_domains.get(domain)
            if found is None or not await uow.email_domains.delete(found.id):
                raise NotFound(DOMAIN, domain)
            await uow.commit()

    async def check(self, caller: Caller, domain: str) -> EmailDomain:
        """Looks every record up now (all at once) and stores the verdicts and the time."""
        found = await self.get(caller, domain)
        lookups = await asyncio.gather(
            *(self._dns.lookup(r.name, r.type) for r in found.records),
            self._dns.lookup(f"_dmarc.{found.id}", "TXT"),
        )
        checked = replace(
            found,
            records=[
                replace(r, status=verdict(r, lookup))
                for r, lookup in zip(found.records, lookups, strict=False)
            ],
            dmarc=dmarc_check(lookups[-1]),
            date_checked=utcnow(),
        )
        async with self._uow() as uow:
            if not await uow.email_domains.save_check(checked):
                raise NotFound(DOMAIN, domain)
            await uow.commit()
        return checked
