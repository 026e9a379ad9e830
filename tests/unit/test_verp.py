"""Bounce addresses name their message and cannot be forged; Message-IDs lead back."""

from __future__ import annotations

import uuid

from tidings.domain.verp import bounced_message, ids_in_reference, message_id_header, return_path

KEY = b"k" * 32


def test_a_bounce_address_names_its_message() -> None:
    message = str(uuid.uuid4())
    address = return_path(KEY, message, "bounces.example.com")
    assert address.endswith("@bounces.example.com")
    assert bounced_message(KEY, address) == message
    assert bounced_message(KEY, f"<{address.upper()}>") == message  # case is not meaningful


def test_a_forged_or_foreign_bounce_address_names_nothing() -> None:
    message = str(uuid.uuid4())
    address = return_path(KEY, message, "bounces.example.com")
    other = str(uuid.uuid4())
    assert bounced_message(KEY, address.replace(message, other)) is None
    assert bounced_message(b"another key" * 3, address) is None
    assert bounced_message(KEY, "postmaster@bounces.example.com") is None


def test_our_message_ids_lead_back_to_message_and_conversation() -> None:
    message, conversation = str(uuid.uuid4()), str(uuid.uuid4())
    header = message_id_header(conversation, message, "mail.example.com")
    assert ids_in_reference(header) == (message, conversation)
    assert ids_in_reference("<CAF123@mail.gmail.com>") is None
