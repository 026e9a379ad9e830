"""What a response looks like for one contact: the rendered texts and what to watch for.

SMS bodies also report their encoding and how many segments they take: a text over one
segment costs more and may arrive out of order, and a link cut by a segment boundary breaks
on some phones. Placeholders that name nothing known, and values that render empty, are
reported too; none of these stops a preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tidings.domain import sms_content
from tidings.domain.responses import Response
from tidings.domain.templates import Rendered, render, render_plain_text


@dataclass(frozen=True)
class PreviewWarning:
    code: str
    message: str


@dataclass(frozen=True)
class SmsFacts:
    encoding: str  # GSM-7 | UCS-2
    character_count: int
    segment_count: int


@dataclass(frozen=True)
class Preview:
    body: str
    subject: str | None = None
    text_body: str | None = None  # the plain-text alternative of an HTML e-mail body
    sms: SmsFacts | None = None
    warnings: list[PreviewWarning] = field(default_factory=list)


def preview(
    response: Response,
    contact: Mapping[str, str],
    values: Mapping[str, str] | None = None,
    columns: frozenset[str] | None = None,
) -> Preview:
    """`contact`: the contact's data; `values`: substitution values given for this preview
    (they win over the contact's columns and the defaults); `columns`: the contact list's
    columns when the contact comes from one, else the contact's own keys are what is known."""
    merged = {**contact, **(values or {})}
    known = frozenset(columns if columns is not None else contact) | frozenset(values or ())
    renders: list[Rendered] = []

    def fill(template: str | None, *, escape: bool = False) -> str | None:
        if template is None:
            return None
        rendered = render(template, merged, response.substitutions, known, escape=escape)
        renders.append(rendered)
        return rendered.text

    subject = fill(response.subject)
    body = fill(response.body, escape=response.body_is_html) or ""
    warnings = _placeholder_warnings(renders)
    if response.is_email:
        text_body = (
            render_plain_text(response.body or "", merged, response.substitutions)
            if response.body_is_html
            else None
        )
        return Preview(body, subject, text_body, None, warnings)
    facts, sms_warnings = _sms(body)
    return Preview(body, subject, None, facts, warnings + sms_warnings)


def _placeholder_warnings(renders: list[Rendered]) -> list[PreviewWarning]:
    unknown = list(dict.fromkeys(name for r in renders for name in r.unknown))
    missing = [
        name
        for name in dict.fromkeys(name for r in renders for name in r.missing)
        if name not in unknown
    ]
    return [
        PreviewWarning(
            "placeholder.unknown",
            f"{{{{{name}}}}} is neither a column of the contact nor a substitution; "
            "it renders empty",
        )
        for name in unknown
    ] + [
        PreviewWarning(
            "value.missing", f"{{{{{name}}}}} has no value and no default; it renders empty"
        )
        for name in missing
    ]


def _sms(body: str) -> tuple[SmsFacts, list[PreviewWarning]]:
    size = sms_content.size(body)
    facts = SmsFacts(size.encoding, size.characters, size.segments)
    warnings = []
    if size.characters > sms_content.MAX_AGENTLESS_CHARACTERS:
        warnings.append(
            PreviewWarning(
                "sms.too.long",
                f"{size.characters} characters: an SMS holds at most "
                f"{sms_content.MAX_AGENTLESS_CHARACTERS}; a campaign skips the contact "
                "and an agentless send is refused",
            )
        )
    if size.segments > 1:
        single = sms_content.SINGLE[size.encoding]
        # The limit is in the encoding's units: an extension character (€, [, ...) costs
        # two GSM-7 septets, an emoji two UCS-2 units.
        unit = "septets" if size.encoding == sms_content.GSM7 else "UCS-2 units"
        warnings.append(
            PreviewWarning(
                "sms.segments",
                f"{size.characters} characters ({size.units} {unit}) take {size.segments} "
                f"segments: one {size.encoding} SMS holds {single} {unit}",
            )
        )
    for link in sms_content.split_links(body):
        warnings.append(
            PreviewWarning(
                "sms.link.split",
                f"A segment boundary cuts the link {link}; some phones will break it",
            )
        )
    return facts, warnings
