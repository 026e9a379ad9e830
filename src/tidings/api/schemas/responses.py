"""Library, Response, ResponseQueryRequest / Results, and the preview (an extension)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from tidings.api.schemas.common import ApiModel, DomainEntityRef, Listing, UtcDatetime
from tidings.domain.response_preview import Preview
from tidings.domain.response_query import MAX_FILTERS, MAX_VALUES, ResponseFilter, ResponseQuery
from tidings.domain.responses import (
    MAX_LIBRARIES_PER_RESPONSE,
    MAX_SUBSTITUTIONS,
    MAX_TEXTS,
    Library,
    Response,
    ResponseText,
    substitutions_schema,
)
from tidings.domain.templates import Substitution
from tidings.services.response_previews import SampleContact
from tidings.services.responses import MAX_BULK_LIBRARIES

LIBRARIES = "/api/v2/responsemanagement/libraries"
RESPONSES = "/api/v2/responsemanagement/responses"
MAX_CONTENT = 100_000  # characters of one text: far above any SMS or e-mail template
Value = str


class LibraryIn(ApiModel):
    name: str = Field(max_length=256)
    division: DomainEntityRef | None = None
    version: int | None = None

    def to_domain(self) -> Library:
        return Library(
            id="", name=self.name.strip(), division_id=self.division.id if self.division else None
        )


class LibraryOut(ApiModel):
    id: str
    name: str
    version: int
    date_created: UtcDatetime | None = None
    division: DomainEntityRef
    self_uri: str

    @classmethod
    def of(cls, found: Library) -> LibraryOut:
        return cls(
            id=found.id,
            name=found.name,
            version=found.version,
            date_created=found.date_created,
            division=DomainEntityRef(
                id=found.division_id,
                self_uri=f"/api/v2/authorization/divisions/{found.division_id}",
            ),
            self_uri=f"{LIBRARIES}/{found.id}",
        )


class LibraryListing(Listing):
    entities: list[LibraryOut]


class LibraryBatchRequest(ApiModel):
    library_ids: list[str] = Field(max_length=MAX_BULK_LIBRARIES)


class TextIn(ApiModel):
    content: str = Field(max_length=MAX_CONTENT)
    content_type: str = Field(default="text/plain", max_length=32)
    type: str = Field(default="body", max_length=16)


class SubstitutionIn(ApiModel):
    id: str = Field(max_length=256)
    description: str | None = Field(default=None, max_length=1024)
    default_value: str | None = Field(default=None, max_length=MAX_CONTENT)


class TemplateIn(ApiModel):
    """What a preview of an unsaved template needs of a Response."""

    texts: list[TextIn] = Field(default_factory=list, max_length=MAX_TEXTS)
    response_type: str | None = Field(default=None, max_length=32)
    substitutions: list[SubstitutionIn] = Field(default_factory=list, max_length=MAX_SUBSTITUTIONS)

    def template(self, name: str = "", library_ids: list[str] | None = None) -> Response:
        return Response(
            id="",
            name=name,
            library_ids=library_ids or [],
            texts=[ResponseText(t.content, t.content_type, t.type) for t in self.texts],
            response_type=self.response_type,
            substitutions=tuple(
                Substitution(s.id, s.default_value, s.description) for s in self.substitutions
            ),
        )


class ResponseIn(TemplateIn):
    name: str = Field(max_length=256)
    libraries: list[DomainEntityRef] = Field(
        default_factory=list, max_length=MAX_LIBRARIES_PER_RESPONSE
    )
    interaction_type: str | None = Field(default=None, max_length=16)
    messaging_template: dict[str, Any] | None = None
    version: int | None = None

    @field_validator("messaging_template")
    @classmethod
    def _no_whatsapp(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value:
            raise ValueError("WhatsApp messaging templates are not supported")
        return value

    def to_domain(self) -> Response:
        response = self.template(self.name.strip(), [ref.id or "" for ref in self.libraries])
        response.interaction_type = self.interaction_type
        return response

    def left_out(self) -> tuple[str, ...]:
        """The fields besides name, libraries and texts that the request did not send: a
        PUT keeps them as stored (a template's type and defaults are not lost by a client
        that sends only what Genesys documents a PUT to change)."""
        kept = ("response_type", "substitutions", "interaction_type")
        return tuple(name for name in kept if name not in self.model_fields_set)


class SubstitutionOut(ApiModel):
    id: str
    description: str | None = None
    default_value: str | None = None


class ResponseOut(ApiModel):
    id: str
    name: str
    version: int
    libraries: list[DomainEntityRef]
    texts: list[TextIn]
    date_created: UtcDatetime | None = None
    interaction_type: str | None = None
    substitutions: list[SubstitutionOut]
    substitutions_schema: dict[str, Any] | None = None
    response_type: str | None = None
    self_uri: str

    @classmethod
    def of(cls, found: Response, *, with_schema: bool = False) -> ResponseOut:
        return cls(
            id=found.id,
            name=found.name,
            version=found.version,
            libraries=[
                DomainEntityRef(id=library_id, self_uri=f"{LIBRARIES}/{library_id}")
                for library_id in found.library_ids
            ],
            texts=[
                TextIn(content=t.content, content_type=t.content_type, type=t.type)
                for t in found.texts
            ],
            date_created=found.date_created,
            interaction_type=found.interaction_type,
            substitutions=[
                SubstitutionOut(id=s.id, description=s.description, default_value=s.default_value)
                for s in found.substitutions
            ],
            substitutions_schema=substitutions_schema(found) if with_schema else None,
            response_type=found.response_type,
            self_uri=f"{RESPONSES}/{found.id}",
        )


class ResponseListing(Listing):
    entities: list[ResponseOut]


class FilterIn(ApiModel):
    name: str = Field(max_length=64)
    operator: str = Field(max_length=32)
    values: list[Value] = Field(default_factory=list, max_length=MAX_VALUES)


class ResponseQueryIn(ApiModel):
    query_phrase: str | None = Field(default=None, max_length=1024)
    page_size: int = 25
    page_number: int = 1
    filters: list[FilterIn] = Field(default_factory=list, max_length=MAX_FILTERS)

    def to_domain(self) -> ResponseQuery:
        return ResponseQuery(
            phrase=self.query_phrase or None,
            filters=tuple(
                ResponseFilter(f.name, f.operator, tuple(f.values)) for f in self.filters
            ),
            page_size=self.page_size,
            page_number=self.page_number,
        )


class ResponseEntityList(ApiModel):
    entities: list[ResponseOut]
    page_size: int
    page_number: int
    total: int
    page_count: int


class ResponseQueryResults(ApiModel):
    results: ResponseEntityList


class ContactIn(ApiModel):
    data: dict[str, Value] = Field(default_factory=dict, max_length=1000)


class SampleIn(ApiModel):
    contact: ContactIn | None = None
    contact_list_id: str | None = Field(default=None, max_length=64)
    contact_id: str | None = Field(default=None, max_length=256)
    # Named `substitutions` on the saved-response preview; the draft preview takes the
    # template's own `substitutions`, so its values come as `substitutionValues`.
    substitution_values: dict[str, Value] = Field(default_factory=dict, max_length=1000)

    def sample(self, values: dict[str, str] | None = None) -> SampleContact:
        return SampleContact(
            data=self.contact.data if self.contact else None,
            contact_list_id=self.contact_list_id,
            contact_id=self.contact_id,
            values={**self.substitution_values, **(values or {})},
        )


class SavedPreviewIn(SampleIn):
    substitutions: dict[str, Value] = Field(default_factory=dict, max_length=1000)


class DraftPreviewIn(SampleIn, TemplateIn):
    pass


class PreviewWarningOut(ApiModel):
    code: str
    message: str


class PreviewOut(ApiModel):
    subject: str | None = None
    body: str
    text_body: str | None = None
    encoding: str | None = None
    character_count: int | None = None
    segment_count: int | None = None
    warnings: list[PreviewWarningOut]

    @classmethod
    def of(cls, found: Preview) -> PreviewOut:
        sms = found.sms
        return cls(
            subject=found.subject,
            body=found.body,
            text_body=found.text_body,
            encoding=sms.encoding if sms else None,
            character_count=sms.character_count if sms else None,
            segment_count=sms.segment_count if sms else None,
            warnings=[PreviewWarningOut(code=w.code, message=w.message) for w in found.warnings],
        )
