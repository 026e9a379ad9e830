"""Message templates: `{{placeholder}}` substitution, and a plain-text alternative for HTML
e-mail bodies.

Rendering is substitution only: a placeholder names a contact column (spaces inside the
braces are ignored, the name itself may contain spaces: `{{ First Name }}`) or a
substitution of the response. Nothing in a template runs: there are no expressions,
attribute access or filters, so a template written by one user cannot read anything but
the values it is given. A placeholder with no value takes the substitution's default,
else renders empty and is reported, as is a placeholder that names nothing known.
Substituted values are inserted as they are in text, and HTML-escaped in HTML bodies.
The plain-text alternative of an HTML body is the template's own text with the values
filled in: the HTML is read once per template, not once per message.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


@dataclass(frozen=True)
class Rendered:
    text: str
    # Placeholders rendered empty: no value and no default.
    missing: tuple[str, ...] = ()
    # Placeholders that are neither a known column nor a substitution.
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class Substitution:
    id: str
    default_value: str | None = None
    description: str | None = None


def placeholders(template: str) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(template)))


def render(
    template: str,
    values: Mapping[str, str],
    substitutions: tuple[Substitution, ...] = (),
    known: frozenset[str] | None = None,
    *,
    escape: bool = False,
) -> Rendered:
    """`values` are the contact's data (and any extra values by name); `known` are the names
    that may be used (the list's columns and the substitutions); None: anything goes."""
    defaults = {s.id: s.default_value for s in substitutions}
    names = set(defaults) | set(known or ())
    missing: dict[str, None] = {}
    unknown: dict[str, None] = {}
    folded: tuple[dict[str, str], dict[str, str | None]] | None = None

    def fill(match: re.Match[str]) -> str:
        nonlocal folded
        name = match.group(1)
        value = values.get(name)
        default = defaults.get(name)
        if value is None and name not in defaults:
            # Column names are unique regardless of case (and CSV headers match so):
            # {{firstname}} is the column FirstName; an exact name is looked up first.
            if folded is None:
                folded = (
                    {_key(column): v for column, v in values.items()},
                    {_key(d): v for d, v in defaults.items()},
                )
            key = _key(name)
            value, default = folded[0].get(key), folded[1].get(key)
            if known is not None and value is None and key not in map(_key, names):
                unknown[name] = None
        value = value or default
        if not value:
            missing[name] = None
            return ""
        return html.escape(value) if escape else value

    text = PLACEHOLDER.sub(fill, template)
    return Rendered(text, tuple(missing), tuple(unknown))


def _key(name: str) -> str:
    return name.strip().casefold()


@dataclass
class _TextOfHtml(HTMLParser):
    parts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    _skip: int = 0

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in ("br",):
            self.parts.append("\n")
        elif tag in ("p", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"):
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and not href.startswith(("mailto:", "#")):
                self.parts.append(f" ({href})")
        elif tag in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def plain_text(body_html: str) -> str:
    """A readable plain-text alternative of an HTML body: text with paragraphs and line
    breaks kept, links written out, scripts and styles left out."""
    parser = _TextOfHtml()
    parser.feed(body_html)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def render_plain_text(
    html_template: str, values: Mapping[str, str], substitutions: tuple[Substitution, ...] = ()
) -> str:
    """The plain-text alternative of an HTML template rendered with `values`. Reading HTML
    is the dearest step of rendering a campaign's e-mail, so it is done for the template
    (once, cached) and the values go into its text as they are: a value is text, not
    markup, so it reads the same whether it went through the HTML or not."""
    return render(_plain_template(html_template), values, substitutions).text


# Placeholders stand in as these while the HTML is read, so the text's whitespace rules
# cannot touch the names inside the braces.
_MARKER = re.compile("\ue000(\\d+)\ue001")


@functools.lru_cache(maxsize=64)
def _plain_template(html_template: str) -> str:
    names: list[str] = []

    def mark(match: re.Match[str]) -> str:
        names.append(match.group(0))
        return f"\ue000{len(names) - 1}\ue001"

    text = plain_text(PLACEHOLDER.sub(mark, html_template))
    return _MARKER.sub(lambda m: names[int(m.group(1))], text)
