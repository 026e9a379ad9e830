"""A real MTA in the path: our SMTP sender hands messages to postfix, postfix relays them to
an aiosmtpd sink, and the DKIM signature still verifies on the bytes that arrive there."""

from __future__ import annotations

import asyncio
import os
import re

import dkim
import pytest

from tests.support.emails import DKIM, dns, outbound, parsed
from tests.support.postfix import running_postfix, why_postfix_cannot_run
from tests.support.smtp_peer import SmtpPeer
from tidings.adapters.email.smtp import SmtpSender
from tidings.domain.channels import SendOutcome

_REASON = why_postfix_cannot_run()
if _REASON is not None and os.environ.get("CI"):
    pytest.fail(f"the postfix round trip cannot run: {_REASON}", pytrace=False)
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")


async def test_a_dkim_signed_message_relayed_by_postfix_still_verifies() -> None:
    verp = "bounce-00000000-0000-4000-8000-000000000001-0123456789@bounces.shop.example"
    with SmtpPeer() as sink, running_postfix(sink.port) as postfix:
        sender = SmtpSender.from_url(f"smtp://127.0.0.1:{postfix.port}?connections=4")
        try:
            first = await sender.send(
                outbound(1, dkim=DKIM, return_path=verp, subject="Grüße aus Köln 📦")
            )
            rest = await asyncio.gather(
                *(sender.send(outbound(n, dkim=DKIM)) for n in range(2, 21))
            )
        finally:
            await sender.close()
        received = await asyncio.to_thread(sink.wait_for, 20)
        queued = re.search(r"queued as (\w+)", first.reason or "")
        assert queued is not None, first
        log = await asyncio.to_thread(postfix.wait_for_log, f"{queued.group(1)}: removed")

    assert first.outcome is SendOutcome.ACCEPTED and first.code == "250"
    assert {r.outcome for r in rest} == {SendOutcome.ACCEPTED}
    assert f"{queued.group(1)}: to=<ann@example.org>, relay=127.0.0.1[127.0.0.1]" in log
    assert "status=sent (250 2.0.0 Ok: queued as PEER" in log
    [relayed] = [m for m in received if m.mail_from == verp]
    assert relayed.rcpt_tos == ("ann@example.org",)
    # postfix added its trace header above ours; the signature does not cover it.
    assert relayed.data.startswith(b"Received: from ")
    assert b"by relay.tidings.test (Postfix)" in relayed.data
    assert parsed(relayed.data)["Subject"] == "Grüße aus Köln 📦"
    assert all(dkim.verify(message.data, dnsfunc=dns) for message in received)
