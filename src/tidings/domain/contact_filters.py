"""Contact list filters: which contacts of a list a campaign or a search takes.

The database evaluates filters (adapters/db/contact_filter_sql.py); `matches` here is the
reference the SQL is tested against, value for value. The semantics, where Genesys does not
document them:

- A cell is the contact's data value for the column; a missing one is empty text.
- `alphabetic` compares text exactly (case matters) in code point order.
- `numeric` reads the cell as a decimal number (`-12`, `3.50`); a cell that is not one
  matches no numeric predicate (and so every inverted one).
- `BEFORE` / `AFTER` read the cell as an ISO date or date-time in UTC (`2030-05-01`,
  `2030-05-01 10:30`, `2030-05-01T10:30:00Z`); the value is such a date-time, or a relative
  time `PxxDTyyHzzM` counted back from now (`AFTER P7D`: within the last 7 days). A date
  alone is its midnight. Other cells match neither.
- `BETWEEN` takes `range.min` / `range.max` with their inclusivity (inclusive by default);
  `IN` takes `range.inSet`.
- `inverted` negates the predicate; a clause joins its predicates with its `filterType`,
  the filter joins its clauses with its own; a filter without clauses takes every contact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tidings.domain.contact_lists import ContactList
from tidings.domain.errors import FieldProblem

OPERATORS = (
    "EQUALS",
    "LESS_THAN",
    "LESS_THAN_EQUALS",
    "GREATER_THAN",
    "GREATER_THAN_EQUALS",
    "CONTAINS",
    "BEGINS_WITH",
    "ENDS_WITH",
    "BEFORE",
    "AFTER",
    "BETWEEN",
    "IN",
)
TEXT_ONLY = ("CONTAINS", "BEGINS_WITH", "ENDS_WITH")
ORDERING = ("LESS_THAN", "LESS_THAN_EQUALS", "GREATER_THAN", "GREATER_THAN_EQUALS")
MAX_CLAUSES = 50
MAX_PREDICATES = 50
MAX_IN_SET = 1000

NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
# Dates compare as text once put in this one shape (a date alone sorts before its times).
DATE_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2})?))?Z?")
RELATIVE = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")


@dataclass(frozen=True)
class FilterRange:
    min: str | None = None
    max: str | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    in_set: tuple[str, ...] = ()


@dataclass(frozen=True)
class Predicate:
    column: str
    operator: str
    column_type: str = "alphabetic"  # alphabetic | numeric
    value: str | None = None
    range: FilterRange | None = None
    inverted: bool = False


@dataclass(frozen=True)
class Clause:
    predicates: tuple[Predicate, ...]
    filter_type: str = "AND"


@dataclass(frozen=True)
class Criteria:
    clauses: tuple[Clause, ...] = ()
    filter_type: str = "AND"


@dataclass
class ContactListFilter:
    id: str
    name: str
    contact_list_id: str
    criteria: Criteria = field(default_factory=Criteria)
    version: int = 1
    date_created: datetime | None = None
    date_modified: datetime | None = None


def criteria_problems(
    criteria: Criteria, contact_list: ContactList, where: str = ""
) -> list[FieldProblem]:
    found: list[FieldProblem] = []
    if len(criteria.clauses) > MAX_CLAUSES:
        found.append(FieldProblem(f"{where}clauses", "limit.exceeded", f"at most {MAX_CLAUSES}"))
    columns = set(contact_list.column_names)
    for c, clause in enumerate(criteria.clauses):
        at = f"{where}clauses[{c}]"
        if not clause.predicates:
            found.append(FieldProblem(f"{at}.predicates", "required", "at least one predicate"))
        if len(clause.predicates) > MAX_PREDICATES:
            found.append(
                FieldProblem(f"{at}.predicates", "limit.exceeded", f"at most {MAX_PREDICATES}")
            )
        for p, predicate in enumerate(clause.predicates):
            found += _predicate_problems(predicate, columns, f"{at}.predicates[{p}]")
    return found


def _predicate_problems(predicate: Predicate, columns: set[str], at: str) -> list[FieldProblem]:
    found: list[FieldProblem] = []
    if predicate.column not in columns:
        found.append(FieldProblem(f"{at}.column", "unknown.column", "not a column of the list"))
    if '"' in predicate.column or "\\" in predicate.column:
        found.append(
            FieldProblem(f"{at}.column", "invalid.value", 'a filtered column has no " or \\')
        )
    numeric = predicate.column_type == "numeric"
    if numeric and predicate.operator in TEXT_ONLY:
        found.append(
            FieldProblem(f"{at}.operator", "invalid.value", "a text operator on a numeric column")
        )
    if predicate.operator in ("BETWEEN", "IN"):
        found += _range_problems(predicate, at)
    elif predicate.value is None:
        found.append(FieldProblem(f"{at}.value", "required", f"{predicate.operator} needs a value"))
    elif predicate.operator in ("BEFORE", "AFTER"):
        if not (is_relative(predicate.value) or DATE_TIME.fullmatch(predicate.value)):
            found.append(FieldProblem(f"{at}.value", "invalid.value", "a date-time or PxxDTyyHzzM"))
    elif numeric and not NUMBER.fullmatch(predicate.value):
        found.append(FieldProblem(f"{at}.value", "invalid.value", "a number"))
    return found


def _range_problems(predicate: Predicate, at: str) -> list[FieldProblem]:
    bounds = predicate.range
    numeric = predicate.column_type == "numeric"
    if bounds is None:
        return [FieldProblem(f"{at}.range", "required", f"{predicate.operator} needs a range")]
    if predicate.operator == "IN":
        if not bounds.in_set or len(bounds.in_set) > MAX_IN_SET:
            return [FieldProblem(f"{at}.range.inSet", "invalid.value", f"1 to {MAX_IN_SET}")]
        if numeric and not all(NUMBER.fullmatch(v) for v in bounds.in_set):
            return [FieldProblem(f"{at}.range.inSet", "invalid.value", "numbers")]
        return []
    found = []
    for name, value in (("min", bounds.min), ("max", bounds.max)):
        if value is None:
            found.append(FieldProblem(f"{at}.range.{name}", "required", "BETWEEN needs it"))
        elif numeric and not NUMBER.fullmatch(value):
            found.append(FieldProblem(f"{at}.range.{name}", "invalid.value", "a number"))
    return found


def is_relative(value: str) -> bool:
    found = RELATIVE.fullmatch(value)
    return found is not None and any(g is not None for g in found.groups())


def threshold(value: str, now: datetime) -> str:
    """A BEFORE/AFTER value as the text cells are compared with."""
    relative = RELATIVE.fullmatch(value)
    if relative and is_relative(value):
        days, hours, minutes = (int(g or 0) for g in relative.groups())
        instant = now.astimezone(UTC) - timedelta(days=days, hours=hours, minutes=minutes)
        return instant.strftime("%Y-%m-%d %H:%M:%S")
    return normal_date_time(value) or ""


def normal_date_time(cell: str) -> str | None:
    """`2030-05-01`, `2030-05-01T10:30Z`... as `2030-05-01 10:30:00`; None if not a date."""
    found = DATE_TIME.fullmatch(cell)
    if found is None:
        return None
    day, time = found.groups()
    if time is None:
        return day
    return f"{day} {time}:00" if len(time) == 5 else f"{day} {time}"


def matches(criteria: Criteria, data: dict[str, str], now: datetime) -> bool:
    """The reference evaluation of a filter on one contact's data."""
    if not criteria.clauses:
        return True
    results = (_clause(clause, data, now) for clause in criteria.clauses)
    return all(results) if criteria.filter_type == "AND" else any(results)


