"""`POST /responsemanagement/responses/query`: which responses a phrase and filters take.

A filter names a field of the response, an operator and values. Fields with several values
(`libraryId`, `text.contentType`) match when any of their values does; NOTEQUALS matches when
none does. Text comparisons ignore case; ids compare exactly. `queryPhrase` looks in the
name and in every text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tidings.domain.errors import FieldProblem, InvalidInput
from tidings.domain.responses import RESPONSE_TYPES, Response

FIELDS = ("name", "libraryId", "text.contentType", "messagingTemplate", "responseType")
OPERATORS = ("IN", "EQUALS", "NOTEQUALS", "BEGINS_WITH", "ENDS_WITH", "CONTAINS")
# Genesys lists Signature as a value of this filter; it is the kind of Footer it knows.
RESPONSE_TYPE_VALUES = (*RESPONSE_TYPES, "Signature")
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
MAX_FILTERS = 50
MAX_VALUES = 100

_MATCH: dict[str, Callable[[str, str], bool]] = {
    "IN": lambda have, want: have == want,
    "EQUALS": lambda have, want: have == want,
    "NOTEQUALS": lambda have, want: have == want,
    "BEGINS_WITH": lambda have, want: have.startswith(want),
    "ENDS_WITH": lambda have, want: have.endswith(want),
    "CONTAINS": lambda have, want: want in have,
}


@dataclass(frozen=True)
class ResponseFilter:
    name: str
    operator: str
    values: tuple[str, ...]

    def problems(self, index: int) -> list[FieldProblem]:
        where = f"filters[{index}]"
        if self.name == "messagingTemplate":
            return [
                FieldProblem(
                    f"{where}.name",
                    "not.supported",
                    "Tidings holds no WhatsApp messaging templates to filter on",
                )
            ]
        found = []
        if self.name not in FIELDS:
            found.append(FieldProblem(f"{where}.name", "invalid.value", f"one of {FIELDS}"))
        if self.operator not in OPERATORS:
            found.append(FieldProblem(f"{where}.operator", "invalid.value", f"one of {OPERATORS}"))
        if not self.values or len(self.values) > MAX_VALUES:
            found.append(
                FieldProblem(f"{where}.values", "invalid.value", f"1 to {MAX_VALUES} values")
            )
        elif self.name == "responseType" and any(
            v not in RESPONSE_TYPE_VALUES for v in self.values
        ):
            found.append(
                FieldProblem(
                    f"{where}.values", "invalid.value", f"one of {', '.join(RESPONSE_TYPE_VALUES)}"
                )
            )
        elif len(self.values) > 1 and self.operator not in ("IN", "NOTEQUALS"):
            found.append(
                FieldProblem(f"{where}.values", "invalid.value", f"{self.operator} takes one value")
            )
        return found

    def _fields(self, response: Response) -> tuple[list[str], bool]:
        """The response's values of the filtered field, and whether they compare without case."""
        if self.name == "name":
            return [response.name], True
        if self.name == "libraryId":
            return list(response.library_ids), False
        if self.name == "text.contentType":
            return [t.content_type for t in response.texts], True
        kind = response.response_type
        if kind is None:
            return [], False
        return ([kind, "Signature"] if kind == "Footer" else [kind]), False

    def matches(self, response: Response) -> bool:
        have, fold = self._fields(response)
        wants = [v.casefold() for v in self.values] if fold else list(self.values)
        if fold:
            have = [h.casefold() for h in have]
        compare = _MATCH[self.operator]
        hit = any(compare(h, w) for h in have for w in wants)
        return not hit if self.operator == "NOTEQUALS" else hit


@dataclass(frozen=True)
class ResponseQuery:
    phrase: str | None = None
    filters: tuple[ResponseFilter, ...] = ()
    page_size: int = DEFAULT_PAGE_SIZE
    page_number: int = 1

    def check(self) -> None:
        problems = []
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            problems.append(
                FieldProblem("pageSize", "invalid.value", f"must be from 1 to {MAX_PAGE_SIZE}")
            )
        if self.page_number < 1:
            problems.append(FieldProblem("pageNumber", "invalid.value", "must be 1 or more"))
        if len(self.filters) > MAX_FILTERS:
            problems.append(
                FieldProblem("filters", "limit.exceeded", f"at most {MAX_FILTERS} filters")
            )
        for index, found in enumerate(self.filters):
            problems.extend(found.problems(index))
        if problems:
            raise InvalidInput("The response query is not valid", details=problems)

    def library_ids(self) -> list[str] | None:
        """The libraries every match must be in, when an IN or EQUALS filter names them (so
        the database need only read those)."""
        for found in self.filters:
            if found.name == "libraryId" and found.operator in ("IN", "EQUALS"):
                return list(found.values)
        return None

    def matches(self, response: Response) -> bool:
        if self.phrase:
            phrase = self.phrase.casefold()
            texts = [response.name, *(t.content for t in response.texts)]
            if not any(phrase in text.casefold() for text in texts):
                return False
        return all(found.matches(response) for found in self.filters)

    def page(self, responses: Sequence[Response]) -> tuple[list[Response], int]:
        """This query's page of the matching responses (by name), and how many match."""
        matching = sorted(
            (r for r in responses if self.matches(r)), key=lambda r: (r.name.casefold(), r.id)
        )
        start = (self.page_number - 1) * self.page_size
        return matching[start : start + self.page_size], len(matching)
