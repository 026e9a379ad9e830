"""Response templates: what a valid template is, its substitution schema, queries over
responses, and previews for one contact."""

from __future__ import annotations

import pytest

from tidings.domain.errors import InvalidInput
from tidings.domain.response_preview import preview
from tidings.domain.response_query import ResponseFilter, ResponseQuery
from tidings.domain.responses import Response, ResponseText, substitutions_schema
from tidings.domain.templates import Substitution

PLAIN_BODY = ResponseText("Hi {{first}}, your code is {{code}}.")
SUBJECT = ResponseText("Hello {{first}}", "text/plain", "subject")
HTML_BODY = ResponseText("<p>Hi {{first}}</p><a href='https://x.example/a'>pay</a>", "text/html")


def sms(*texts: ResponseText, **fields: object) -> Response:
    values: dict[str, object] = {
        "id": "r1",
        "name": "Reminder",
        "library_ids": ["lib"],
        "texts": list(texts or (PLAIN_BODY,)),
        "response_type": "CampaignSmsTemplate",
    }
    values.update(fields)
    return Response(**values)  # type: ignore[arg-type]


def fields_of(response: Response) -> set[str]:
    return {p.field_name for p in response.problems()}


def test_a_well_formed_sms_and_email_template_have_no_problems() -> None:
    assert sms().problems() == []
    email = sms(SUBJECT, HTML_BODY, response_type="CampaignEmailTemplate")
    assert email.problems() == []
    assert email.is_email and email.subject == "Hello {{first}}"


@pytest.mark.parametrize(
    ("response", "field"),
    [
        (sms(PLAIN_BODY, SUBJECT), "texts"),
        (sms(ResponseText("<b>x</b>", "text/html")), "texts"),
        (sms(PLAIN_BODY, response_type="CampaignEmailTemplate"), "texts"),
        (sms(SUBJECT, ResponseText("x"), response_type="CampaignEmailTemplate"), "texts"),
        (sms(response_type="MessagingTemplate", texts=[]), "texts"),
        (sms(response_type="Form"), "responseType"),
        (sms(response_type="Fax"), "responseType"),
        (sms(name="  "), "name"),
        (sms(library_ids=[]), "libraries"),
        (sms(library_ids=["a", "a"]), "libraries"),
        (sms(interaction_type="fax"), "interactionType"),
        (sms(ResponseText("x", "text/rtf"), response_type=None), "texts[0].contentType"),
        (sms(ResponseText("x", "text/plain", "footer"), response_type=None), "texts[0].type"),
        (sms(ResponseText("   ")), "texts[0].content"),
        (sms(substitutions=(Substitution("a"), Substitution("a"))), "substitutions[1].id"),
        (sms(substitutions=(Substitution("{{a}}"),)), "substitutions[0].id"),
    ],
)
def test_bad_templates_name_the_field(response: Response, field: str) -> None:
    assert field in fields_of(response)


def test_a_draft_needs_no_name_or_library_to_be_previewed() -> None:
    assert sms(name="", library_ids=[]).problems(saved=False) == []


def test_the_substitutions_schema_has_a_property_per_substitution() -> None:
    response = sms(
        substitutions=(Substitution("code", "0000", "the code"), Substitution("first")),
    )
    schema = substitutions_schema(response)
    assert schema["properties"] == {
        "code": {"type": "string", "description": "the code", "default": "0000"},
        "first": {"type": "string"},
    }
    assert schema["required"] == ["first"]
    assert schema["type"] == "object" and schema["title"] == "Reminder"
    assert response.placeholders() == ["first", "code"]


def test_a_schema_whose_substitutions_all_have_defaults_names_none_required() -> None:
    # Draft-04 wants at least one name in `required`: strict validators refuse `[]`.
    schema = substitutions_schema(sms(substitutions=(Substitution("code", "0000"),)))
    assert "required" not in schema


def _library(response_id: str, name: str, *libraries: str, html: bool = False) -> Response:
    texts = [SUBJECT, HTML_BODY] if html else [PLAIN_BODY]
    kind = "CampaignEmailTemplate" if html else "CampaignSmsTemplate"
    return sms(*texts, id=response_id, name=name, library_ids=list(libraries), response_type=kind)


