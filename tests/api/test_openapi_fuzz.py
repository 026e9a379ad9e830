"""Schemathesis over the app's own OpenAPI document: no generated request gets a 5xx, and
every answer matches the schema the document declares. Bounded and deterministic.

The operations are walked by hand rather than with schemathesis' pytest plugin, whose
collection hooks do not work with pytest 9."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.server import Server

EXAMPLES_PER_OPERATION = 30


@pytest.fixture(scope="module")
def operations(server: Server) -> dict[str, Any]:
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[f"{operation.method.upper()} {operation.path}"] = operation
    return found


def _operation_names() -> list[str]:
    # Kept in step with the permission matrix, which checks it against the live document.
    from tests.api.test_permission_matrix import MATRIX, PUBLIC

    return sorted(f"{method} {path}" for method, path in {*MATRIX, *PUBLIC})


@pytest.mark.parametrize("name", _operation_names())
def test_no_generated_request_gets_a_server_error(
    operations: dict[str, Any], server: Server, admin_token: str, name: str
) -> None:
    operation = operations[name]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: Any) -> None:
        response = case.call(
            base_url=server.base_url, headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
        if response.status_code != 413:
            case.validate_response(response, checks=[response_schema_conformance])

    check()
