"""Tests for knowledge/dependency-injection.md: Annotated dependencies, caching, yield cleanup, globals."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException, status
from fastapi.exceptions import FastAPIError
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]


@pytest.fixture
def chain(load_example: LoadExample) -> TestClient:
    return TestClient(load_example("examples/dependency_injection/tutorial001.py").app)


def test_sub_dependency_chain_authenticates_then_authorizes(chain: TestClient) -> None:
    """Sub-dependencies compose: header -> current user -> admin check, each failing with its own status."""
    assert chain.get("/me").status_code == 401
    assert chain.get("/me", headers={"X-User": "eve"}).json() == {"detail": "Unknown user"}
    assert chain.get("/me", headers={"X-User": "bob"}).json() == {"name": "bob"}
    forbidden = chain.get("/admin/audit", headers={"X-User": "bob"})
    assert forbidden.status_code == 403
    assert chain.get("/admin/audit", headers={"X-User": "ada"}).status_code == 200


def test_dependency_value_is_cached_within_a_request(chain: TestClient) -> None:
    """A dependency declared twice in one request (directly and via a sub-dependency) is called once."""
    body = chain.get("/admin/audit", headers={"X-User": "ada"}).json()
    assert body["admin"] == "ada"
    assert body["request_id"] == body["logged_request_id"]


def test_use_cache_false_calls_the_dependency_again(chain: TestClient) -> None:
    """`Depends(..., use_cache=False)` re-runs the dependency, so the nonce differs from the cached request id."""
    body = chain.get("/admin/audit", headers={"X-User": "ada"}).json()
    assert body["nonce"] != body["request_id"]


def test_cache_is_per_request_not_global(chain: TestClient) -> None:
    """The cache lives for one request only: the next request gets a new request id."""
    first = chain.get("/admin/audit", headers={"X-User": "ada"}).json()
    second = chain.get("/admin/audit", headers={"X-User": "ada"}).json()
    assert first["request_id"] != second["request_id"]


def test_yield_dependency_commits_and_closes(load_example: LoadExample) -> None:
    """Code after `yield` runs on success: the session commits and is closed."""
    module = load_example("examples/dependency_injection/tutorial002.py")
    with TestClient(module.app) as client:
        response = client.post("/notes", json={"text": "buy milk"})
        assert response.status_code == 201
        assert client.get("/notes").json() == ["buy milk"]
    assert module.db.open_sessions == 0


def test_endpoint_exception_reaches_the_dependency_which_rolls_back(load_example: LoadExample) -> None:
    """An HTTPException raised in the endpoint is thrown into the dependency at `yield`: it rolls back, re-raises,
    the client still gets the 400, and `finally` closes the session."""
    module = load_example("examples/dependency_injection/tutorial002.py")
    with TestClient(module.app) as client:
        response = client.post("/notes", json={"text": "# heading"})
        assert response.status_code == 400
        assert response.json() == {"detail": "Notes cannot start with '#'"}
        assert client.get("/notes").json() == []
    assert module.db.open_sessions == 0


def test_scope_function_turns_a_failed_commit_into_an_error_response(load_example: LoadExample) -> None:
    """With scope="function" the commit runs before the response is sent, so a failing commit yields a 500
    rather than a success response for data that was never saved."""
    module = load_example("examples/dependency_injection/tutorial002.py")
    with TestClient(module.app, raise_server_exceptions=False) as client:
        response = client.post("/notes", json={"text": "x" * 21})
        assert response.status_code == 500
        assert client.get("/notes").json() == []
    assert module.db.open_sessions == 0


def test_default_scope_reports_success_although_the_commit_failed(load_example: LoadExample) -> None:
    """Antipattern: with the default scope="request" the exit code runs after the response was sent,
    so the client receives 201 while the commit raises."""
    module = load_example("antipatterns/dependency_injection/commit_after_response.py")
    with TestClient(module.app, raise_server_exceptions=False) as client:
        response = client.post("/orders")
    assert response.status_code == 201
    with TestClient(module.app) as client, pytest.raises(RuntimeError, match="deadlock"):
        client.post("/orders")


def test_swallowing_the_exception_in_a_yield_dependency_breaks_the_response(load_example: LoadExample) -> None:
    """Antipattern: a yield dependency that catches and does not re-raise turns a 404 into a 500 (FastAPIError)."""
    module = load_example("antipatterns/dependency_injection/swallowed_exception.py")
    with TestClient(module.app, raise_server_exceptions=False) as client:
        assert client.get("/items/1").status_code == 500
    with TestClient(module.app) as client, pytest.raises(FastAPIError, match="dependency with yield"):
        client.get("/items/1")


@pytest.fixture
def shop(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("SHOP_API_KEY", "test-key")
    return TestClient(load_example("examples/dependency_injection/tutorial003.py").app)


def test_global_dependency_guards_every_route(shop: TestClient) -> None:
    """`FastAPI(dependencies=[...])` applies the API-key check to every path operation, before route
    dependencies: a caller without the key gets 401 even on a disabled feature and cannot probe flags."""
    for path in ("/search?q=tea", "/recommendations"):
        assert shop.get(path).status_code == 401
        assert shop.get(path, headers={"X-API-Key": "wrong"}).status_code == 401
    assert shop.get("/search?q=tea", headers={"X-API-Key": "test-key"}).json() == {"q": "tea"}


def test_parameterized_callable_dependency(shop: TestClient) -> None:
    """Each FeatureFlag instance is its own dependency: enabled features answer, disabled ones are 404."""
    headers = {"X-API-Key": "test-key"}
    assert shop.get("/search?q=tea", headers=headers).status_code == 200
    assert shop.get("/recommendations", headers=headers).status_code == 404


def test_settings_dependency_can_be_overridden(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests swap the cached settings with `app.dependency_overrides[get_settings]`, without touching the env."""
    monkeypatch.delenv("SHOP_API_KEY", raising=False)
    module = load_example("examples/dependency_injection/tutorial003.py")
    module.app.dependency_overrides[module.get_settings] = lambda: module.Settings(
        api_key="override-key", enabled_features={"recommendations"}
    )
    client = TestClient(module.app)
    response = client.get("/recommendations", headers={"X-API-Key": "override-key"})
    assert response.json() == ["more of the same"]
    assert client.get("/search?q=x", headers={"X-API-Key": "override-key"}).status_code == 404


def test_a_required_header_lets_later_dependencies_run() -> None:
    """Why the example's API-key header is optional: a missing *required* header is only collected as a 422 error,
    so route dependencies still run and their answer (here a 404) reveals what exists to an anonymous caller."""

    def verify_key(x_api_key: Annotated[str, Header()]) -> None:
        if x_api_key != "k":
            raise HTTPException(status.HTTP_401_UNAUTHORIZED)

    def hidden_feature() -> None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)

    app = FastAPI(dependencies=[Depends(verify_key)])

    @app.get("/beta", dependencies=[Depends(hidden_feature)])
    async def beta() -> None:
        """Never reached."""

    assert TestClient(app).get("/beta").status_code == 404
