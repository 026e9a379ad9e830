"""SMS keywords: what a consumer texts to opt out, opt back in or ask for help.

A message counts only when it is the keyword and nothing else: case, surrounding whitespace,
opening quotes and brackets, trailing punctuation, full-width letters and invisible
characters are ignored ("STOP", " stop. ", "'Stop'", full-width "STOP" yes; "please don't
stop" no). The carriers' standard keywords always work (a sender may add its own but
cannot remove these: a consumer who texts STOP must be heard whatever the configuration).
Settings exist for the organisation and per sender number; a sender's field left unset
takes the organisation's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tidings.domain.errors import FieldProblem


class KeywordAction(StrEnum):
    OPT_OUT = "optOut"  # suppress this sender
    OPT_OUT_ALL = "optOutAll"  # suppress every sender
    OPT_IN = "optIn"
    HELP = "help"


ALL_SENDERS = "*"

STANDARD_OPT_OUT = ("STOP", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")
STANDARD_OPT_OUT_ALL = ("STOPALL",)
STANDARD_HELP = ("HELP", "INFO")
STANDARD_OPT_IN = ("START", "YES", "UNSTOP")

DEFAULT_OPT_OUT_TEXT = (
    "You are unsubscribed and will get no more messages from this number. "
    "Reply START to subscribe again."
)
DEFAULT_HELP_TEXT = "Reply STOP to unsubscribe, START to subscribe again."
DEFAULT_OPT_IN_TEXT = "You are subscribed again. Reply STOP to unsubscribe, HELP for help."

MAX_KEYWORD_LENGTH = 32
MAX_KEYWORDS = 20
MAX_TEXT_LENGTH = 918  # six concatenated GSM-7 parts


def normalize(text: str) -> str:
    """The message as a keyword: in compatibility form (full-width letters are the ASCII
    ones, a "Ê" composed or as E and a combining accent alike), without invisible format
    characters (a zero-width space, a byte-order mark), surrounding whitespace, opening
    quotes and brackets and trailing punctuation, upper case (full Unicode case folding,
    so "ß" and "SS" agree)."""
    text = unicodedata.normalize("NFKC", text)
    stripped = "".join(c for c in text if unicodedata.category(c) != "Cf").strip()
    while stripped and unicodedata.category(stripped[-1]).startswith("P"):
        stripped = stripped[:-1].rstrip()
    while stripped and (stripped[0] in "'\"" or unicodedata.category(stripped[0]) in _OPENING):
        stripped = stripped[1:].lstrip()  # "„Stop“", "(stop)"; "¿stop" asks, it is no keyword
    # Composed again: case mapping may decompose ("ΐ"), and keywords are stored normalised.
    return unicodedata.normalize("NFC", stripped.casefold().upper())


_OPENING = ("Pi", "Pf", "Ps")  # quotes and brackets that open


@dataclass(frozen=True)
class KeywordSettings:
    """What is configured for the organisation or one sender: extra keywords of each kind
    and the three reply texts. None: not set here (a sender then takes the organisation's,
    the organisation the built-in default)."""

    opt_out_keywords: tuple[str, ...] | None = None
    opt_in_keywords: tuple[str, ...] | None = None
    help_keywords: tuple[str, ...] | None = None
    opt_out_text: str | None = None
    opt_in_text: str | None = None
    help_text: str | None = None


@dataclass(frozen=True)
class KeywordMatch:
    action: KeywordAction
    keyword: str  # as matched, normalised


@dataclass(frozen=True)
class KeywordRules:
    """The keywords and texts in force for one sender."""

    keywords: dict[str, KeywordAction]
    opt_out_text: str
    opt_in_text: str
    help_text: str

    def match(self, text: str) -> KeywordMatch | None:
        word = normalize(text)
        action = self.keywords.get(word)
        return None if action is None else KeywordMatch(action, word)

    def reply(self, action: KeywordAction) -> str:
        if action is KeywordAction.HELP:
            return self.help_text
        if action is KeywordAction.OPT_IN:
            return self.opt_in_text
        return self.opt_out_text


def rules(
    organisation: KeywordSettings | None, sender: KeywordSettings | None = None
) -> KeywordRules:
    """The rules for a sender: its own settings over the organisation's over the defaults.
    Standard keywords win over custom ones of another kind (validation refuses those)."""
    org = organisation or KeywordSettings()
    own = sender or KeywordSettings()

    def pick(field: str, default: Any) -> Any:
        value = getattr(own, field)
        if value is None:
            value = getattr(org, field)
        return default if value is None else value

    keywords: dict[str, KeywordAction] = {}
    for custom, action in (
        (pick("help_keywords", ()), KeywordAction.HELP),
        (pick("opt_in_keywords", ()), KeywordAction.OPT_IN),
        (pick("opt_out_keywords", ()), KeywordAction.OPT_OUT),
    ):
        keywords.update((normalize(word), action) for word in custom)
    for standard, action in (
        (STANDARD_HELP, KeywordAction.HELP),
        (STANDARD_OPT_IN, KeywordAction.OPT_IN),
        (STANDARD_OPT_OUT, KeywordAction.OPT_OUT),
        (STANDARD_OPT_OUT_ALL, KeywordAction.OPT_OUT_ALL),
    ):
        keywords.update((word, action) for word in standard)
    return KeywordRules(
        keywords,
        opt_out_text=pick("opt_out_text", DEFAULT_OPT_OUT_TEXT),
        opt_in_text=pick("opt_in_text", DEFAULT_OPT_IN_TEXT),
        help_text=pick("help_text", DEFAULT_HELP_TEXT),
    )


_STANDARD = {
    **dict.fromkeys(STANDARD_OPT_OUT, KeywordAction.OPT_OUT),
    **dict.fromkeys(STANDARD_OPT_OUT_ALL, KeywordAction.OPT_OUT_ALL),
    **dict.fromkeys(STANDARD_HELP, KeywordAction.HELP),
    **dict.fromkeys(STANDARD_OPT_IN, KeywordAction.OPT_IN),
}


def checked(settings: KeywordSettings) -> tuple[KeywordSettings, list[FieldProblem]]:
    """The settings with keywords normalised, and what is wrong with them: an empty or
    over-long keyword or text, a keyword of two kinds, a standard keyword given another
    meaning."""
    problems: list[FieldProblem] = []
    seen: dict[str, str] = {}
    lists: dict[str, tuple[str, ...] | None] = {}
    for field, name, action in (
        ("opt_out_keywords", "optOutKeywords", KeywordAction.OPT_OUT),
        ("opt_in_keywords", "optInKeywords", KeywordAction.OPT_IN),
        ("help_keywords", "helpKeywords", KeywordAction.HELP),
    ):
        raw: tuple[str, ...] | None = getattr(settings, field)
        if raw is None:
            lists[field] = None
            continue
        if len(raw) > MAX_KEYWORDS:
            problems.append(FieldProblem(name, "too.many", f"at most {MAX_KEYWORDS} keywords"))
        words: list[str] = []
        for original in raw:
            word = normalize(original)
            if not word or len(word) > MAX_KEYWORD_LENGTH:
                problems.append(
                    FieldProblem(
                        name,
                        "invalid.value",
                        f"{original!r}: a keyword has 1 to {MAX_KEYWORD_LENGTH} characters "
                        "besides trailing punctuation",
                    )
                )
                continue
            standard = _STANDARD.get(word)
            if standard is not None and standard is not action:
                problems.append(
                    FieldProblem(name, "invalid.value", f"{word} is a standard {standard} keyword")
                )
            elif word in seen and seen[word] != name:
                problems.append(
                    FieldProblem(name, "invalid.value", f"{word} is also in {seen[word]}")
                )
            seen.setdefault(word, name)
            if word not in words:
                words.append(word)
        lists[field] = tuple(words)
    for field, name in (
        ("opt_out_text", "optOutText"),
        ("opt_in_text", "optInText"),
        ("help_text", "helpText"),
    ):
        text = getattr(settings, field)
        if text is not None and not (text.strip() and len(text) <= MAX_TEXT_LENGTH):
            problems.append(
                FieldProblem(name, "invalid.value", f"1 to {MAX_TEXT_LENGTH} characters")
            )
    normalised = KeywordSettings(
        opt_out_keywords=lists["opt_out_keywords"],
        opt_in_keywords=lists["opt_in_keywords"],
        help_keywords=lists["help_keywords"],
        opt_out_text=settings.opt_out_text.strip() if settings.opt_out_text else None,
        opt_in_text=settings.opt_in_text.strip() if settings.opt_in_text else None,
        help_text=settings.help_text.strip() if settings.help_text else None,
    )
    return normalised, problems
