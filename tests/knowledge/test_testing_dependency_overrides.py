"""Tests for knowledge/testing-dependency-overrides.md: replacing dependencies with app.dependency_overrides."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Annotated

import jwt
import pytest
from fastapi import Header
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]

AUTH_APP = "examples/testing_dependency_overrides/tutorial001.py"
DB_APP = "examples/testing_database/tutorial001.py"
TEST_SECRET = "test-secret-with-at-least-32-bytes!!"


@pytest.fixture
def example(load_example: LoadExample) -> ModuleType:
    """The example module, loaded fresh for each test."""
    return load_example(AUTH_APP)


def overridden_client(example: ModuleType) -> Iterator[TestClient]:
    """The fixture body: override settings and user, yield a started client, clear the overrides afterwards."""
    app = example.app
    app.dependency_overrides[example.get_settings] = lambda: example.Settings(jwt_secret=TEST_SECRET)
    app.dependency_overrides[example.get_current_user] = lambda: example.User(username="alice")
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


@pytest.fixture
def client(example: ModuleType) -> Iterator[TestClient]:
    """Settings and user overridden for every test that uses it; overrides are cleared when the test ends."""
    yield from overridden_client(example)


def make_token(sub: str, *, admin: bool = False, secret: str = TEST_SECRET) -> str:
    """A signed HS256 token that expires in five minutes."""
    claims = {"sub": sub, "admin": admin, "exp": datetime.now(UTC) + timedelta(minutes=5)}
    return jwt.encode(claims, secret, algorithm="HS256")


def test_overridden_user_replaces_authentication(client: TestClient) -> None:
    """With get_current_user overridden, the endpoint gets the fake user and no Authorization header is needed."""
    response = client.get("/users/me")
    assert response.status_code == 200
    assert response.json() == {"username": "alice", "is_admin": False}


def test_override_also_applies_to_dependencies_that_depend_on_it(client: TestClient, example: ModuleType) -> None:
    """Overriding get_current_user also changes what get_admin_user receives: sub-dependencies see the override."""
    assert client.get("/admin/stats").status_code == 403
    example.app.dependency_overrides[example.get_current_user] = lambda: example.User(username="root", is_admin=True)
    response = client.get("/admin/stats")
    assert response.status_code == 200
    assert response.json() == {"requested_by": "root"}


def test_settings_override_changes_configuration(example: ModuleType) -> None:
    """Overriding the cached get_settings dependency swaps the configuration without touching the environment."""
    app = example.app
    app.dependency_overrides[example.get_settings] = lambda: example.Settings(
        jwt_secret=TEST_SECRET, beta_features=True
    )
    try:
        with TestClient(app) as client:
            assert client.get("/features").json() == {"beta": True}
    finally:
        app.dependency_overrides.clear()


def test_real_auth_runs_when_only_settings_are_overridden(example: ModuleType) -> None:
    """Override only get_settings to test the real get_current_user with tokens signed by the test secret."""
    app = example.app
    app.dependency_overrides[example.get_settings] = lambda: example.Settings(jwt_secret=TEST_SECRET)
    try:
        with TestClient(app) as client:
            ok = client.get("/users/me", headers={"Authorization": f"Bearer {make_token('bob', admin=True)}"})
            forged = client.get("/users/me", headers={"Authorization": f"Bearer {make_token('bob', secret='x' * 32)}"})
            missing = client.get("/users/me")
    finally:
        app.dependency_overrides.clear()
    assert ok.status_code == 200
    assert ok.json() == {"username": "bob", "is_admin": True}
    assert forged.status_code == 401
    assert forged.headers["www-authenticate"] == "Bearer"
    assert missing.status_code == 401


def test_overrides_persist_until_cleared(example: ModuleType) -> None:
    """dependency_overrides is a plain dict on the app: an override outlives the client until it is removed."""
    app = example.app
    app.dependency_overrides[example.get_current_user] = lambda: example.User(username="leaked")
    with TestClient(app) as first:
        assert first.get("/users/me").json()["username"] == "leaked"
    with TestClient(app) as second:
        assert second.get("/users/me").json()["username"] == "leaked"
    app.dependency_overrides.clear()
    with TestClient(app) as third:
        assert third.get("/users/me").status_code == 401


def test_fixture_clears_overrides_on_teardown(example: ModuleType) -> None:
    """The fixture pattern (override, yield the client, clear) leaves no override behind for the next test."""
    fixture = overridden_client(example)
    next(fixture)
    assert set(example.app.dependency_overrides) == {example.get_settings, example.get_current_user}
    with pytest.raises(StopIteration):
        next(fixture)
    assert example.app.dependency_overrides == {}


def test_override_with_its_own_parameters(example: ModuleType) -> None:
    """An override is a dependency too: it may declare its own parameters, here a test-only header."""
    app = example.app

    def user_from_header(x_test_user: Annotated[str, Header()]) -> object:
        return example.User(username=x_test_user)

    app.dependency_overrides[example.get_current_user] = user_from_header
    try:
        with TestClient(app) as client:
            response = client.get("/users/me", headers={"X-Test-User": "carol"})
    finally:
        app.dependency_overrides.clear()
    assert response.json() == {"username": "carol", "is_admin": False}


def test_override_key_must_be_the_same_function(example: ModuleType) -> None:
    """The key is the function object used in Depends(); a look-alike function with the same name overrides nothing."""

    def get_current_user() -> object:
        return example.User(username="impostor")

    app = example.app
    app.dependency_overrides[get_current_user] = get_current_user
    try:
        with TestClient(app) as client:
            response = client.get("/users/me")
    finally:
        app.dependency_overrides.clear()
    assert response.status_code == 401


def test_settings_are_lazy_so_import_needs_no_secret(example: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """get_settings() is only called per request (and cached), so importing the app works without APP_JWT_SECRET."""
    monkeypatch.setenv("APP_JWT_SECRET", TEST_SECRET)
    example.get_settings.cache_clear()
    try:
        with TestClient(example.app) as client:
            token = make_token("dave")
            response = client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        example.get_settings.cache_clear()
    assert response.json() == {"username": "dave", "is_admin": False}


def test_cached_settings_ignore_later_environment_changes(example: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """With an lru_cached get_settings, a changed environment is ignored until get_settings.cache_clear()."""
    monkeypatch.setenv("APP_JWT_SECRET", TEST_SECRET)
    example.get_settings.cache_clear()
    try:
        with TestClient(example.app) as client:
            assert client.get("/features").json() == {"beta": False}
            monkeypatch.setenv("APP_BETA_FEATURES", "true")
            assert client.get("/features").json() == {"beta": False}
            example.get_settings.cache_clear()
            assert client.get("/features").json() == {"beta": True}
    finally:
        example.get_settings.cache_clear()


def test_session_override_is_a_generator_whose_cleanup_runs(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generator override for get_session is used for the request and its code after `yield` runs afterwards."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    module = load_example(DB_APP)
    events: list[str] = []

    class FakeSession:
        async def scalars(self, statement: object) -> list[object]:
            events.append("query")
            return []

    async def fake_get_session() -> AsyncIterator[FakeSession]:
        events.append("open")
        yield FakeSession()
        events.append("close")

    module.app.dependency_overrides[module.get_session] = fake_get_session
    try:
        with TestClient(module.app) as client:
            response = client.get("/todos/")
    finally:
        module.app.dependency_overrides.clear()
    assert response.json() == []
    assert events == ["open", "query", "close"]
