"""JSON out the Genesys way: camelCase, nulls omitted (the SDK crashes on a null enum)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import JSONResponse


def to_wire(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items()}
    return value


class JsonResponse(JSONResponse):
    """A JSONResponse (so the OpenAPI document shows each route's model) rendered by orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(to_wire(content))


def ok(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse(content, status_code=status_code, headers=headers)
