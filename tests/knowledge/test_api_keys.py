"""Tests for the api-keys knowledge entry."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.knowledge.conftest import LoadExample

API_KEY = secrets.token_hex(32)


@pytest.fixture
def module(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("API_KEY", API_KEY)
    return load_example("examples/api_keys/tutorial001.py")


@pytest.fixture
def client(module: ModuleType) -> Iterator[TestClient]:
    with TestClient(module.app) as client:
        yield client


@pytest.mark.parametrize("path", ["/reports", "/admin/stats"])
def test_correct_key_is_accepted_per_route_and_per_router(client: TestClient, path: str) -> None:
    """The key protects a single route (`dependencies=` on the decorator) and a whole router (on the APIRouter)."""
    response = client.get(path, headers={"X-API-Key": API_KEY})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/reports", "/admin/stats"])
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": API_KEY[:-1]}])
def test_missing_or_wrong_key_is_401_with_challenge(client: TestClient, path: str, headers: dict[str, str]) -> None:
    """A missing or wrong key gets one and the same 401 with a WWW-Authenticate header."""
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "APIKey"
    assert response.json() == {"detail": "Invalid or missing API key"}


def test_non_ascii_key_is_401_not_500(client: TestClient) -> None:
    """Comparing bytes means a non-ASCII header value is just a wrong key, not a crash."""
    response = client.get("/reports", headers={b"X-API-Key": "clé".encode("latin-1")})
    assert response.status_code == 401


def test_unprotected_route_needs_no_key(client: TestClient) -> None:
    """Routes without the dependency stay public."""
    assert client.get("/health").json() == {"status": "ok"}


def test_openapi_documents_the_header_scheme_only_where_used(client: TestClient) -> None:
    """APIKeyHeader adds an `apiKey` security scheme in OpenAPI, attached to the protected operations only."""
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    assert schema["paths"]["/reports"]["get"]["security"] == [{"APIKeyHeader": []}]
    assert schema["paths"]["/admin/stats"]["get"]["security"] == [{"APIKeyHeader": []}]
    assert "security" not in schema["paths"]["/health"]["get"]


def test_the_key_comes_from_the_environment(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """API_KEY is read from the environment and must be long enough to resist guessing."""
    monkeypatch.setenv("API_KEY", "short")
    with pytest.raises(ValidationError):
        module.Settings()
    monkeypatch.delenv("API_KEY")
    with pytest.raises(ValidationError):
        module.Settings()


def test_antipattern_str_compare_digest_crashes_on_non_ascii(
    load_example: LoadExample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compare_digest on two str raises TypeError for non-ASCII input: the client gets a 500 instead of a 401."""
    monkeypatch.setenv("API_KEY", API_KEY)
    module = load_example("antipatterns/api_keys/compare_str.py")
    with TestClient(module.app, raise_server_exceptions=False) as client:
        assert client.get("/reports", headers={"X-API-Key": "wrong"}).status_code == 401
        response = client.get("/reports", headers={b"X-API-Key": "clé".encode("latin-1")})
    assert response.status_code == 500
