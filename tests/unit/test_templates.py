"""Template rendering: placeholders filled from the contact, defaults, reports, and no code
run from a template."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tidings.domain.templates import (
    Substitution,
    placeholders,
    plain_text,
    render,
    render_plain_text,
)

COLUMNS = frozenset({"first", "First Name", "amount", "due"})


def test_placeholders_take_the_contacts_values() -> None:
    found = render(
        "Hi {{first}}, {{ amount }} is due on {{due}}.",
        {"first": "Ann", "amount": "$12", "due": "1 May"},
        known=COLUMNS,
    )
    assert found.text == "Hi Ann, $12 is due on 1 May."
    assert (found.missing, found.unknown) == ((), ())


def test_a_missing_value_takes_the_default_else_renders_empty_and_is_reported() -> None:
    defaults = (Substitution("first", "there"), Substitution("code"))
    found = render("Hi {{first}}, code {{code}}{{ First Name }}", {}, defaults, COLUMNS)
    assert found.text == "Hi there, code "
    assert found.missing == ("code", "First Name")
    assert found.unknown == ()


def test_unknown_placeholders_are_reported() -> None:
    found = render("{{firstname}} {{first}}", {"first": "Ann"}, known=COLUMNS)
    assert found.text == " Ann"
    assert found.unknown == ("firstname",)


def test_a_placeholder_finds_its_column_whatever_the_capitals() -> None:
    # Column names are unique regardless of case, as CSV headers are matched.
    found = render("Hi {{firstname}}, {{ AMOUNT }}", {"FirstName": "Ann", "amount": "$12"})
    assert found.text == "Hi Ann, $12"
    known = render("{{firstname}}", {"FirstName": "Ann"}, known=frozenset({"FirstName"}))
    assert (known.text, known.unknown) == ("Ann", ())
    # An exact name wins over one that differs only in capitals.
    assert render("{{a}}", {"A": "upper", "a": "lower"}).text == "lower"
    # A substitution's default too.
    defaulted = render("{{code}}", {}, (Substitution("Code", "0000"),), frozenset())
    assert (defaulted.text, defaulted.unknown) == ("0000", ())


def test_nothing_in_a_template_runs() -> None:
    sneaky = "{{ first.__class__ }} {{ 7*7 }} {% for x in y %} ${first} {{first|upper}}"
    found = render(sneaky, {"first": "Ann"}, known=COLUMNS)
    assert found.text == "  {% for x in y %} ${first} "
    assert set(found.unknown) == {"first.__class__", "7*7", "first|upper"}


def test_values_are_escaped_in_html_bodies() -> None:
    found = render("<p>{{first}}</p>", {"first": "<b>Ann & Bo</b>"}, escape=True)
    assert found.text == "<p>&lt;b&gt;Ann &amp; Bo&lt;/b&gt;</p>"


@given(
    st.dictionaries(
        st.text(min_size=1).filter(lambda s: "{" not in s and "}" not in s and s.strip() == s),
        st.text(),
    )
)
def test_values_are_inserted_verbatim_and_never_reinterpreted(values: dict[str, str]) -> None:
    template = " | ".join("{{" + name + "}}" for name in values)
    found = render(template, values)
    expected = " | ".join(values.values())
    assert found.text == expected


def test_placeholders_are_listed_once_in_order() -> None:
    assert placeholders("{{b}} {{a}} {{ b }}") == ["b", "a"]


def test_html_bodies_get_a_readable_plain_text_alternative() -> None:
    body = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<h1>Your order</h1><p>Hello&nbsp;Ann,<br>it ships <b>today</b>.</p>"
        '<ul><li>One</li><li>Two</li></ul><p><a href="https://example.com/t/1">Track it</a></p>'
        "<script>alert(1)</script></body></html>"
    )
    assert plain_text(body) == (
        "Your order\n\nHello Ann,\nit ships today.\n\n- One\n- Two\n\n"
        "Track it (https://example.com/t/1)"
    )


def test_the_plain_text_of_a_template_reads_as_the_plain_text_of_its_rendering() -> None:
    template = (
        "<p>Hello {{ First  Name }},</p><p>your {{item}} ships <b>{{ day }}</b>.</p>"
        '<p><a href="https://example.com/t/{{order}}">Track order {{order}}</a></p>'
    )
    values = {"First  Name": "Zoë", "item": "mug & <saucer>", "order": "A-17"}
    substitutions = (Substitution("day", default_value="today"),)

    text = render_plain_text(template, values, substitutions)
    html_body = render(template, values, substitutions, escape=True).text

    assert (
        text
        == plain_text(html_body)
        == (
            "Hello Zoë,\n\nyour mug & <saucer> ships today.\n\n"
            "Track order A-17 (https://example.com/t/A-17)"
        )
    )
