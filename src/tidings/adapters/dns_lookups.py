"""DNS lookups with dnspython's asyncio resolver, at a configured server or the system's."""

from __future__ import annotations

import dns.asyncresolver
import dns.exception
import dns.resolver

from tidings.config import host_port
from tidings.domain.senders import DnsLookup

# One check asks a handful of questions at once; each gets this long in all (retries included).
LIFETIME_SECONDS = 4.0


class DnspythonLookups:
    def __init__(self, resolver_setting: str = "") -> None:
        self._server = host_port(resolver_setting) if resolver_setting.strip() else None
        self._resolver: dns.asyncresolver.Resolver | None = None

    def _get_resolver(self) -> dns.asyncresolver.Resolver:
        # Made on first use: the system resolver reads /etc/resolv.conf, which a container
        # may lack; that is an error of a check, not of the start.
        if self._resolver is None:
            if self._server is None:
                resolver = dns.asyncresolver.Resolver()
            else:
                resolver = dns.asyncresolver.Resolver(configure=False)
                resolver.nameservers = [self._server[0]]
                resolver.port = self._server[1]
            resolver.lifetime = LIFETIME_SECONDS
            self._resolver = resolver
        return self._resolver

    async def lookup(self, name: str, record_type: str) -> DnsLookup:
        try:
            answer = await self._get_resolver().resolve(
                name, record_type, raise_on_no_answer=False, search=False
            )
        except dns.resolver.NXDOMAIN:
            return DnsLookup("missing")
        except (dns.exception.DNSException, OSError):
            # Timeout, SERVFAIL from every server, no resolver configured, network down.
            return DnsLookup("error")
        if answer.rrset is None:
            return DnsLookup("missing")
        values = []
        for rdata in answer.rrset:
            if record_type == "TXT":
                values.append(b"".join(rdata.strings).decode("utf-8", "replace"))
            else:
                values.append(rdata.to_text())
        return DnsLookup("found", tuple(values))
