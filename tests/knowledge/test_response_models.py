"""Tests for knowledge/response-models.md: return annotations, response_model, filtering and documented errors."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel

LoadExample = Callable[[str], ModuleType]
PUBLIC_FIELDS = {"username", "email", "full_name"}


@pytest.fixture
def users(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/response_models/tutorial001.py").app)


@pytest.fixture
def items(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/response_models/tutorial002.py").app)


def test_return_annotation_filters_a_subclass_instance(users: TestClient) -> None:
    """Returning a UserInDB from a route annotated `-> UserPublic` sends only the public fields."""
    response = users.get("/users/ada")
    assert response.status_code == 200
    assert set(response.json()) == PUBLIC_FIELDS
    assert "argon2" not in response.text


def test_response_model_filters_a_raw_row(users: TestClient) -> None:
    """`response_model=` filters a value of another type (a dict row) down to the public schema."""
    response = users.get("/users/ada/raw")
    assert response.json() == {"username": "ada", "email": "ada@example.com", "full_name": None}
    assert users.get("/users/nobody/raw").status_code == 404


def test_status_codes_per_route(users: TestClient) -> None:
    """Each route declares its success status: 201 create, 202 accepted, 204 delete (with an empty body)."""
    created = users.post("/users", json={"username": "bob", "email": "bob@example.com"})
    assert created.status_code == 201
    assert set(created.json()) == PUBLIC_FIELDS
    accepted = users.post("/users/nobody/reset-password")
    assert accepted.status_code == 202
    deleted = users.delete("/users/bob")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert users.delete("/users/bob").status_code == 404
    assert users.get("/users/bob").status_code == 404


def test_openapi_documents_only_the_public_schema(users: TestClient) -> None:
    """The response schema in OpenAPI is UserPublic; the internal fields never appear in the docs."""
    schema = users.get("/openapi.json").json()
    operation = schema["paths"]["/users/{username}"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserPublic"
    }
    assert "UserInDB" not in schema["components"]["schemas"]
    assert set(schema["components"]["schemas"]["UserPublic"]["properties"]) == PUBLIC_FIELDS
    assert set(schema["paths"]["/users/{username}"]["delete"]["responses"]) == {"204", "422"}


def test_exclude_unset_omits_defaults_nobody_set(items: TestClient) -> None:
    """`response_model_exclude_unset=True` sends only the fields that were set, not the model defaults."""
    assert items.get("/items/foo").json() == {"name": "Foo", "price": 50.2}
    assert items.get("/items/bar").json() == {
        "name": "Bar",
        "description": "The bartenders",
        "price": 62.0,
        "tax": 20.2,
    }


def test_exclude_none_drops_null_fields(items: TestClient) -> None:
    """`response_model_exclude_none=True` removes null values but keeps defaults that are not None."""
    foo, bar = items.get("/items").json()
    assert foo == {"name": "Foo", "price": 50.2, "tax": 10.5, "tags": []}
    assert bar["description"] == "The bartenders"


def test_documented_error_response(items: TestClient) -> None:
    """`responses=` adds the 404 with its model to OpenAPI, matching what the route really sends."""
    schema = items.get("/openapi.json").json()
    not_found = schema["paths"]["/items/{item_id}"]["get"]["responses"]["404"]
    assert not_found["description"] == "No item with this id"
    assert not_found["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Message"}
    assert schema["components"]["schemas"]["Message"]["required"] == ["detail"]
    response = items.get("/items/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_without_a_response_model_internal_fields_leak(load_example: LoadExample) -> None:
    """Antipattern: with no return type or response_model, the stored password hash is sent to the client."""
    client = TestClient(load_example("antipatterns/response_models/no_response_model.py").app)
    assert "hashed_password" in client.get("/users/ada").json()


def test_returning_a_response_object_skips_filtering() -> None:
    """A returned JSONResponse bypasses the return annotation: nothing is validated or filtered."""
    app = FastAPI()

    class Public(BaseModel):
        username: str

    @app.get("/me")
    async def me() -> Public:
        return JSONResponse({"username": "ada", "hashed_password": "x"})  # type: ignore[return-value]

    assert "hashed_password" in TestClient(app).get("/me").json()
