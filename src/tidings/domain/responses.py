"""Response Management: libraries of content templates (Genesys "responses").

Campaign and agentless messages take their text from a response: `CampaignSmsTemplate` (one
text/plain body), `CampaignEmailTemplate` (a text/plain subject and a text/html body) or
`MessagingTemplate`. Rendering is `domain.templates.render`.

A library lives in a division, as in Genesys; a response is seen through its libraries (a
caller may act on it where it holds the permission in the division of one of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tidings.domain.errors import FieldProblem
from tidings.domain.templates import Substitution, placeholders

RESPONSE_TYPES = (
    "MessagingTemplate",
    "CampaignSmsTemplate",
    "CampaignEmailTemplate",
    "Footer",
)
# Genesys types Tidings does not serve: forms and Apple Messages invitations need a
# messaging platform behind them.
UNSUPPORTED_RESPONSE_TYPES = ("Form", "AppleInvitation")
INTERACTION_TYPES = ("chat", "email", "twitter")
CONTENT_TYPES = ("text/plain", "text/html")
TEXT_TYPES = ("body", "subject")
MAX_LIBRARIES_PER_RESPONSE = 50
MAX_TEXTS = 10
MAX_SUBSTITUTIONS = 100
JSON_SCHEMA = "http://json-schema.org/draft-04/schema#"


@dataclass
class Library:
    id: str
    name: str
    division_id: str | None = None
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None

    def problems(self) -> list[FieldProblem]:
        if not self.name.strip():
            return [FieldProblem("name", "required", "must not be blank")]
        return []


@dataclass(frozen=True)
class ResponseText:
    content: str
    content_type: str = "text/plain"  # text/plain | text/html
    type: str = "body"  # body | subject


@dataclass
class Response:
    id: str
    name: str
    library_ids: list[str]
    texts: list[ResponseText]
    response_type: str | None = None
    substitutions: tuple[Substitution, ...] = ()
    interaction_type: str | None = None
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None

    def text_of(self, kind: str, content_type: str | None = None) -> str | None:
        for text in self.texts:
            if text.type == kind and (content_type is None or text.content_type == content_type):
                return text.content
        return None

    @property
    def body(self) -> str | None:
        return self.text_of("body")

    @property
    def subject(self) -> str | None:
        return self.text_of("subject")

    @property
    def body_is_html(self) -> bool:
        return any(t.type == "body" and t.content_type == "text/html" for t in self.texts)

    @property
    def is_email(self) -> bool:
        return self.response_type == "CampaignEmailTemplate" or (
            self.response_type is None and self.body_is_html
        )

    def placeholders(self) -> list[str]:
        """Every `{{name}}` of the texts, each once, in order of appearance."""
        names = [name for text in self.texts for name in placeholders(text.content)]
        return list(dict.fromkeys(names))

    def problems(self, *, saved: bool = True) -> list[FieldProblem]:
        """`saved`: False for a template only previewed, which needs no name or library."""
        found = []
        if saved and not self.name.strip():
            found.append(FieldProblem("name", "required", "must not be blank"))
        if saved and not self.library_ids:
            found.append(FieldProblem("libraries", "required", "name at least one library"))
        elif len(set(self.library_ids)) != len(self.library_ids):
            found.append(FieldProblem("libraries", "duplicate.value", "a library is named twice"))
        if self.interaction_type not in (None, *INTERACTION_TYPES):
            found.append(
                FieldProblem(
                    "interactionType", "invalid.value", f"one of {', '.join(INTERACTION_TYPES)}"
                )
            )
        return found + self._type_problems() + self._text_problems() + self._substitution_problems()

    def _type_problems(self) -> list[FieldProblem]:
        kind = self.response_type
        if kind in UNSUPPORTED_RESPONSE_TYPES:
            return [FieldProblem("responseType", "not.supported", f"{kind} is not supported")]
        if kind not in (None, *RESPONSE_TYPES):
            return [
                FieldProblem("responseType", "invalid.value", f"one of {', '.join(RESPONSE_TYPES)}")
            ]
        shape = [(t.type, t.content_type) for t in self.texts]
        if kind == "CampaignSmsTemplate" and shape != [("body", "text/plain")]:
            return [
                FieldProblem(
                    "texts", "invalid.value", "an SMS template has exactly one text/plain body"
                )
            ]
        if kind == "CampaignEmailTemplate" and sorted(shape) != [
            ("body", "text/html"),
            ("subject", "text/plain"),
        ]:
            return [
                FieldProblem(
                    "texts",
                    "invalid.value",
                    "an e-mail template has one text/plain subject and one text/html body",
                )
            ]
        return []

    def _text_problems(self) -> list[FieldProblem]:
        if not self.texts:
            return [FieldProblem("texts", "required", "give at least one text")]
        found = []
        if len(self.texts) > MAX_TEXTS:
            found.append(FieldProblem("texts", "limit.exceeded", f"at most {MAX_TEXTS} texts"))
        for index, text in enumerate(self.texts):
            where = f"texts[{index}]"
            if not text.content.strip():
                found.append(FieldProblem(f"{where}.content", "required", "must not be blank"))
            if text.content_type not in CONTENT_TYPES:
                found.append(
                    FieldProblem(f"{where}.contentType", "invalid.value", "text/plain or text/html")
                )
            if text.type not in TEXT_TYPES:
                found.append(FieldProblem(f"{where}.type", "invalid.value", "body or subject"))
            elif text.type == "subject" and text.content_type != "text/plain":
                found.append(
                    FieldProblem(f"{where}.contentType", "invalid.value", "a subject is text/plain")
                )
        kinds = [t.type for t in self.texts]
        for kind in TEXT_TYPES:
            if kinds.count(kind) > 1:
                found.append(FieldProblem("texts", "duplicate.value", f"more than one {kind}"))
        return found

    def _substitution_problems(self) -> list[FieldProblem]:
        found = []
        if len(self.substitutions) > MAX_SUBSTITUTIONS:
            found.append(
                FieldProblem(
                    "substitutions", "limit.exceeded", f"at most {MAX_SUBSTITUTIONS} substitutions"
                )
            )
        seen: set[str] = set()
        for index, substitution in enumerate(self.substitutions):
            where = f"substitutions[{index}].id"
            name = substitution.id
            if not name.strip() or name != name.strip() or any(c in name for c in "{}"):
                found.append(
                    FieldProblem(where, "invalid.value", "a name without braces or outer spaces")
                )
            elif name in seen:
                found.append(FieldProblem(where, "duplicate.value", f"{name!r} is named twice"))
            seen.add(name)
        return found


def substitutions_schema(response: Response) -> dict[str, Any]:
    """The JSON schema of the values a response takes: one string property per substitution,
    with its default; those without a default are required."""
    properties: dict[str, Any] = {}
    for substitution in response.substitutions:
        property_: dict[str, Any] = {"type": "string"}
        if substitution.description:
            property_["description"] = substitution.description
        if substitution.default_value is not None:
            property_["default"] = substitution.default_value
        properties[substitution.id] = property_
    schema: dict[str, Any] = {
        "id": response.id,
        "$schema": JSON_SCHEMA,
        "title": response.name,
        "description": f"The substitutions of the response {response.name}",
        "type": "object",
        "required": [s.id for s in response.substitutions if s.default_value is None],
        "properties": properties,
        "additionalProperties": False,
    }
    if not schema["required"]:
        del schema["required"]  # draft-04: at least one name, or no `required` at all
    return schema
