"""From a stored message to what a channel adapter sends."""

from __future__ import annotations

import time

from tidings.dispatch.pace import SenderPace
from tidings.domain import verp
from tidings.domain.channels import (
    DkimIdentity,
    EmailAddress,
    OutboundEmail,
    OutboundSms,
    SendResult,
)
from tidings.domain.messages import Message
from tidings.domain.senders import EmailDomain
from tidings.ports import EmailSender, SmsSender, UnitOfWorkFactory


class SmsChannel:
    def __init__(self, sender: SmsSender, pace: SenderPace | None = None) -> None:
        self._sender = sender
        self._pace = pace or SenderPace(0)

    async def send(self, message: Message) -> SendResult:
        await self._pace.wait(message.from_address)
        return await self._sender.send(
            OutboundSms(
                message_id=message.id,
                from_address=message.from_address,
                to_address=message.to_address,
                text=message.text_body or "",
            )
        )


class EmailChannel:
    """Adds what the domain gives a message: its DKIM key, Message-ID and VERP Return-Path.
    Domains are read once a minute at most, not once a message."""

    CACHE_SECONDS = 60.0

    def __init__(
        self,
        sender: EmailSender,
        uow: UnitOfWorkFactory,
        verp_key: bytes,
        pace: SenderPace | None = None,
        public_url: str = "",
    ) -> None:
        self._sender = sender
        self._pace = pace or SenderPace(0)
        self._uow = uow
        self._verp_key = verp_key
        # One-click unsubscribe links need https (RFC 8058); over http only the mailto.
        self._unsubscribe_url = (
            public_url.rstrip("/") + verp.UNSUBSCRIBE_PATH
            if public_url.startswith("https://")
            else ""
        )
        self._domains: dict[str, tuple[float, EmailDomain | None]] = {}

    async def _domain(self, name: str) -> EmailDomain | None:
        cached = self._domains.get(name)
        if cached is not None and time.monotonic() - cached[0] < self.CACHE_SECONDS:
            return cached[1]
        async with self._uow() as uow:
            found = await uow.email_domains.get(name)
        self._domains[name] = (time.monotonic(), found)
        return found

    async def send(self, message: Message) -> SendResult:
        await self._pace.wait("relay")
        domain_name = message.from_address.rpartition("@")[2].lower()
        domain = await self._domain(domain_name)
        dkim = (
            DkimIdentity(domain.id, domain.dkim_selector, domain.dkim_private_key_pem)
            if domain is not None and domain.dkim_private_key_pem
            else None
        )
        # A domain publishes bounce.<domain> as a CNAME to our bounce host, so bounces to
        # the VERP address come back to the inbound receiver; with no bounce host configured
        # the envelope sender is the From address and bounces go wherever that leads.
        bounce_domain = domain.bounce_domain if domain is not None else None
        return await self._sender.send(
            OutboundEmail(
                message_id=message.id,
                conversation_id=message.conversation_id,
                from_address=EmailAddress(message.from_address, message.from_name),
                to_address=EmailAddress(message.to_address, message.to_name),
                subject=message.subject or "",
                text_body=message.text_body,
                html_body=message.html_body,
                reply_to=EmailAddress(message.reply_to) if message.reply_to else None,
                message_id_header=verp.message_id_header(
                    message.conversation_id, message.id, domain_name
                ),
                return_path=verp.return_path(self._verp_key, message.id, bounce_domain)
                if bounce_domain
                else message.from_address,
                dkim=dkim,
                list_unsubscribe=self._unsubscribe(message, bounce_domain),
            )
        )

    def _unsubscribe(self, message: Message, bounce_domain: str | None) -> tuple[str, ...]:
        """A campaign's messages say how to leave it (receivers ask it of bulk mail): a mail
        to an address of ours, which the inbound receiver takes, and the https link."""
        if message.campaign_id is None:
            return ()
        uris = []
        if bounce_domain:
            uris.append(
                "mailto:" + verp.unsubscribe_address(self._verp_key, message.id, bounce_domain)
            )
        if self._unsubscribe_url:
            tag = verp.unsubscribe_tag(self._verp_key, message.id)
            uris.append(f"{self._unsubscribe_url}/{message.id}/{tag}")
        return tuple(uris)
