"""The Genesys paging envelope with its relative URIs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from tidings.domain.paging import PageRequest, page_count


def envelope(
    request: Request, page: PageRequest, entities: list[Any], total: int
) -> dict[str, Any]:
    pages = page_count(total, page.page_size)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "pageNumber"]

    def uri(number: int) -> str:
        query = urlencode([*params, ("pageNumber", str(number))])
        return f"{request.url.path}?{query}"

    body: dict[str, Any] = {
        "entities": entities,
        "pageSize": page.page_size,
        "pageNumber": page.page_number,
        "total": total,
        "pageCount": pages,
        "firstUri": uri(1),
        "selfUri": uri(page.page_number),
        "lastUri": uri(max(pages, 1)),
    }
    if page.page_number > 1:
        body["previousUri"] = uri(min(page.page_number - 1, max(pages, 1)))
    if page.page_number < pages:
        body["nextUri"] = uri(page.page_number + 1)
    return body
