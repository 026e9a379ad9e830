"""Page arithmetic shared by every listing (Genesys: 1-based pages, 25 by default, 100 at most)."""

from __future__ import annotations

from dataclasses import dataclass

from tidings.domain.errors import FieldProblem, InvalidInput

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_PAGE_NUMBER = 1_000_000_000


@dataclass(frozen=True)
class PageRequest:
    page_size: int = DEFAULT_PAGE_SIZE
    page_number: int = 1
    descending: bool = False  # for lists in name order: `sortOrder=descending`

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            problems.append(
                FieldProblem("pageSize", "invalid.value", f"must be from 1 to {MAX_PAGE_SIZE}")
            )
        if not 1 <= self.page_number <= MAX_PAGE_NUMBER:
            problems.append(
                FieldProblem("pageNumber", "invalid.value", f"must be from 1 to {MAX_PAGE_NUMBER}")
            )
        if problems:
            raise InvalidInput("Invalid paging parameters", details=problems)

    @property
    def offset(self) -> int:
        return (self.page_number - 1) * self.page_size


def page_count(total: int, page_size: int) -> int:
    return (total + page_size - 1) // page_size
