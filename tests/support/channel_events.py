"""A ChannelEvents sink that remembers what it was handed, for tests of the channels."""

from __future__ import annotations

from dataclasses import dataclass, field

from tidings.domain.channels import DeliveryReport, InboundSms


@dataclass
class RecordingEvents:
    reports: list[DeliveryReport] = field(default_factory=list)
    inbound: list[InboundSms] = field(default_factory=list)

    async def delivery_report(self, report: DeliveryReport) -> None:
        self.reports.append(report)

    async def inbound_sms(self, message: InboundSms) -> None:
        self.inbound.append(message)

    async def close(self) -> None:
        """The container closes its events sink at shutdown; nothing is pending here."""
