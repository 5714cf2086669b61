"""docs/openapi-scheduler.yaml documents exactly the scheduling routes the app serves; its examples hold."""

from __future__ import annotations

from typing import Any

import pytest

from rris.http.errors import STATUS_BY_CODE
from rris.http.reports import COVERAGE_COLUMNS, USAGE_COLUMNS
from rris.http.rosters import NewShift
from scheduler.availability_store import availability_document, availability_from_document
from tests.support.openapi import METHODS, load_spec, operations, refs, resolve
from tests.support.server import RunningServer

PREFIXES = ("/api/interpreters/{interpreter_id}/availability", "/api/shifts", "/api/reports")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec("openapi-scheduler.yaml")


async def test_every_scheduling_route_the_app_serves_is_documented_and_nothing_else(
    server: RunningServer, spec: dict[str, Any]
) -> None:
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in server.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith(PREFIXES)
        and route.method.lower() in METHODS
    }
    documented = {(method, path) for method, path, _ in operations(spec)}
    assert served == documented
    assert ("get", "/api/reports/usage") in served


def test_the_document_is_openapi_3_1_and_every_reference_resolves(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    for reference in refs(spec):
        assert reference.startswith("#/")
        assert resolve(spec, {"$ref": reference}) is not None, reference


def test_every_operation_documents_its_errors_with_the_error_body(spec: dict[str, Any]) -> None:
    codes = set(
        resolve(spec, {"$ref": "#/components/schemas/Error"})["properties"]["error"]["properties"]["code"][
            "enum"
        ]
    )
    assert codes <= set(STATUS_BY_CODE)
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert "401" in responses, (method, path)
        assert operation.get("operationId"), (method, path)
        for status, response in responses.items():
            body = resolve(spec, response)["content"]["application/json"]
            if int(status) >= 400:
                assert body["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            else:
                assert "example" in body, (method, path, status)


def test_the_availability_example_is_what_the_api_reads_and_writes(spec: dict[str, Any]) -> None:
    item = spec["paths"]["/api/interpreters/{interpreter_id}/availability"]
    example = item["put"]["requestBody"]["content"]["application/json"]["example"]
    assert availability_document(availability_from_document(example)) == example
    assert item["get"]["responses"]["200"]["content"]["application/json"]["example"] == example


def test_the_shift_examples_match_the_api(spec: dict[str, Any]) -> None:
    post = spec["paths"]["/api/shifts"]["post"]
    NewShift.model_validate(post["requestBody"]["content"]["application/json"]["example"])
    shift = resolve(spec, {"$ref": "#/components/schemas/Shift"})
    example = post["responses"]["201"]["content"]["application/json"]["example"]
    assert set(example) == set(shift["required"]) == set(shift["properties"])


@pytest.mark.parametrize(
    ("path", "row", "columns"),
    [
        ("/api/reports/coverage", "CoverageRow", COVERAGE_COLUMNS),
        ("/api/reports/usage", "UsageRow", USAGE_COLUMNS),
    ],
)
def test_report_rows_are_documented_column_for_column(
    spec: dict[str, Any], path: str, row: str, columns: tuple[str, ...]
) -> None:
    schema = resolve(spec, {"$ref": f"#/components/schemas/{row}"})
    assert tuple(schema["properties"]) == columns
    assert tuple(schema["required"]) == columns
    content = spec["paths"][path]["get"]["responses"]["200"]["content"]
    assert content["text/csv"]["example"] == ",".join(columns) + "\r\n"
    assert all(tuple(example) == columns for example in content["application/json"]["example"]["rows"])
