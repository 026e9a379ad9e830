"""Keyword matching as a consumer experiences it: the keyword alone counts, whatever its
case, spacing or trailing punctuation; a sentence containing it does not."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidings.domain.keywords import (
    DEFAULT_HELP_TEXT,
    DEFAULT_OPT_IN_TEXT,
    DEFAULT_OPT_OUT_TEXT,
    STANDARD_HELP,
    STANDARD_OPT_IN,
    STANDARD_OPT_OUT,
    KeywordAction,
    KeywordSettings,
    checked,
    normalize,
    rules,
)
from tidings.domain.opt_outs import blocked

DEFAULTS = rules(None)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("STOP", KeywordAction.OPT_OUT),
        ("stop.", KeywordAction.OPT_OUT),
        ("  Stop!!  ", KeywordAction.OPT_OUT),
        ("stop !", KeywordAction.OPT_OUT),
        ("\tunsubscribe\n", KeywordAction.OPT_OUT),
        ("Cancel", KeywordAction.OPT_OUT),
        ("end", KeywordAction.OPT_OUT),
        ("QUIT?", KeywordAction.OPT_OUT),
        ("stopall", KeywordAction.OPT_OUT_ALL),
        ("HELP", KeywordAction.HELP),
        ("info.", KeywordAction.HELP),
        ("start", KeywordAction.OPT_IN),
        ("Yes!", KeywordAction.OPT_IN),
        ("unstop", KeywordAction.OPT_IN),
        ("\uff33\uff34\uff2f\uff30", KeywordAction.OPT_OUT),  # full-width, from a CJK keyboard
        ("STOP\u200b", KeywordAction.OPT_OUT),  # a zero-width space some clients add
        ("\ufeffstop", KeywordAction.OPT_OUT),
        ("'STOP'", KeywordAction.OPT_OUT),
        ('"Stop"', KeywordAction.OPT_OUT),
        ("\u201cstop\u201d", KeywordAction.OPT_OUT),
    ],
)
def test_a_standard_keyword_alone_is_recognised(text: str, action: KeywordAction) -> None:
    matched = DEFAULTS.match(text)
    assert matched is not None and matched.action is action


@pytest.mark.parametrize(
    "text",
    ["please don't stop", "stop it", "STOP STOP", "¿stop", "stopp", "yes please", "", "   ", "."],
)
def test_a_message_that_is_more_than_the_keyword_is_not_one(text: str) -> None:
    assert DEFAULTS.match(text) is None


@given(
    keyword=st.sampled_from(STANDARD_OPT_OUT + STANDARD_HELP + STANDARD_OPT_IN + ("STOPALL",)),
    before=st.text(alphabet=" \t\r\n", max_size=3),
    after=st.text(alphabet=" \t\r\n", max_size=3),
    punctuation=st.text(alphabet=".!?,;:…'\"-)", max_size=4),
    cases=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_case_spacing_and_trailing_punctuation_never_change_the_answer(
    keyword: str, before: str, after: str, punctuation: str, cases: list[bool]
) -> None:
    mixed = "".join(c.lower() if lower else c for c, lower in zip(keyword, cases, strict=False))
    expected = DEFAULTS.match(keyword)
    found = DEFAULTS.match(before + mixed + punctuation + after)
    assert found == expected and found is not None


@given(
    keyword=st.sampled_from(STANDARD_OPT_OUT + STANDARD_HELP + STANDARD_OPT_IN),
    word=st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
)
def test_a_keyword_with_another_word_is_not_a_keyword(keyword: str, word: str) -> None:
    assert DEFAULTS.match(f"{word} {keyword}") is None
    assert DEFAULTS.match(f"{keyword} {word}") is None


def test_the_default_texts_answer_each_kind() -> None:
    assert DEFAULTS.reply(KeywordAction.OPT_OUT) == DEFAULT_OPT_OUT_TEXT
    assert DEFAULTS.reply(KeywordAction.OPT_OUT_ALL) == DEFAULT_OPT_OUT_TEXT
    assert DEFAULTS.reply(KeywordAction.HELP) == DEFAULT_HELP_TEXT
    assert DEFAULTS.reply(KeywordAction.OPT_IN) == DEFAULT_OPT_IN_TEXT


def test_a_sender_inherits_what_it_does_not_set_and_standard_keywords_always_work() -> None:
    organisation = KeywordSettings(
        opt_out_keywords=("ARRET",), help_keywords=("AIDE",), help_text="Call 555-0100."
    )
    sender = KeywordSettings(opt_out_keywords=("BASTA",), opt_out_text="Basta, no more.")
    found = rules(organisation, sender)
    assert found.match("basta").action is KeywordAction.OPT_OUT  # type: ignore[union-attr]
    assert found.match("arret") is None  # the sender's list replaces the organisation's
    assert found.match("aide").action is KeywordAction.HELP  # type: ignore[union-attr]
    assert found.match("stop").action is KeywordAction.OPT_OUT  # type: ignore[union-attr]
    assert found.reply(KeywordAction.OPT_OUT) == "Basta, no more."
    assert found.reply(KeywordAction.HELP) == "Call 555-0100."
    assert found.reply(KeywordAction.OPT_IN) == DEFAULT_OPT_IN_TEXT
    assert rules(organisation).match("ARRET!").action is KeywordAction.OPT_OUT  # type: ignore[union-attr]


def test_settings_are_normalised_and_contradictions_refused() -> None:
    normalised, problems = checked(KeywordSettings(opt_out_keywords=(" basta. ", "BASTA")))
    assert not problems and normalised.opt_out_keywords == ("BASTA",)
    _, problems = checked(KeywordSettings(help_keywords=("stop",)))
    assert [p.field_name for p in problems] == ["helpKeywords"]
    _, problems = checked(KeywordSettings(opt_out_keywords=("NO",), opt_in_keywords=("no",)))
    assert [p.field_name for p in problems] == ["optInKeywords"]
    _, problems = checked(KeywordSettings(opt_in_keywords=("...",), help_text="  "))
    assert {p.field_name for p in problems} == {"optInKeywords", "helpText"}


def test_an_all_senders_opt_out_blocks_every_sender_but_an_exempted_one() -> None:
    pairs = {("+1555", "+1A"), ("+1555", "+1B"), ("+1666", "+1A")}
    assert blocked({("+1555", "*")}, {("+1555", "+1B")}, pairs) == {("+1555", "+1A")}
    assert blocked({("+1666", "+1A")}, set(), pairs) == {("+1666", "+1A")}
    assert blocked(set(), set(), pairs) == set()


def test_an_accented_keyword_matches_however_the_phone_composes_the_accent() -> None:
    found = rules(KeywordSettings(opt_out_keywords=("ARRÊT",)))
    for text in (unicodedata.normalize("NFC", "arrêt"), unicodedata.normalize("NFD", "arrêt")):
        assert found.match(text).action is KeywordAction.OPT_OUT  # type: ignore[union-attr]


@given(st.text(max_size=12))
def test_a_normalised_keyword_normalises_to_itself(text: str) -> None:
    """Keywords are stored normalised and normalised again when the rules are built."""
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize("text", ["\u201eStop\u201c", "(stop)", "\u00abSTOP\u00bb"])
def test_opening_quotes_and_brackets_of_any_language_are_ignored(text: str) -> None:
    assert DEFAULTS.match(text) is not None
