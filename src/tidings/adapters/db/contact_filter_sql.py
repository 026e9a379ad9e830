"""Contact list filters as SQL conditions on `contacts`, for SQLite and PostgreSQL.

Each predicate compiles to an expression that is never NULL, so `inverted` (NOT) and the
AND/OR of clauses behave as `domain.contact_filters.matches` does on the same rows (a
hypothesis test holds them equal). Text compares in code point order: SQLite's BINARY
collation does; PostgreSQL gets `COLLATE "C"`, else the database's locale would order
(and, with some locales, ignore) punctuation. Casts run only inside CASE, which fixes the
order: PostgreSQL would otherwise cast a cell before checking it is a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Float,
    Numeric,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from tidings.adapters.db.tables import contacts
from tidings.domain.contact_filters import Clause, Criteria, FilterRange, Predicate, threshold

_DIGITS4 = "[0-9][0-9][0-9][0-9]"
_DAY = f"{_DIGITS4}-[0-9][0-9]-[0-9][0-9]"
_HM = "[0-9][0-9]:[0-9][0-9]"
_HMS = f"{_HM}:[0-9][0-9]"


class FilterCompiler:
    def __init__(self, dialect: str, now: datetime) -> None:
        self._postgresql = dialect == "postgresql"
        self._now = now

    def condition(self, criteria: Criteria) -> ColumnElement[bool]:
        if not criteria.clauses:
            return true()
        clauses = [self._clause(clause) for clause in criteria.clauses]
        return and_(*clauses) if criteria.filter_type == "AND" else or_(*clauses)

    def sort_key(self, column: str, numeric: bool) -> ColumnElement[Any]:
        cell = self.cell(column)
        if numeric:
            # Cells that are not numbers sort after the numbers.
            return case((self._is_number(cell), self._as_number(cell)), else_=None)
        return self._text(cell)

    def cell(self, column: str) -> ColumnElement[str]:
        return func.coalesce(contacts.c.data[column].as_string(), "")

    def _clause(self, clause: Clause) -> ColumnElement[bool]:
        predicates = [self._predicate(p) for p in clause.predicates]
        return and_(*predicates) if clause.filter_type == "AND" else or_(*predicates)

    def _predicate(self, predicate: Predicate) -> ColumnElement[bool]:
        cell = self.cell(predicate.column)
        operator = predicate.operator
        if operator in ("BEFORE", "AFTER"):
            found = self._dates(cell, operator, threshold(predicate.value or "", self._now))
        elif predicate.column_type == "numeric":
            found = case(
                (self._is_number(cell), self._compare(predicate, self._as_number(cell), True)),
                else_=false(),
            )
        elif operator == "CONTAINS":
            found = self._position(cell, literal(predicate.value or "")) > 0
        elif operator == "BEGINS_WITH":
            value = literal(predicate.value or "")
            found = func.substr(cell, 1, func.length(value)) == value
        elif operator == "ENDS_WITH":
            value = literal(predicate.value or "")
            found = and_(
                func.length(cell) >= func.length(value),
                func.substr(cell, func.length(cell) - func.length(value) + 1) == value,
            )
        else:
            found = self._compare(predicate, self._text(cell), False)
        return not_(found) if predicate.inverted else found

    def _compare(
        self, predicate: Predicate, mine: ColumnElement[Any], numeric: bool
    ) -> ColumnElement[bool]:
        def value(text: str | None) -> ColumnElement[Any]:
            return self._number_value(text or "0") if numeric else self._text(literal(text or ""))

        operator = predicate.operator
        if operator == "IN":
            members = (predicate.range or FilterRange()).in_set
            return or_(*(mine == value(member) for member in members))
        if operator == "BETWEEN":
            bounds = predicate.range or FilterRange()
            low, high = value(bounds.min), value(bounds.max)
            return and_(
                mine >= low if bounds.min_inclusive else mine > low,
                mine <= high if bounds.max_inclusive else mine < high,
            )
        other = value(predicate.value)
        return {
            "EQUALS": mine == other,
            "LESS_THAN": mine < other,
            "LESS_THAN_EQUALS": mine <= other,
            "GREATER_THAN": mine > other,
            "GREATER_THAN_EQUALS": mine >= other,
        }.get(operator, false())

    def _text(self, expression: ColumnElement[str]) -> ColumnElement[str]:
        return expression.collate("C") if self._postgresql else expression

    def _position(self, cell: ColumnElement[str], value: ColumnElement[str]) -> Any:
        return func.strpos(cell, value) if self._postgresql else func.instr(cell, value)

    def _is_number(self, cell: ColumnElement[str]) -> ColumnElement[bool]:
        """`[+-]?[0-9]+(\\.[0-9]+)?`, the domain's NUMBER."""
        if self._postgresql:
            return cell.regexp_match(r"^[+-]?[0-9]+(\.[0-9]+)?$")
        unsigned = case((func.substr(cell, 1, 1).in_(["+", "-"]), func.substr(cell, 2)), else_=cell)
        return and_(
            unsigned != "",
            not_(unsigned.op("GLOB", is_comparison=True)("*[^0-9.]*")),
            not_(unsigned.op("GLOB", is_comparison=True)("*.*.*")),
            not_(unsigned.op("GLOB", is_comparison=True)(".*")),
            not_(unsigned.op("GLOB", is_comparison=True)("*.")),
        )

    def _as_number(self, cell: ColumnElement[str]) -> ColumnElement[Any]:
        return cast(cell, Numeric) if self._postgresql else cast(cell, Float)

    def _number_value(self, text: str) -> ColumnElement[Any]:
        if self._postgresql:
            return literal(Decimal(text), Numeric)
        return literal(float(text), Float)

    def _dates(self, cell: ColumnElement[str], operator: str, limit: str) -> ColumnElement[bool]:
        moment = self._date_time(cell)
        bound = self._text(literal(limit, String))
        compared = moment < bound if operator == "BEFORE" else moment > bound
        return case((moment.is_not(None), compared), else_=false())

    def _date_time(self, cell: ColumnElement[str]) -> ColumnElement[str]:
        """The domain's `normal_date_time` in SQL: NULL for a cell that is not a date."""
        day = func.substr(cell, 1, 10)
        shapes = (
            (_DAY, day),
            (f"{_DAY}[T ]{_HM}", day + " " + func.substr(cell, 12, 5) + ":00"),
            (f"{_DAY}[T ]{_HMS}", day + " " + func.substr(cell, 12, 8)),
        )
        whens = []
        for shape, normal in shapes:
            for suffix in ("", "Z"):
                whens.append((self._shaped(cell, shape + suffix), normal))
        return self._text(case(*whens, else_=None))

    def _shaped(self, cell: ColumnElement[str], glob: str) -> ColumnElement[bool]:
        if self._postgresql:  # the GLOB patterns here read the same as regular expressions
            return cell.regexp_match(f"^{glob}$")
        return cell.op("GLOB", is_comparison=True)(glob)


def sorts(
    compiler: FilterCompiler, keys: Sequence[tuple[str, bool, bool]]
) -> list[ColumnElement[Any]]:
    """ORDER BY terms for `(column, descending, numeric)` keys, then insertion order."""
    terms: list[ColumnElement[Any]] = []
    for column, descending, numeric in keys:
        key = compiler.sort_key(column, numeric)
        if numeric:
            terms.append(key.is_(None))  # numbers first, whatever the direction
        terms.append(key.desc() if descending else key.asc())
    terms.append(contacts.c.seq.asc())
    return terms
