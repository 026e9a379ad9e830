"""`column IN (a list bound at execution)`, one statement text for every length of list.

SQLAlchemy's expanding parameter renders one placeholder per item at each execution: on
PostgreSQL that is a new SQL text per length (psycopg parses each again instead of taking
it from its cache, and PostgreSQL plans each again), and the rendering itself ran at every
call. There the list goes as one array, `column = ANY(:list)`; SQLite, which has no arrays,
keeps the expanding IN.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.sql.visitors import InternalTraversal


class InList(ColumnElement[bool]):
    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a condition as it is, not compared with 1 on SQLite
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name

    @property
    def _from_objects(self) -> list[FromClause]:
        return self.column._from_objects


def in_list(column: ColumnElement[Any], name: str) -> InList:
    """`column` is one of the list bound as parameter `name`."""
    return InList(column, name)


@compiles(InList)
def _expanding_in(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    listed: BindParameter[Any] = bindparam(element.name, expanding=True)
    return compiler.process(element.column.in_(listed), **kw)


@compiles(InList, "postgresql")
def _any_of_array(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    # Without the column's length: a cast to varchar(n) cuts a longer value short, and a
    # provider id one character too long would match the id it begins with.
    item = String() if isinstance(element.column.type, String) else element.column.type
    array = bindparam(element.name, type_=ARRAY(item))
    return compiler.process(element.column == any_(array), **kw)
