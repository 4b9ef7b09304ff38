"""Tests for knowledge/error-handling.md: HTTPException, custom exception handlers and problem details."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from types import ModuleType

import pytest
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.exceptions import StarletteDeprecationWarning

LoadExample = Callable[[str], ModuleType]
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def shop(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/error_handling/tutorial001.py").app)


@pytest.fixture
def module(load_example: LoadExample) -> ModuleType:
    return load_example("examples/error_handling/tutorial002.py")


@pytest.fixture
def api(module: ModuleType) -> TestClient:
    return TestClient(module.app, raise_server_exceptions=False)


def test_http_exception_carries_headers(shop: TestClient) -> None:
    """HTTPException(headers=...) puts the headers on the error response: a 401 says WWW-Authenticate: Bearer."""
    response = shop.get("/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Not authenticated"}
    assert shop.get("/me", headers={"Authorization": "Bearer abc"}).json() == {"user": "ada"}


def test_domain_exceptions_map_to_problem_details(shop: TestClient) -> None:
    """A handler registered for the base class turns every domain error subclass into its status and body."""
    assert shop.post("/orders", params={"sku": "widget", "quantity": 2}).json() == {"remaining": 1}
    conflict = shop.post("/orders", params={"sku": "widget", "quantity": 2})
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == PROBLEM_JSON
    assert conflict.json() == {
        "type": "about:blank",
        "title": "Out of stock",
        "status": 409,
        "detail": "Only 1 left of 'widget'",
    }
    missing = shop.post("/orders", params={"sku": "gadget", "quantity": 1})
    assert (missing.status_code, missing.json()["title"]) == (404, "Product not found")


def test_http_exceptions_use_the_problem_format_with_headers(api: TestClient) -> None:
    """The StarletteHTTPException handler formats raised HTTPExceptions as problem details and keeps their headers."""
    response = api.post("/login", json={"username": "ada", "password": "long enough password"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Invalid credentials",
        "instance": "/login",
    }


def test_routing_errors_use_the_problem_format_too(api: TestClient) -> None:
    """Handling Starlette's HTTPException (not only FastAPI's) also covers unknown paths and wrong methods."""
    not_found = api.get("/nowhere")
    assert (not_found.status_code, not_found.headers["content-type"]) == (404, PROBLEM_JSON)
    assert not_found.json()["instance"] == "/nowhere"
    wrong_method = api.delete("/login")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["title"] == "Method Not Allowed"
    assert wrong_method.headers["Allow"] == "POST"


def test_validation_errors_are_reshaped_without_echoing_input(api: TestClient) -> None:
    """The overridden RequestValidationError handler lists loc/msg/type and never echoes the submitted password."""
    response = api.post("/login", json={"username": "ada", "password": "hunter2"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["title"] == HTTPStatus(422).phrase
    assert body["errors"] == [
        {"loc": ["body", "password"], "msg": "String should have at least 12 characters", "type": "string_too_short"}
    ]
    assert "hunter2" not in response.text


def test_default_validation_error_would_echo_the_password(load_example: LoadExample) -> None:
    """Why the override matters: FastAPI's default 422 body includes the input, so the password comes back."""
    module = load_example("examples/error_handling/tutorial002.py")
    module.app.exception_handlers[module.RequestValidationError] = request_validation_exception_handler
    response = TestClient(module.app).post("/login", json={"username": "ada", "password": "hunter2"})
    assert response.status_code == 422
    assert "hunter2" in response.text


def test_unhandled_errors_are_logged_but_never_leaked(
    api: TestClient, module: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    """The catch-all handler answers a generic 500 problem and logs the real exception with its traceback."""
    with caplog.at_level(logging.ERROR, logger=module.__name__):
        response = api.get("/reports/1")
    assert response.status_code == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred.",
        "instance": "/reports/1",
    }
    assert "hunter2" not in response.text
    assert "postgresql" not in response.text
    [record] = [record for record in caplog.records if record.name == module.__name__]
    assert record.getMessage() == "Unhandled error on GET /reports/1"
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


def test_the_exception_still_propagates_to_the_server(module: ModuleType) -> None:
    """After the 500 handler responds, the exception is re-raised to the server (TestClient raises it by default)."""
    with pytest.raises(ConnectionError):
        TestClient(module.app).get("/reports/1")


def test_returning_str_exc_leaks_internals(load_example: LoadExample) -> None:
    """Antipattern: a 500 handler that returns str(exc) sends the connection string, password included."""
    client = TestClient(load_example("antipatterns/error_handling/leaky_500.py").app, raise_server_exceptions=False)
    response = client.get("/reports/1")
    assert response.status_code == 500
    assert "hunter2" in response.json()["detail"]


def test_a_handler_for_fastapis_httpexception_misses_routing_errors() -> None:
    """Why the handler is registered for Starlette's HTTPException: one registered for FastAPI's subclass never
    sees the router's own 404 for an unknown path."""
    app = FastAPI()

    @app.exception_handler(HTTPException)
    async def only_fastapi_errors(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"handled": True}, status_code=exc.status_code)

    @app.get("/missing")
    async def missing() -> None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)

    client = TestClient(app)
    assert client.get("/missing").json() == {"handled": True}
    assert client.get("/nowhere").json() == {"detail": "Not Found"}


def test_a_custom_handler_drops_headers_unless_it_copies_them() -> None:
    """A handler that builds a new response without copying `exc.headers` loses WWW-Authenticate."""
    app = FastAPI()

    @app.exception_handler(StarletteHTTPException)
    async def forgetful(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.get("/me")
    async def me() -> None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})

    response = TestClient(app).get("/me")
    assert response.status_code == 401
    assert "WWW-Authenticate" not in response.headers


def test_old_422_constant_name_is_deprecated() -> None:
    """`HTTP_422_UNPROCESSABLE_ENTITY` is deprecated in favour of `HTTP_422_UNPROCESSABLE_CONTENT`."""
    with pytest.warns(StarletteDeprecationWarning, match="HTTP_422_UNPROCESSABLE_CONTENT"):
        assert status.HTTP_422_UNPROCESSABLE_ENTITY == status.HTTP_422_UNPROCESSABLE_CONTENT
