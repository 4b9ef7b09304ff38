"""Fuzzing drives schemathesis-generated requests through the app in-process, reproducibly, and reports failures."""

from __future__ import annotations

import inspect
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from fastapi_expert.validate.fuzzing import fuzz_app
from fastapi_expert.validate.roundtrip import RouteKey


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    quantity: int = Field(ge=0, le=1000)


def divide(total: int, parts: int) -> int:
    return total // parts


def fragile_app() -> FastAPI:
    app = FastAPI()

    @app.get("/share")
    def share(total: int, parts: Annotated[int, Query(ge=0, le=10)]) -> dict[str, int]:
        return {"each": divide(total, parts)}

    @app.post("/items", status_code=201)
    def create(item: Item) -> Item:
        return item

    return app


def test_finds_a_server_error_only_some_inputs_trigger() -> None:
    """A division by a query parameter that may be 0 is found: the failure names the check, a request with parts=0
    that reproduces it, and the app's own traceback."""
    report = fuzz_app(fragile_app(), max_examples=25)
    assert not report.ok
    assert report.operations == 2
    assert 0 < report.examples <= 50
    (failure,) = report.failures
    assert (failure.method, failure.path, failure.check) == ("GET", "/share", "not_a_server_error")
    assert failure.title.startswith("the app raised ZeroDivisionError")
    assert "parts=0" in failure.request
    assert failure.request.startswith("GET /share?")
    line = inspect.getsourcelines(divide)[1] + 1
    assert f"line {line}, in divide" in failure.detail
    rendered = report.render()
    assert rendered.startswith("2 operations, ")
    assert "FAIL GET /share: not_a_server_error - the app raised ZeroDivisionError" in rendered
    assert "First failure:" in rendered


def test_runs_are_reproducible() -> None:
    """Two runs on the same app send the same number of requests and find the same failures with the same requests."""
    first = fuzz_app(fragile_app(), max_examples=15)
    second = fuzz_app(fragile_app(), max_examples=15)
    assert first == second


def test_a_sound_app_passes() -> None:
    """A sound app passes every check on every operation."""
    app = FastAPI()
    items: dict[int, Item] = {}

    @app.post("/items", status_code=201)
    def create(item: Item) -> dict[str, int]:
        items[len(items)] = item
        return {"id": len(items) - 1}

    @app.get("/items/{item_id}")
    def read(item_id: int) -> Item:
        if item_id not in items:
            raise HTTPException(404, "Item not found")
        return items[item_id]

    @app.get("/share")
    def share(total: int, parts: Annotated[int, Query(ge=1, le=10)]) -> dict[str, int]:
        return {"each": total // parts}

    report = fuzz_app(app, max_examples=10)
    assert report.ok, report.render()
    assert (report.operations, report.skipped) == (3, ())
    assert report.examples > 3


def test_response_schema_conformance() -> None:
    """An answer that breaks the declared response schema for some inputs is a response_schema_conformance failure."""
    app = FastAPI()

    @app.get("/price", response_model=None, responses={200: {"model": Item}})
    def price(quantity: Annotated[int, Query(ge=0, le=5)]) -> JSONResponse:
        if quantity == 0:
            return JSONResponse({"name": "free"})
        return JSONResponse({"name": "paid", "quantity": quantity})

    report = fuzz_app(app, max_examples=25)
    (failure,) = report.failures
    assert failure.check == "response_schema_conformance"
    assert "quantity=0" in failure.request


def test_only_the_given_routes() -> None:
    """With routes, only those operations are fuzzed; a route missing from the OpenAPI document is listed as skipped."""
    report = fuzz_app(fragile_app(), routes=[RouteKey("post", "/items"), RouteKey("GET", "/gone")], max_examples=5)
    assert report.ok
    assert report.operations == 1
    assert report.examples <= 5
    assert report.skipped == ("GET /gone: not in the OpenAPI document",)
    assert "1 operations not fuzzed" in report.render()


class User(BaseModel):
    username: str


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    raise HTTPException(401, "Could not validate credentials")


def test_auth_is_satisfied_like_the_round_trip() -> None:
    """Protected routes get the round trip's scheme and current-user overrides, restored afterwards; a bug behind the
    auth is reached."""
    app = FastAPI()

    @app.get("/me/score")
    def score(user: Annotated[User, Depends(get_current_user)], bonus: Annotated[int, Query(ge=0, le=3)]) -> int:
        return 100 // bonus

    with TestClient(app) as client:
        report = fuzz_app(app, max_examples=20, client=client)
        assert client.get("/me/score", params={"bonus": 1}).status_code == 401
    (failure,) = report.failures
    assert "bonus=0" in failure.request
    assert app.dependency_overrides == {}
