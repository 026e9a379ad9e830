"""Response Management: libraries of content templates (Genesys "responses").

Campaign and agentless messages take their text from a response: `CampaignSmsTemplate` (one
text/plain body), `CampaignEmailTemplate` (a text/plain subject and a text/html body) or
`MessagingTemplate`. Rendering is `domain.templates.render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tidings.domain.templates import Substitution

RESPONSE_TYPES = (
    "MessagingTemplate",
    "CampaignSmsTemplate",
    "CampaignEmailTemplate",
    "Footer",
)


@dataclass
class Library:
    id: str
    name: str
    division_id: str | None = None
    version: int = 1
    date_created: datetime | None = None


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