CATALOG = [
    _library("1", "Payment due", "billing"),
    _library("2", "payment overdue", "billing", "collections"),
    _library("3", "Welcome mail", "onboarding", html=True),
]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        (ResponseQuery(), ["1", "2", "3"]),
        (ResponseQuery(phrase="PAYMENT"), ["1", "2"]),
        (ResponseQuery(phrase="your code"), ["1", "2"]),
        (ResponseQuery(filters=(ResponseFilter("libraryId", "EQUALS", ("collections",)),)), ["2"]),
        (ResponseQuery(filters=(ResponseFilter("libraryId", "NOTEQUALS", ("billing",)),)), ["3"]),
        (ResponseQuery(filters=(ResponseFilter("name", "BEGINS_WITH", ("pay",)),)), ["1", "2"]),
        (ResponseQuery(filters=(ResponseFilter("name", "ENDS_WITH", ("DUE",)),)), ["1", "2"]),
        (ResponseQuery(filters=(ResponseFilter("name", "CONTAINS", ("over",)),)), ["2"]),
        (
            ResponseQuery(filters=(ResponseFilter("text.contentType", "IN", ("text/html",)),)),
            ["3"],
        ),
        (
            ResponseQuery(
                filters=(ResponseFilter("responseType", "IN", ("CampaignEmailTemplate",)),)
            ),
            ["3"],
        ),
    ],
)
def test_queries_take_the_responses_their_phrase_and_filters_match(
    query: ResponseQuery, ids: list[str]
) -> None:
    query.check()
    found, total = query.page(CATALOG)
    assert [r.id for r in found] == ids and total == len(ids)


def test_a_query_pages_by_name() -> None:
    found, total = ResponseQuery(page_size=1, page_number=2).page(CATALOG)
    assert [r.id for r in found] == ["2"] and total == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (ResponseQuery(page_size=501), "pageSize"),
        (ResponseQuery(page_number=0), "pageNumber"),
        (ResponseQuery(filters=(ResponseFilter("colour", "EQUALS", ("x",)),)), "filters[0].name"),
        (ResponseQuery(filters=(ResponseFilter("name", "LIKE", ("x",)),)), "filters[0].operator"),
        (ResponseQuery(filters=(ResponseFilter("name", "EQUALS", ()),)), "filters[0].values"),
        (
            ResponseQuery(filters=(ResponseFilter("responseType", "IN", ("Fax",)),)),
            "filters[0].values",
        ),
        (
            ResponseQuery(filters=(ResponseFilter("messagingTemplate", "IN", ("x",)),)),
            "filters[0].name",
        ),
    ],
)
def test_bad_queries_name_the_field(query: ResponseQuery, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        query.check()
    assert field in {p.field_name for p in refused.value.details}


def test_an_sms_preview_counts_characters_and_segments() -> None:
    shown = preview(sms(), {"first": "Ann"}, {"code": "1234"})
    assert shown.body == "Hi Ann, your code is 1234."
    assert shown.sms is not None
    assert (shown.sms.encoding, shown.sms.character_count, shown.sms.segment_count) == (
        "GSM-7",
        26,
        1,
    )
    assert shown.warnings == []


def test_a_long_sms_warns_of_segments_and_of_a_link_cut_in_two() -> None:
    body = "x" * 150 + " https://pay.example/invoice/12345"
    shown = preview(sms(ResponseText(body)), {})
    assert shown.sms is not None and shown.sms.segment_count == 2
    assert [w.code for w in shown.warnings] == ["sms.segments", "sms.link.split"]


def test_the_segment_warning_counts_in_the_encodings_units_and_a_text_too_long_warns() -> None:
    shown = preview(sms(ResponseText("€" * 81)), {})
    [segments] = [w.message for w in shown.warnings if w.code == "sms.segments"]
    assert (
        segments == "81 characters (162 septets) take 2 segments: one GSM-7 SMS holds 160 septets"
    )
    long = preview(sms(ResponseText("x" * 800)), {})
    assert "sms.too.long" in [w.code for w in long.warnings]
    assert "sms.too.long" not in [
        w.code for w in preview(sms(ResponseText("x" * 765)), {}).warnings
    ]


def test_an_sms_in_ucs2_reports_its_encoding() -> None:
    shown = preview(sms(ResponseText("Привет {{first}}")), {"first": "Аня"})
    assert shown.sms is not None and shown.sms.encoding == "UCS-2"


def test_unknown_placeholders_and_missing_values_are_reported_once_each() -> None:
    shown = preview(
        sms(ResponseText("{{first}} {{nickname}} {{code}}")),
        {"first": ""},
        columns=frozenset({"first", "phone"}),
    )
    codes = [(w.code, w.message.split()[0]) for w in shown.warnings]
    assert ("placeholder.unknown", "{{nickname}}") in codes
    assert ("value.missing", "{{first}}") in codes
    assert ("value.missing", "{{nickname}}") not in codes


def test_an_email_preview_escapes_html_values_and_has_a_text_alternative() -> None:
    email = sms(SUBJECT, HTML_BODY, response_type="CampaignEmailTemplate")
    shown = preview(email, {"first": "<Ann & Bo>"})
    assert shown.subject == "Hello <Ann & Bo>"
    assert "Hi &lt;Ann &amp; Bo&gt;" in shown.body
    assert shown.text_body == "Hi <Ann & Bo>\n\npay (https://x.example/a)"
    assert shown.sms is None


def test_given_substitution_values_win_over_defaults_and_columns() -> None:
    response = sms(substitutions=(Substitution("code", "0000"),))
    assert preview(response, {"first": "Ann"}).body == "Hi Ann, your code is 0000."
    assert preview(response, {"first": "Ann"}, {"code": "9"}).body == "Hi Ann, your code is 9."
