"""SMS encodings and segments, table-tested against hand-computed cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidings.domain import sms_content
from tidings.domain.sms_content import GSM7, UCS2, gsm7, parts, size, split, split_links


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM7, 0, 1),
        ("Hello", GSM7, 5, 1),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),  # 153 + 8
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # each € is ESC + e: two septets
        ("€" * 81, GSM7, 162, 2),
        ("[test]{}" * 20 + "x", GSM7, 241, 2),
        # An escape pair at the boundary moves whole to the next part: 3 parts, not 2.
        ("a" * 152 + "€" + "a" * 152, GSM7, 306, 3),
        ("a" * 152 + "€" + "a" * 10, GSM7, 164, 2),
        ("\f", GSM7, 2, 1),  # form feed is an extension character
        ("あ" * 70, UCS2, 70, 1),
        ("あ" * 71, UCS2, 71, 2),  # 67 + 4
        ("Привет" * 12, UCS2, 72, 2),
        ("😀" * 35, UCS2, 70, 1),  # each emoji is a surrogate pair: two units
        ("😀" * 36, UCS2, 72, 2),
        # A surrogate pair is never split: 66 units, then the emoji starts part 2.
        ("a" * 66 + "😀" + "a" * 3, UCS2, 71, 2),
        ("a" * 66 + "😀", UCS2, 68, 1),
        ("ç", UCS2, 1, 1),  # GSM has only Ç
    ],
)
def test_size(text: str, encoding: str, units: int, segments: int) -> None:
    found = size(text)
    assert (found.encoding, found.units, found.segments) == (encoding, units, segments)
    assert found.characters == len(text)


def test_parts_carry_a_concatenation_header_with_one_reference() -> None:
    found = parts("a" * 200, reference=0x2A)
    assert [p.udh for p in found] == [
        bytes([5, 0, 3, 0x2A, 2, 1]),
        bytes([5, 0, 3, 0x2A, 2, 2]),
    ]
    assert [len(p.payload) for p in found] == [153, 47]
    assert parts("short", reference=7)[0].udh == b""


def test_ucs2_parts_are_big_endian_utf16() -> None:
    (single,) = parts("€😀", reference=1)  # € is GSM, the emoji is not: all UCS-2
    assert single.payload == "€😀".encode("utf-16-be")


@given(st.text(max_size=800))
def test_parts_put_back_together_are_the_text(text: str) -> None:
    pieces = split(text)
    assert "".join(pieces) == text
    found = size(text)
    limit = 160 if found.encoding == GSM7 else 70
    part = 153 if found.encoding == GSM7 else 67
    for piece in pieces:
        assert size(piece).units <= (limit if len(pieces) == 1 else part)


def test_a_link_cut_by_a_segment_boundary_is_reported() -> None:
    link = "https://example.com/track/ABC123"
    assert split_links("x" * 140 + " " + link) == [link]
    assert split_links("x" * 100 + " " + link) == []  # one segment: nothing to cut
    assert split_links("x" * 200 + " " + link) == []  # wholly in the second part


_GSM_ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f"
)


@given(st.text(alphabet=st.sampled_from(_GSM_ALPHABET + "çÀ😀ñ\u00a0`")))
def test_septets_are_what_the_gsm_codec_makes(text: str) -> None:
    try:
        expected: bytes | None = text.encode("gsm03.38")
    except UnicodeEncodeError:
        expected = None
    assert gsm7(text) == expected


def test_every_character_of_the_tables_encodes_as_the_codec_does() -> None:
    for character in _GSM_ALPHABET:
        assert gsm7(character) == character.encode("gsm03.38")
    assert gsm7("a`b") is None  # the backtick is in neither table


def test_received_parts_are_decoded_together_only_where_they_meet() -> None:
    high, low = "😀".encode("utf-16-be")[:2], "😀".encode("utf-16-be")[2:]
    one = (1, "a\ufffd", "a".encode("utf-16-be") + high, sms_content.UCS2_ALPHABET)
    two = (2, "\ufffdb", low + "b".encode("utf-16-be"), sms_content.UCS2_ALPHABET)
    three = (3, "\ufffdc", low + "c".encode("utf-16-be"), sms_content.UCS2_ALPHABET)
    assert sms_content.joined([two, one]) == "a😀b"
    # Part 2 never came: parts 1 and 3 do not meet, each keeps its own reading.
    assert sms_content.joined([one, three]) == "a\ufffd\ufffdc"
    # A part known only by its text (kept before payloads were) is taken as it reads.
    assert sms_content.joined([(1, "a\ufffd", b"", ""), two]) == "a\ufffd\ufffdb"
