"""Tests for knowledge/pydantic-models.md: Base/Create/Update/Read models with Pydantic v2."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, PydanticDeprecatedSince20, PydanticUserError, ValidationError

LoadExample = Callable[[str], ModuleType]

NEW_USER = {"username": "ada_l", "email": "ada@example.com", "password": "correct horse battery", "age": 36}


@pytest.fixture
def module(load_example: LoadExample) -> ModuleType:
    return load_example("examples/pydantic_models/tutorial001.py")


@pytest.fixture
def client(module: ModuleType) -> TestClient:
    return TestClient(module.app)


def test_create_returns_read_model_without_secrets(client: TestClient, module: ModuleType) -> None:
    """The Read model is the response: it has id and created_at, never the password or its hash."""
    response = client.post("/users", json=NEW_USER)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "full_name", "age", "created_at"}
    assert "correct horse" not in response.text
    assert module.users[body["id"]].hashed_password.startswith("$argon2")
    assert module.users[body["id"]].hashed_password not in response.text


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        ("username", "ab", "string_too_short"),
        ("username", "Ada Lovelace", "string_pattern_mismatch"),
        ("password", "short", "string_too_short"),
        ("age", 12, "greater_than_equal"),
        ("age", 131, "less_than_equal"),
        ("email", "not-an-email", "value_error"),
    ],
)
def test_field_constraints_reject_bad_input(client: TestClient, field: str, value: object, error_type: str) -> None:
    """Field constraints (min_length, pattern=, ge/le, EmailStr) turn bad input into a 422 naming the field."""
    response = client.post("/users", json={**NEW_USER, field: value})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", field]
    assert error["type"] == error_type


def test_patch_changes_only_the_fields_sent(client: TestClient) -> None:
    """`model_dump(exclude_unset=True)` applies only the fields in the request; the others keep their values."""
    user = client.post("/users", json={**NEW_USER, "full_name": "Ada Lovelace"}).json()
    response = client.patch(f"/users/{user['id']}", json={"age": 37})
    assert response.status_code == 200
    assert response.json() == {**user, "age": 37}


def test_patch_explicit_null_clears_a_nullable_field(client: TestClient) -> None:
    """Unset and null differ: `"full_name": null` clears the field, omitting it keeps it, a value replaces it."""
    user = client.post("/users", json={**NEW_USER, "full_name": "Ada Lovelace"}).json()
    assert client.patch(f"/users/{user['id']}", json={}).json()["full_name"] == "Ada Lovelace"
    assert client.patch(f"/users/{user['id']}", json={"full_name": None}).json()["full_name"] is None
    assert client.patch(f"/users/{user['id']}", json={"email": "ada@lovelace.example"}).json()["email"] == (
        "ada@lovelace.example"
    )


def test_patch_rejects_null_for_a_required_field(client: TestClient) -> None:
    """A field that may be omitted but not cleared refuses an explicit null with a 422."""
    user = client.post("/users", json=NEW_USER).json()
    response = client.patch(f"/users/{user['id']}", json={"email": None})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Value error, email cannot be null"
    assert client.get(f"/users/{user['id']}").json()["email"] == "ada@example.com"


def test_patch_rejects_unknown_fields(client: TestClient) -> None:
    """`extra="forbid"` on the Update model makes a misspelled field a 422 instead of a silent no-op."""
    user = client.post("/users", json=NEW_USER).json()
    response = client.patch(f"/users/{user['id']}", json={"fullname": "Typo"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


def test_create_ignores_fields_the_client_may_not_set(client: TestClient) -> None:
    """The Create model has no id/created_at, so client-supplied values for them are dropped."""
    response = client.post("/users", json={**NEW_USER, "id": 999, "created_at": "2000-01-01T00:00:00Z"})
    assert response.json()["id"] == 1
    assert not response.json()["created_at"].startswith("2000")


def test_from_attributes_is_what_reads_objects(module: ModuleType, client: TestClient) -> None:
    """`from_attributes=True` lets the Read model validate an object; a model without it rejects the same object."""
    client.post("/users", json=NEW_USER)
    record = module.users[1]
    assert module.UserRead.model_validate(record).username == "ada_l"
    with pytest.raises(ValidationError, match="valid dictionary or instance"):
        module.UserBase.model_validate(record)


def test_duplicate_and_missing_users(client: TestClient) -> None:
    """A taken username is a 409 and an unknown id is a 404, for reads and updates alike."""
    assert client.post("/users", json=NEW_USER).status_code == 201
    assert client.post("/users", json=NEW_USER).status_code == 409
    assert client.get("/users/42").status_code == 404
    assert client.patch("/users/42", json={"age": 40}).status_code == 404


def test_return_annotation_documents_the_read_model(client: TestClient) -> None:
    """The return annotation is the response model: OpenAPI documents UserRead, whose schema has no password."""
    schema = client.get("/openapi.json").json()
    ok = schema["paths"]["/users"]["post"]["responses"]["201"]
    assert ok["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/UserRead"
    assert "password" not in schema["components"]["schemas"]["UserRead"]["properties"]


def test_one_model_for_everything_allows_mass_assignment_and_leaks(load_example: LoadExample) -> None:
    """Antipattern: one model for input and output lets a client make itself admin and echoes the password."""
    client = TestClient(load_example("antipatterns/pydantic_models/one_model.py").app)
    body = client.post("/users", json={"username": "mallory", "password": "hunter2", "is_admin": True}).json()
    assert body["is_admin"] is True
    assert body["password"] == "hunter2"


def test_model_dump_without_exclude_unset_would_reset_omitted_fields(module: ModuleType) -> None:
    """A plain `model_dump()` of a PATCH body has every omitted field as None; exclude_unset keeps the sent ones."""
    patch = module.UserUpdate.model_validate({"age": 37})
    assert patch.model_dump() == {"email": None, "full_name": None, "age": 37}
    assert patch.model_dump(exclude_unset=True) == {"age": 37}


def test_v1_spellings_are_removed_or_deprecated() -> None:
    """`Field(regex=...)` is removed in Pydantic v2 (use pattern=), and `.dict()` is deprecated (use model_dump)."""
    with pytest.raises(PydanticUserError, match="use `pattern` instead"):

        class Legacy(BaseModel):
            code: str = Field(regex="^[a-z]+$")

    class Modern(BaseModel):
        code: str = "abc"

    with pytest.warns(PydanticDeprecatedSince20, match="use `model_dump` instead"):
        Modern().dict()
