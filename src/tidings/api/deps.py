"""Request dependencies: the container, the authenticated caller, paging, list parameters."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from tidings.bootstrap import Container
from tidings.domain.errors import FieldProblem, InvalidInput, Unauthenticated
from tidings.domain.paging import DEFAULT_PAGE_SIZE, PageRequest
from tidings.ports import ChannelEvents
from tidings.services.caller import Caller


async def container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


async def current_caller(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A bearer token is required: Authorization: Bearer <access_token>")
    app_container: Container = request.app.state.container
    return await app_container.oauth.authenticate(token.strip())


async def channel_events(request: Request) -> ChannelEvents:
    """Where webhooks hand what a provider reports (the container's sink)."""
    app_container: Container = request.app.state.container
    return app_container.channel_events


async def page_request(
    page_size: Annotated[int, Query(alias="pageSize")] = DEFAULT_PAGE_SIZE,
    page_number: Annotated[int, Query(alias="pageNumber")] = 1,
) -> PageRequest:
    return PageRequest(page_size=page_size, page_number=page_number)


async def name_sorted_page(
    page: Annotated[PageRequest, Depends(page_request)],
    sort_order: Annotated[str, Query(alias="sortOrder", max_length=16)] = "ascending",
) -> PageRequest:
    """Paging of a list in name order; `sortBy` (name or another field) is accepted and the
    order stays by name."""
    order = sort_order.lower()
    if order not in ("ascending", "descending"):
        raise InvalidInput(
            "sortOrder is ascending or descending",
            details=[FieldProblem("sortOrder", "invalid.value", "ascending or descending")],
        )
    return replace(page, descending=order == "descending")


# Dependencies are `async def` on purpose: FastAPI runs a plain `def` in a thread pool,
# which costs a thread hop on every request.


def split_list(values: list[str] | None) -> list[str]:
    """The SDK joins list parameters with commas (`id=a,b`); others repeat the key."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


CallerDep = Annotated[Caller, Depends(current_caller)]
ContainerDep = Annotated[Container, Depends(container)]
PageDep = Annotated[PageRequest, Depends(page_request)]
NameSortedPageDep = Annotated[PageRequest, Depends(name_sorted_page)]
ChannelEventsDep = Annotated[ChannelEvents, Depends(channel_events)]

# How `filterType` matches a `name` parameter in list routes (case-insensitive).
NameFilter = Literal["Prefix", "BeginsWith", "Contains", "EndsWith", "Equals"]
