"""Tests for knowledge/routers-versioning.md: APIRouter prefix/tags/dependencies and /v1 + /v2 side by side."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]


@pytest.fixture
def items(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/routers_versioning/tutorial001.py").app)


@pytest.fixture
def versions(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/routers_versioning/tutorial002.py").app)


def test_router_prefix_is_applied_to_every_route(items: TestClient) -> None:
    """The router's prefix is prepended to each of its paths when it is included."""
    paths = set(items.get("/openapi.json").json()["paths"])
    assert paths == {"/items/", "/items/{item_id}", "/health"}


def test_router_level_dependency_guards_all_its_routes_only(items: TestClient) -> None:
    """A router-level dependency runs for every route of that router and not for other routers."""
    assert items.get("/items/").status_code == 400
    assert items.get("/items/7").json() == {"detail": "X-Tenant header required"}
    assert items.get("/items/", headers={"X-Tenant": "acme"}).json() == ["hammer", "nails"]
    assert items.get("/health").json() == {"status": "ok"}


def test_declaring_the_dependency_again_gives_its_value(items: TestClient) -> None:
    """A router-level dependency's value is discarded; a route that needs it declares it as a parameter."""
    assert items.get("/items/7", headers={"X-Tenant": "acme"}).json() == {"id": 7, "tenant": "acme"}


def test_router_tags_and_responses_are_documented(items: TestClient) -> None:
    """Tags and `responses=` set on the router appear on each of its operations in OpenAPI."""
    paths = items.get("/openapi.json").json()["paths"]
    operation = paths["/items/{item_id}"]["get"]
    assert operation["tags"] == ["items"]
    assert operation["responses"]["400"]["description"] == "Missing X-Tenant header"
    assert paths["/health"]["get"]["tags"] == ["health"]
    assert "400" not in paths["/health"]["get"]["responses"]


def test_v1_and_v2_serve_different_contracts_side_by_side(versions: TestClient) -> None:
    """Both versions are mounted at once under their path prefix, each with its own response model."""
    assert versions.get("/v1/users/1").json() == {"id": 1, "name": "Ada Lovelace"}
    assert versions.get("/v2/users/1").json() == {"id": 1, "first_name": "Ada", "last_name": "Lovelace"}


def test_shared_lookup_dependency_serves_both_versions(versions: TestClient) -> None:
    """The lookup dependency is shared, so both versions answer 404 the same way."""
    for version in ("v1", "v2"):
        response = versions.get(f"/{version}/users/99")
        assert response.status_code == 404
        assert response.json() == {"detail": "User not found"}


def test_old_version_announces_deprecation_in_headers(versions: TestClient) -> None:
    """A router-level dependency adds Deprecation/Sunset headers to every v1 response and to no v2 response."""
    old = versions.get("/v1/users/1")
    assert old.headers["Deprecation"] == "@1767225599"
    assert old.headers["Sunset"] == "Thu, 31 Dec 2026 23:59:59 GMT"
    assert "Deprecation" not in versions.get("/v2/users/1").headers


def test_old_version_is_marked_deprecated_in_openapi(versions: TestClient) -> None:
    """`APIRouter(deprecated=True)` marks every v1 operation deprecated in the schema; v2 is not."""
    paths: dict[str, Any] = versions.get("/openapi.json").json()["paths"]
    assert paths["/v1/users/{user_id}"]["get"]["deprecated"] is True
    assert paths["/v1/users/{user_id}"]["get"]["tags"] == ["v1"]
    assert "deprecated" not in paths["/v2/users/{user_id}"]["get"]
    schemas = versions.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["UserV1"]["properties"]) == {"id", "name"}
    assert set(schemas["UserV2"]["properties"]) == {"id", "first_name", "last_name"}


def test_collection_without_trailing_slash_is_redirected(load_example: LoadExample) -> None:
    """A "/" route under prefix "/items" lives at /items/; /items answers a 307 redirect to it."""
    client = TestClient(load_example("examples/routers_versioning/tutorial001.py").app, follow_redirects=False)
    response = client.get("/items", headers={"X-Tenant": "acme"})
    assert response.status_code == 307
    assert response.headers["location"].endswith("/items/")


def test_each_version_has_its_own_operation_id(versions: TestClient) -> None:
    """Distinct handler names per version give distinct OpenAPI operation ids."""
    paths = versions.get("/openapi.json").json()["paths"]
    ids = [paths[f"/{version}/users/{{user_id}}"]["get"]["operationId"] for version in ("v1", "v2")]
    assert len(set(ids)) == 2
