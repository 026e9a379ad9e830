"""DKIM key pairs for new outbound domains."""

from __future__ import annotations

from tidings.adapters.email.dkim import generate_key


class RsaDkimKeys:
    """2048-bit RSA keys: what receivers expect today (RFC 8301 requires at least 1024)."""

    def __init__(self, bits: int = 2048) -> None:
        self.bits = bits

    def generate(self) -> tuple[bytes, str]:
        return generate_key(self.bits)