def _clause(clause: Clause, data: dict[str, str], now: datetime) -> bool:
    results = (_predicate(p, data, now) != p.inverted for p in clause.predicates)
    return all(results) if clause.filter_type == "AND" else any(results)


def _predicate(predicate: Predicate, data: dict[str, str], now: datetime) -> bool:
    cell = data.get(predicate.column, "")
    operator = predicate.operator
    if operator in ("BEFORE", "AFTER"):
        moment = normal_date_time(cell)
        if moment is None:
            return False
        limit = threshold(predicate.value or "", now)
        return moment < limit if operator == "BEFORE" else moment > limit
    if predicate.column_type == "numeric":
        return _numeric(predicate, cell)
    if operator == "CONTAINS":
        return (predicate.value or "") in cell
    if operator == "BEGINS_WITH":
        return cell.startswith(predicate.value or "")
    if operator == "ENDS_WITH":
        return cell.endswith(predicate.value or "")
    return _compare(predicate, cell)


def _numeric(predicate: Predicate, cell: str) -> bool:
    if not NUMBER.fullmatch(cell):
        return False
    return _compare(predicate, cell, Decimal)


def _text(value: str) -> str:
    return value


def _compare(predicate: Predicate, cell: str, as_value: Callable[[str], Any] = _text) -> bool:
    """EQUALS, the orderings, BETWEEN and IN; `as_value` reads text as what it compares."""
    mine = as_value(cell)
    operator = predicate.operator
    if operator == "IN":
        return any(mine == as_value(v) for v in (predicate.range or FilterRange()).in_set)
    if operator == "BETWEEN":
        bounds = predicate.range or FilterRange()
        low, high = as_value(bounds.min or ""), as_value(bounds.max or "")
        above = mine >= low if bounds.min_inclusive else mine > low
        below = mine <= high if bounds.max_inclusive else mine < high
        return bool(above and below)
    other = as_value(predicate.value or "")
    return bool(
        {
            "EQUALS": mine == other,
            "LESS_THAN": mine < other,
            "LESS_THAN_EQUALS": mine <= other,
            "GREATER_THAN": mine > other,
            "GREATER_THAN_EQUALS": mine >= other,
        }.get(operator, False)
    )
