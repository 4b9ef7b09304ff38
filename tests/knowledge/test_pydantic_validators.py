"""Tests for knowledge/pydantic-validators.md: field/model validators, AfterValidator types, computed fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import ModuleType
from typing import Any

import pytest
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

LoadExample = Callable[[str], ModuleType]

EVENT = {
    "title": "  PyCon  ",
    "slug": "pycon-2026",
    "starts_at": "2026-05-01T09:00:00+02:00",
    "ends_at": "2026-05-01T17:30:00+02:00",
    "tags": [" Python", "python", "  ", "WEB"],
}
BOOKING = {"room": "double", "guests": 2, "check_in": "2026-07-01", "check_out": "2026-07-04"}


@pytest.fixture
def events(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/pydantic_validators/tutorial001.py").app)


@pytest.fixture
def bookings(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/pydantic_validators/tutorial002.py").app)


def _only_error(response: Any) -> dict[str, Any]:
    assert response.status_code == 422
    [error] = response.json()["detail"]
    return error


def test_validators_normalize_valid_input(events: TestClient) -> None:
    """AfterValidator and field_validator may transform values: the title is stripped, tags deduplicated."""
    response = events.post("/events", json=EVENT)
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "PyCon"
    assert body["tags"] == ["python", "web"]


def test_after_validator_runs_after_field_constraints(events: TestClient) -> None:
    """An Annotated type applies its Field constraints first, then its AfterValidator."""
    error = _only_error(events.post("/events", json={**EVENT, "slug": "Py Con"}))
    assert (error["loc"], error["type"]) == (["body", "slug"], "string_pattern_mismatch")
    error = _only_error(events.post("/events", json={**EVENT, "slug": "admin"}))
    assert (error["loc"], error["type"], error["msg"]) == (
        ["body", "slug"],
        "value_error",
        "Value error, 'admin' is reserved",
    )
    error = _only_error(events.post("/events", json={**EVENT, "title": "   "}))
    assert error["msg"] == "Value error, must not be blank"


def test_annotated_type_is_reusable_in_path_parameters(events: TestClient) -> None:
    """The same Slug type validates a path parameter, with the error located in the path."""
    assert events.get("/events/pycon-2026").json() == {"slug": "pycon-2026"}
    error = _only_error(events.get("/events/new"))
    assert error["loc"] == ["path", "slug"]


def test_model_validator_checks_across_fields(events: TestClient) -> None:
    """model_validator(mode="after") compares validated fields; its error is located at the body, not a field."""
    error = _only_error(events.post("/events", json={**EVENT, "ends_at": "2026-05-01T08:00:00+02:00"}))
    assert error["loc"] == ["body"]
    assert error["msg"] == "Value error, ends_at must be after starts_at"


def test_naive_datetimes_are_rejected(events: TestClient) -> None:
    """AwareDatetime refuses a datetime without a time zone."""
    error = _only_error(events.post("/events", json={**EVENT, "starts_at": "2026-05-01T09:00:00"}))
    assert (error["loc"], error["type"]) == (["body", "starts_at"], "timezone_aware")


def test_before_validator_sees_raw_input(bookings: TestClient) -> None:
    """A mode="before" field_validator normalizes raw input before type validation and later validators."""
    response = bookings.post("/bookings", json={**BOOKING, "promo_code": " spring10 "})
    assert response.status_code == 201
    assert response.json()["promo_code"] == "SPRING10"


def test_custom_error_type_message_and_context(bookings: TestClient) -> None:
    """PydanticCustomError sets the 422 `type`, a `msg` without the "Value error, " prefix, and `ctx`."""
    error = _only_error(bookings.post("/bookings", json={**BOOKING, "promo_code": "free"}))
    assert error["type"] == "promo_code_unknown"
    assert error["msg"] == "Unknown promo code FREE"
    assert error["ctx"] == {"code": "FREE"}
    assert error["loc"] == ["body", "promo_code"]


def test_field_validator_with_info_data_locates_the_error_on_the_field(bookings: TestClient) -> None:
    """A field_validator reading an earlier field through info.data reports the error on its own field."""
    error = _only_error(bookings.post("/bookings", json={**BOOKING, "check_out": "2026-07-01"}))
    assert error == {
        "type": "date_order",
        "loc": ["body", "check_out"],
        "msg": "check_out must be after check_in",
        "input": "2026-07-01",
    }


def test_field_validator_skips_the_rule_when_the_earlier_field_failed(bookings: TestClient) -> None:
    """If check_in is invalid it is absent from info.data, so only its own error is reported."""
    error = _only_error(bookings.post("/bookings", json={**BOOKING, "check_in": "nope"}))
    assert error["loc"] == ["body", "check_in"]


def test_model_level_custom_error(bookings: TestClient) -> None:
    """A model validator raising PydanticCustomError yields its own type and formatted message at the body."""
    error = _only_error(bookings.post("/bookings", json={**BOOKING, "guests": 3}))
    assert error["type"] == "room_capacity"
    assert error["msg"] == "A double room sleeps at most 2"
    assert error["loc"] == ["body"]


def test_computed_field_is_serialized_and_documented_as_output_only(bookings: TestClient) -> None:
    """computed_field appears in the response and only in the output schema (read-only)."""
    assert bookings.post("/bookings", json=BOOKING).json()["nights"] == 3
    schemas = bookings.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["Booking-Output"]["properties"]["nights"]["readOnly"] is True
    assert "nights" not in schemas["Booking-Input"]["properties"]


def test_plain_datetime_accepts_naive_values() -> None:
    """Why AwareDatetime: a plain `datetime` field accepts a value without a time zone."""
    assert TypeAdapter(datetime).validate_python("2026-05-01T09:00:00").tzinfo is None


@pytest.fixture
def passwords(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/pydantic_validators/tutorial003.py").app)


CHANGE = {"current_password": "old password 123", "new_password": "brand new password", "confirm_password": ""}


def test_password_confirmation_must_match(passwords: TestClient) -> None:
    """A model validator compares the two new passwords and reports its own error type at the body."""
    assert passwords.post("/me/password", json={**CHANGE, "confirm_password": "brand new password"}).status_code == 204
    error = _only_error(passwords.post("/me/password", json={**CHANGE, "confirm_password": "brand new passw0rd"}))
    assert error == {"type": "password_mismatch", "loc": ["body"], "msg": "Passwords do not match"}
    reused = {**CHANGE, "new_password": "old password 123", "confirm_password": "old password 123"}
    assert _only_error(passwords.post("/me/password", json=reused))["type"] == "password_reused"


def test_password_errors_do_not_echo_the_passwords(passwords: TestClient) -> None:
    """The example's 422 handler keeps FastAPI's shape but drops `input`, so no password comes back."""
    response = passwords.post("/me/password", json={**CHANGE, "new_password": "short", "confirm_password": "short"})
    error = _only_error(response)
    assert (error["loc"], error["type"]) == (["body", "new_password"], "too_short")
    assert "old password" not in response.text
    assert "input" not in error


def test_default_422_would_echo_the_passwords(load_example: LoadExample) -> None:
    """Why the handler exists: FastAPI's default 422 for a model-level error includes the whole submitted body."""
    module = load_example("examples/pydantic_validators/tutorial003.py")
    module.app.exception_handlers[module.RequestValidationError] = request_validation_exception_handler
    response = TestClient(module.app).post("/me/password", json={**CHANGE, "confirm_password": "mismatch!"})
    assert response.status_code == 422
    assert "old password 123" in response.text
