"""Return-Path addresses that say which message bounced (VERP), and Message-IDs that say
which conversation a reply belongs to.

`bounce-<message id>-<tag>@<bounce domain>`: the tag is a truncated HMAC of the message
id, so a forged bounce to a guessed address cannot mark someone else's message failed
(or suppress their address).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

_LOCAL = re.compile(r"bounce-([0-9a-f-]{36})-([0-9a-f]{10})", re.IGNORECASE)


def _tag(key: bytes, message_id: str) -> str:
    return hmac.new(key, message_id.lower().encode(), hashlib.sha256).hexdigest()[:10]


def return_path(key: bytes, message_id: str, bounce_domain: str) -> str:
    return f"bounce-{message_id}-{_tag(key, message_id)}@{bounce_domain}"


def bounced_message(key: bytes, address: str) -> str | None:
    """The message id a bounce address names, if its tag is ours; else None."""
    return _named(_LOCAL, address, lambda message_id: _tag(key, message_id))


def _named(local_part: re.Pattern[str], address: str, tag_of: Callable[[str], str]) -> str | None:
    """The message id (lower case) an address of ours names, when its tag is the one
    `tag_of` gives that id; else None."""
    local, _, _ = address.strip().strip("<>").partition("@")
    found = local_part.fullmatch(local)
    return None if found is None else _checked(found.group(1), found.group(2), tag_of)


def _checked(message_id: str, tag: str, tag_of: Callable[[str], str]) -> str | None:
    message_id = message_id.lower()
    return (
        message_id
        if hmac.compare_digest(tag.lower().encode(), tag_of(message_id).encode())
        else None
    )


# `unsubscribe-<message id>-<tag>@<bounce domain>` (List-Unsubscribe, RFC 2369) and the
# https link (RFC 8058) carry a tag of their own: a bounce address cannot be turned into
# an unsubscribe, nor one person's link into another's.
UNSUBSCRIBE_PATH = "/unsubscribe"  # + /<message id>/<tag> on the public URL
_UNSUBSCRIBE = re.compile(r"unsubscribe-([0-9a-f-]{36})-([0-9a-f]{10})", re.IGNORECASE)


def unsubscribe_tag(key: bytes, message_id: str) -> str:
    return _tag(key, "unsubscribe:" + message_id.lower())


def unsubscribe_address(key: bytes, message_id: str, bounce_domain: str) -> str:
    return f"unsubscribe-{message_id}-{unsubscribe_tag(key, message_id)}@{bounce_domain}"


def unsubscribing_message(key: bytes, address: str) -> str | None:
    """The message id an unsubscribe address names, if its tag is ours; else None."""
    return _named(_UNSUBSCRIBE, address, lambda message_id: unsubscribe_tag(key, message_id))


def tagged_for_unsubscribe(key: bytes, message_id: str, tag: str) -> str | None:
    """The message id (lower case) when the tag is its unsubscribe tag; else None."""
    return _checked(message_id, tag, lambda found: unsubscribe_tag(key, found))


def message_id_header(conversation_id: str, message_id: str, domain: str) -> str:
    """`<message.conversation@domain>`: a reply's In-Reply-To leads back to both."""
    return f"<{message_id}.{conversation_id}@{domain}>"


def ids_in_reference(reference: str) -> tuple[str, str] | None:
    """(message id, conversation id) from one of our Message-IDs, else None."""
    found = re.fullmatch(r"\s*<?([0-9a-f-]{36})\.([0-9a-f-]{36})@[^>\s]+>?\s*", reference, re.I)
    return (found.group(1).lower(), found.group(2).lower()) if found else None
