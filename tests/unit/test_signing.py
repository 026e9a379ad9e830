"""Messages handed to the signing thread in batches: each comes back signed, and none is
left behind when it arrives just as a hand-over ends."""

from __future__ import annotations

import asyncio

import dkim

from tests.support.emails import DKIM, dns, outbound
from tidings.adapters.email.compose import UnsendableAddress
from tidings.adapters.email.signing import Signing
from tidings.domain.channels import EmailAddress


async def test_a_message_queued_as_a_hand_over_ends_is_still_signed() -> None:
    signing = Signing()
    try:
        first = await signing.compose(outbound(1, dkim=DKIM))
        # Asked at once (in this task: no new one to delay it), as the hand-over that signed
        # the first is finishing.
        async with asyncio.timeout(10):
            second = await signing.compose(outbound(2, dkim=DKIM))
    finally:
        signing.close()

    assert dkim.verify(first.data, dnsfunc=dns) and dkim.verify(second.data, dnsfunc=dns)


async def test_many_at_once_are_each_signed_and_a_bad_one_fails_alone() -> None:
    signing = Signing()
    readers = [EmailAddress(f"reader{n}@example.org") for n in range(100)]
    readers[40] = EmailAddress("zoë@example.org")
    try:
        results = await asyncio.gather(
            *(signing.compose(outbound(n, dkim=DKIM, to_address=a)) for n, a in enumerate(readers)),
            return_exceptions=True,
        )
    finally:
        signing.close()

    assert isinstance(results[40], UnsendableAddress)
    composed = [r for n, r in enumerate(results) if n != 40]
    assert [c.envelope_recipient for c in composed] == [  # type: ignore[union-attr]
        to.email for n, to in enumerate(readers) if n != 40
    ]
    assert all(dkim.verify(c.data, dnsfunc=dns) for c in composed)  # type: ignore[union-attr]
