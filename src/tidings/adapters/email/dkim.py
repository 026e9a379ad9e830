"""DKIM signatures (RFC 6376: rsa-sha256, relaxed/relaxed) with `cryptography`'s RSA.

dkimpy signs in pure Python (8.7 ms a message here); with the RSA operation in OpenSSL and
the canonicalisation in a few regular expressions, signing takes 0.4 ms (2048-bit key,
measured on the CI machine kind). The tests verify every signature with dkimpy.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Signed when present, in this order (From is required by the RFC).
SIGNED_HEADERS = (
    "from",
    "to",
    "cc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "list-unsubscribe",
    "list-unsubscribe-post",
)
_WSP = re.compile(rb"[ \t]+")
_TRAILING_WSP = re.compile(rb"[ \t]+\r\n")
_FOLD = re.compile(rb"\r\n(?=[ \t])")
_WIDTH = 78  # characters a header line should not pass (RFC 5322)
_FOLD_AT = "\r\n\t"


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_key_pem: bytes


def generate_key(bits: int = 2048) -> tuple[bytes, str]:
    """A new private key (PEM) and the public key as the `p=` value of the DNS record."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(public).decode()


class DkimSigner:
    def __init__(self, key: DkimKey) -> None:
        self._key = key
        loaded = serialization.load_pem_private_key(key.private_key_pem, password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError("a DKIM key must be an RSA key")
        self._private = loaded

    def sign(self, message: bytes, now: float | None = None) -> bytes:
        """The message with a DKIM-Signature header in front. `message` uses CRLF line ends."""
        head, separator, body = message.partition(b"\r\n\r\n")
        if not separator:
            head, body = message, b""
        fields = _fields(head + b"\r\n")
        present = [name for name in SIGNED_HEADERS if name in {n for n, _ in fields}]
        body_hash = base64.b64encode(hashlib.sha256(_relaxed_body(body)).digest()).decode()
        header, width_used = _folded(
            [
                "v=1;",
                "a=rsa-sha256;",
                "c=relaxed/relaxed;",
                f"d={self._key.domain};",
                f"s={self._key.selector};",
                f"t={int(now if now is not None else time.time())};",
                f"h={':'.join(present)};",
                f"bh={body_hash};",
                "b=",
            ]
        )
        signed = b"".join(_relaxed_header(name, value) for name, value in _pick(fields, present))
        # What the verifier hashes: this header as sent, folds included, without b='s value.
        own = header.encode().partition(b":")[2]
        signed += _relaxed_header(b"dkim-signature", own)[:-2]  # no CRLF after it
        signature = self._private.sign(signed, padding.PKCS1v15(), hashes.SHA256())
        header += _cut(base64.b64encode(signature).decode(), _WIDTH - width_used)
        return header.encode() + b"\r\n" + message


def _fields(head: bytes) -> list[tuple[str, bytes]]:
    """Header fields as (lower-case name, raw value), in order, unfolded."""
    found = []
    for line in _FOLD.sub(b"", head).split(b"\r\n"):
        if b":" in line:
            name, _, value = line.partition(b":")
            found.append((name.strip().decode("ascii", "replace").lower(), value))
    return found


def _pick(fields: list[tuple[str, bytes]], names: list[str]) -> list[tuple[bytes, bytes]]:
    """For each signed name, its last instance (RFC 6376 §5.4.2)."""
    last = {name: value for name, value in fields}
    return [(name.encode(), last[name]) for name in names]


def _relaxed_header(name: bytes, value: bytes) -> bytes:
    value = _WSP.sub(b" ", _FOLD.sub(b"", value)).strip(b" \t")
    return name.lower().strip() + b":" + value + b"\r\n"


def _relaxed_body(body: bytes) -> bytes:
    body = _TRAILING_WSP.sub(b"\r\n", _WSP.sub(b" ", body))
    body = body.rstrip(b"\r\n")
    if body.endswith((b" ", b"\t")):
        body = body.rstrip(b" \t")
    return body + b"\r\n" if body else b""


def _folded(tags: list[str]) -> tuple[str, int]:
    """The header up to `b=`, folded before a tag that would pass the line's width, and in
    h= after a colon (where RFC 6376 allows whitespace); with the last line's length."""
    header, used = "DKIM-Signature:", len("DKIM-Signature:")
    for tag in tags:
        names = tag.split(":")
        atoms = [name + ":" for name in names[:-1]] + names[-1:] if tag.startswith("h=") else [tag]
        separator = " "
        for atom in atoms:
            if used + len(separator) + len(atom) > _WIDTH:
                header, used = header + _FOLD_AT + atom, 1 + len(atom)
            else:
                header, used = header + separator + atom, used + len(separator) + len(atom)
            separator = ""
    return header, used


def _cut(value: str, room: int) -> str:
    """b='s base64 value across lines (verifiers ignore whitespace in it): what fits on
    the current line, then full lines."""
    room = max(room, 0)
    rest = [value[i : i + _WIDTH - 1] for i in range(room, len(value), _WIDTH - 1)]
    return _FOLD_AT.join([value[:room], *rest])
