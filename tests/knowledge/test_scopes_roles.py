"""Tests for the scopes-roles knowledge entry."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.knowledge.conftest import LoadExample

SECRET = secrets.token_hex(32)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mint(**claims: Any) -> str:
    payload = {"exp": datetime.now(UTC) + timedelta(minutes=5)} | claims
    return jwt.encode(payload, SECRET, algorithm="HS256")


@pytest.fixture
def scopes_client(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    module = load_example("examples/scopes_roles/tutorial001.py")
    with TestClient(module.app) as client:
        yield client


@pytest.fixture
def roles(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, TestClient]]:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    module = load_example("examples/scopes_roles/tutorial002.py")
    with TestClient(module.app) as client:
        yield module, client


def token_for(client: TestClient, username: str, scope: str) -> str:
    response = client.post("/token", data={"username": username, "password": "secret", "scope": scope})
    assert response.status_code == 200
    return str(response.json()["access_token"])


def test_token_grants_only_requested_scopes_the_user_may_have(scopes_client: TestClient) -> None:
    """/token grants the requested scopes intersected with the user's allowed ones, never more."""
    token = token_for(scopes_client, "bob", "items:read items:write")
    payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert payload["scope"] == "items:read"
    me = scopes_client.get("/users/me", headers=bearer(token))
    assert me.json() == {"username": "bob", "scopes": ["items:read"]}


def test_bad_password_and_unknown_user_are_401(scopes_client: TestClient) -> None:
    """Wrong credentials at /token are 401 whether or not the user exists."""
    for username, password in [("alice", "nope"), ("mallory", "secret")]:
        response = scopes_client.post("/token", data={"username": username, "password": password})
        assert response.status_code == 401
        assert response.json() == {"detail": "Incorrect username or password"}


def test_route_scope_satisfied(scopes_client: TestClient) -> None:
    """A token carrying the scope a route declares with Security(..., scopes=[...]) gets through."""
    token = token_for(scopes_client, "alice", "items:read items:write")
    assert scopes_client.get("/items/", headers=bearer(token)).json() == ["hammer"]
    created = scopes_client.post("/items/", headers=bearer(token))
    assert created.status_code == 201
    assert created.json() == {"created_by": "alice"}


def test_missing_scope_is_403_with_insufficient_scope_challenge(scopes_client: TestClient) -> None:
    """A valid token without the route's scope is 403 (authenticated, not allowed), naming the scope needed."""
    token = token_for(scopes_client, "alice", "items:read")
    response = scopes_client.post("/items/", headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == {"detail": "Not enough permissions"}
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="items:write"'


def test_router_scope_adds_to_route_scope(scopes_client: TestClient) -> None:
    """The router's Security scope applies too: a write-only token cannot POST because the router needs items:read."""
    token = token_for(scopes_client, "alice", "items:write")
    response = scopes_client.post("/items/", headers=bearer(token))
    assert response.status_code == 403
    assert 'scope="items:read"' in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("not-a-jwt"), bearer(mint(sub="alice", exp=datetime.now(UTC) - timedelta(seconds=1)))],
)
def test_missing_or_invalid_token_is_401(scopes_client: TestClient, headers: dict[str, str]) -> None:
    """No token, a malformed token or an expired one is 401 (who are you?), never 403."""
    response = scopes_client.get("/items/", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_token_for_unknown_user_is_401(scopes_client: TestClient) -> None:
    """A correctly signed token whose `sub` is not a known user is 401."""
    response = scopes_client.get("/users/me", headers=bearer(mint(sub="mallory", scope="items:read")))
    assert response.status_code == 401
    assert response.json() == {"detail": "Unknown user"}


def test_openapi_lists_the_scopes(scopes_client: TestClient) -> None:
    """The scopes passed to OAuth2PasswordBearer appear in OpenAPI; an operation lists router and route scopes."""
    schema = scopes_client.get("/openapi.json").json()
    flow = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]
    assert flow["scopes"] == {"items:read": "Read items.", "items:write": "Create items."}
    assert schema["paths"]["/items/"]["post"]["security"] == [{"OAuth2PasswordBearer": ["items:read", "items:write"]}]
    assert schema["paths"]["/items/"]["get"]["security"] == [{"OAuth2PasswordBearer": ["items:read"]}]


def test_role_granted(roles: tuple[ModuleType, TestClient]) -> None:
    """require_role("admin") lets a user with the role through, on a route and on a whole router."""
    module, client = roles
    token = mint(sub="alice")
    assert client.get("/admin/audit-log", headers=bearer(token)).status_code == 200
    assert client.delete("/users/bob", headers=bearer(token)).status_code == 204
    assert "bob" not in module.users


def test_role_missing_is_403(roles: tuple[ModuleType, TestClient]) -> None:
    """An authenticated user without the role gets 403 and nothing changes."""
    module, client = roles
    token = mint(sub="bob")
    assert client.get("/me", headers=bearer(token)).json() == {"username": "bob", "roles": []}
    response = client.delete("/users/alice", headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == {"detail": "Requires the 'admin' role"}
    assert "alice" in module.users
    assert client.get("/admin/audit-log", headers=bearer(token)).status_code == 403


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic YWxpY2U6c2VjcmV0"}, bearer("garbage")])
def test_unauthenticated_is_401_before_any_role_check(
    roles: tuple[ModuleType, TestClient], headers: dict[str, str]
) -> None:
    """Without valid credentials the answer is 401 with a Bearer challenge, not 403."""
    _, client = roles
    response = client.get("/admin/audit-log", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_role_revoked_in_database_takes_effect_immediately(roles: tuple[ModuleType, TestClient]) -> None:
    """Roles are read from the user store on each request, so an already issued token loses admin at once."""
    module, client = roles
    token = mint(sub="alice")
    module.users["alice"].roles.discard("admin")
    assert client.get("/admin/audit-log", headers=bearer(token)).status_code == 403


def test_deleted_user_token_is_401(roles: tuple[ModuleType, TestClient]) -> None:
    """A valid token for a user who no longer exists is 401."""
    _, client = roles
    response = client.get("/me", headers=bearer(mint(sub="carol")))
    assert response.status_code == 401
    assert response.json() == {"detail": "Unknown user"}
