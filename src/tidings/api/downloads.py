"""Signed download links: a file can be fetched without a token (by a browser, or by a
client following `download=true`) for a limited time, and only the file it names."""

from __future__ import annotations

import hashlib
import hmac
import time

from tidings.domain.errors import NotAllowed


def sign(key: bytes, path: str, expires: int) -> str:
    return hmac.new(key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def signed_query(key: bytes, path: str, lifetime_seconds: int) -> str:
    expires = int(time.time()) + lifetime_seconds
    return f"expires={expires}&signature={sign(key, path, expires)}"


def valid(key: bytes, path: str, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500).
    return hmac.compare_digest(sign(key, path, expires).encode(), signature.encode())


def signed_url(base_url: str, key: bytes, path: str, lifetime_seconds: int) -> str:
    """An absolute URL of `path` on this server, signed for `lifetime_seconds`."""
    return f"{base_url.rstrip('/')}{path}?{signed_query(key, path, lifetime_seconds)}"


def require_valid(key: bytes, path: str, expires: int, signature: str) -> None:
    if not valid(key, path, expires, signature):
        raise NotAllowed("The link is not valid or has expired; ask for a new one")
