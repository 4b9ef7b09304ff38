"""Tests for knowledge/migrate-pydantic-v2.md: v1 idioms warn or fail on Pydantic v2; the v2 rewrite runs clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from fastapi.exceptions import PydanticV1NotSupportedError
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator
from pydantic.errors import PydanticUserError
from pydantic.warnings import PydanticDeprecatedSince20

LoadExample = Callable[[str], ModuleType]

BEFORE = "antipatterns/migrate_pydantic_v2/"
AFTER = "examples/migrate_pydantic_v2/tutorial001.py"

VALID_SIGNUP = {
    "username": "  Alice_01 ",
    "password": "correct horse battery",
    "password_confirm": "correct horse battery",
    "tags": ["beta"],
}


# --- Before: each v1 idiom warns or fails ---------------------------------------------------------------------------


def test_v1_validators_are_deprecated(load_example: LoadExample) -> None:
    """@validator and @root_validator emit PydanticDeprecatedSince20 as soon as the model class is defined."""
    with pytest.warns(PydanticDeprecatedSince20) as record:
        load_example(BEFORE + "validators_v1.py")
    messages = [str(w.message) for w in record]
    assert any("`@validator`" in m for m in messages)
    assert any("`@root_validator`" in m for m in messages)


def test_class_config_is_deprecated_and_orm_mode_is_ignored(load_example: LoadExample) -> None:
    """`class Config` warns, `orm_mode` is only reported as renamed (not applied), so reading an ORM object fails."""
    with (
        pytest.warns(PydanticDeprecatedSince20, match="class-based `config` is deprecated"),
        pytest.warns(UserWarning, match="'orm_mode' has been renamed to 'from_attributes'"),
    ):
        module = load_example(BEFORE + "config_v1.py")
    assert "from_attributes" not in module.UserOut.model_config
    with pytest.raises(ValidationError, match="model_type"):
        module.UserOut.model_validate(module.UserRow(id=1, username="alice"))
    with (
        pytest.warns(PydanticDeprecatedSince20, match="from_orm"),
        pytest.raises(PydanticUserError, match="from_attributes=True"),
    ):
        module.read_user(1)


def test_v1_methods_warn_on_every_call(load_example: LoadExample) -> None:
    """.parse_obj(), .dict() and .json() still work but warn with PydanticDeprecatedSince20 each time they run."""
    module = load_example(BEFORE + "methods_v1.py")
    payload = {"name": "saw", "price": 12.5}
    with pytest.warns(PydanticDeprecatedSince20) as echo_warnings:
        echoed = module.echo(payload)
    with pytest.warns(PydanticDeprecatedSince20) as raw_warnings:
        raw = module.raw(payload)
    assert echoed == payload
    assert raw.body == b'{"name":"saw","price":12.5}'
    messages = " ".join(str(w.message) for w in [*echo_warnings, *raw_warnings])
    for method in ("`parse_obj`", "`dict`", "`json`"):
        assert method in messages


def test_min_items_is_deprecated(load_example: LoadExample) -> None:
    """Field(min_items=...) emits PydanticDeprecatedSince20 and points to min_length."""
    with pytest.warns(PydanticDeprecatedSince20, match="use `min_length` instead"):
        load_example(BEFORE + "min_items_v1.py")


def test_regex_is_removed(load_example: LoadExample) -> None:
    """Field(regex=...) is gone in v2: defining the model raises PydanticUserError."""
    with pytest.raises(PydanticUserError, match=r"`regex` is removed\. use `pattern` instead"):
        load_example(BEFORE + "regex_v1.py")


def test_const_is_removed(load_example: LoadExample) -> None:
    """Field(const=True) is gone in v2: defining the model raises PydanticUserError pointing to Literal."""
    with pytest.raises(PydanticUserError, match="`const` is removed, use `Literal` instead"):
        load_example(BEFORE + "const_v1.py")


def test_pydantic_v1_namespace_is_rejected_by_fastapi(load_example: LoadExample) -> None:
    """Models from the pydantic.v1 compatibility namespace are not a bridge: FastAPI refuses them at import."""
    with pytest.raises(PydanticV1NotSupportedError, match="no longer supported"):
        load_example(BEFORE + "pydantic_v1_shim.py")


# --- After: the v2 rewrite, loaded with warnings as errors -----------------------------------------------------------


@pytest.fixture
def client(load_example: LoadExample) -> Iterator[TestClient]:
    """The v2 app. pytest runs with filterwarnings=error, so any deprecation warning would fail this import."""
    with TestClient(load_example(AFTER).app) as test_client:
        yield test_client


def test_v2_field_validator_and_model_dump(client: TestClient) -> None:
    """field_validator(mode="before") normalises input; model_validate(from_attributes) reads the ORM-style row."""
    response = client.post("/users/", json=VALID_SIGNUP)
    assert response.status_code == 201
    assert response.json() == {"id": 1, "username": "alice_01", "tags": ["beta"]}


def test_v2_model_dump_json_export(client: TestClient) -> None:
    """model_dump_json() serialises the model; the response body is exactly that JSON."""
    client.post("/users/", json=VALID_SIGNUP)
    response = client.get("/users/1/export")
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"id":1,"username":"alice_01","tags":["beta"]}'
    assert client.get("/users/2/export").status_code == 404


def error_types(body: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """(type, loc) pairs of a 422 body."""
    return [(e["type"], e["loc"]) for e in body["detail"]]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"username": "no spaces!"}, ("string_pattern_mismatch", ["body", "username"])),
        ({"tags": []}, ("too_short", ["body", "tags"])),
        ({"plan": "pro"}, ("literal_error", ["body", "plan"])),
        ({"password_confirm": "something else entirely"}, ("value_error", ["body"])),
    ],
)
def test_v2_constraints_reject_bad_input(
    client: TestClient, change: dict[str, Any], expected: tuple[str, list[Any]]
) -> None:
    """pattern=, min_length= on a list, Literal and the after-model validator each turn bad input into a 422."""
    response = client.post("/users/", json={**VALID_SIGNUP, **change})
    assert response.status_code == 422
    assert error_types(response.json()) == [expected]


def test_v2_model_validate_from_dict(client: TestClient) -> None:
    """model_validate() replaces parse_obj(); its ValidationError is re-raised as RequestValidationError (422)."""
    ok = client.post("/users/import", json={"id": 7, "username": "bob", "tags": []})
    bad = client.post("/users/import", json={"id": "seven", "username": "bob"})
    assert ok.status_code == 201
    assert ok.json() == {"id": 7, "username": "bob", "tags": []}
    assert bad.status_code == 422
    assert error_types(bad.json()) == [("int_parsing", ["id"]), ("missing", ["tags"])]


def test_validation_error_raised_in_your_code_is_a_500(load_example: LoadExample) -> None:
    """Without the conversion, a ValidationError from model_validate() inside an endpoint is a server error."""
    module = load_example(AFTER)

    @module.app.post("/users/unsafe-import")
    def unsafe_import(payload: dict[str, Any]) -> Any:
        return module.UserOut.model_validate(payload)

    client = TestClient(module.app, raise_server_exceptions=False)
    assert client.post("/users/unsafe-import", json={"id": "seven"}).status_code == 500


# --- Behaviour changes that are not deprecations ---------------------------------------------------------------------


def test_optional_without_default_is_required_in_v2() -> None:
    """In v2 `x: str | None` with no default is required (v1 silently defaulted it to None): add `= None`."""

    class Profile(BaseModel):
        nickname: str | None
        bio: str | None = None

    with pytest.raises(ValidationError, match="nickname\n  Field required"):
        Profile()
    assert Profile(nickname=None).bio is None


def test_numbers_are_not_coerced_to_str_in_v2() -> None:
    """v2 no longer turns an int into a str for a `str` field (v1 did); send strings or use a union type."""

    class Label(BaseModel):
        code: str

    with pytest.raises(ValidationError, match="string_type"):
        Label(code=123)  # type: ignore[arg-type]


def test_field_validator_reads_other_fields_from_info_data() -> None:
    """v2 field validators get earlier fields through ValidationInfo.data instead of a `values` argument."""

    class Range(BaseModel):
        low: int
        high: int

        @field_validator("high")
        @classmethod
        def above_low(cls, value: int, info: ValidationInfo) -> int:
            if value <= info.data["low"]:
                raise ValueError("high must exceed low")
            return value

    assert Range(low=1, high=2).high == 2
    with pytest.raises(ValidationError, match="high must exceed low"):
        Range(low=3, high=2)
