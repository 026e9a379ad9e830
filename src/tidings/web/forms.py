"""Small helpers the page modules share: paging, comma lists, divisions to choose from."""

from __future__ import annotations

from tidings.bootstrap import Container
from tidings.domain.divisions import Division
from tidings.domain.paging import MAX_PAGE_SIZE, PageRequest
from tidings.services.console_users import SignedIn

PAGE_SIZE = 25


def page_of(number: int, size: int = PAGE_SIZE) -> PageRequest:
    return PageRequest(page_size=min(size, MAX_PAGE_SIZE), page_number=max(number, 1))


def names(raw: str) -> list[str]:
    """`a, b ,c` → ["a", "b", "c"] (order kept, blanks and repeats dropped)."""
    return list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


async def divisions_for(app: Container, user: SignedIn, *permissions: str) -> list[Division]:
    """The divisions where the user may place a new object (for a form's select): where it
    holds one of `permissions`."""
    scopes = [user.caller.access.scope(permission) for permission in permissions]
    if not user.caller.access.scope("authorization:division:view"):
        return []
    found, _ = await app.divisions.list(user.caller, PageRequest(page_size=MAX_PAGE_SIZE))
    return [d for d in found if any(scope.includes(d.id) for scope in scopes)]


def pages(total: int, size: int = PAGE_SIZE) -> int:
    return max((total + size - 1) // size, 1)
