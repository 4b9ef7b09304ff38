"""Tests for the cors-trusted-hosts knowledge entry."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.knowledge.conftest import LoadExample

FRONTEND = "http://localhost:5173"
EVIL = "https://evil.example"


@pytest.fixture
def cors(load_example: LoadExample) -> Iterator[TestClient]:
    module = load_example("examples/cors_trusted_hosts/tutorial001.py")
    with TestClient(module.app) as client:
        yield client


def preflight(client: TestClient, origin: str, method: str = "POST", headers: str = "Content-Type") -> httpx.Response:
    return client.options(
        "/items",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def test_preflight_from_allowed_origin(cors: TestClient) -> None:
    """A preflight from a listed origin is answered with that exact origin, credentials, methods and max-age."""
    response = preflight(cors, FRONTEND, headers="Authorization, Content-Type")
    assert response.status_code == 200
    headers = response.headers
    assert headers["access-control-allow-origin"] == FRONTEND
    assert headers["access-control-allow-credentials"] == "true"
    assert set(headers["access-control-allow-methods"].split(", ")) == {"GET", "POST", "PUT", "DELETE"}
    assert headers["access-control-max-age"] == "600"
    assert "Origin" in headers["vary"]


@pytest.mark.parametrize("origin", [EVIL, FRONTEND + "/", "https://localhost:5173"])
def test_preflight_from_other_origin_refused(cors: TestClient, origin: str) -> None:
    """Origins match exactly (scheme, host, port, no trailing slash): anything else gets no Allow-Origin and a 400."""
    response = preflight(cors, origin)
    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("method", "headers", "failure"), [("PATCH", "Content-Type", "method"), ("POST", "X-Custom", "headers")]
)
def test_preflight_for_unlisted_method_or_header_refused(
    cors: TestClient, method: str, headers: str, failure: str
) -> None:
    """A preflight asking for a method or request header that is not listed fails (400), so the browser stops."""
    response = preflight(cors, FRONTEND, method, headers)
    assert response.status_code == 400
    assert response.text == f"Disallowed CORS {failure}"


def test_simple_request_from_allowed_origin_can_read_exposed_headers(cors: TestClient) -> None:
    """An actual request from a listed origin gets the origin echoed, credentials allowed and exposed headers listed."""
    response = cors.get("/items", headers={"Origin": FRONTEND})
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Total-Count"
    assert response.headers["x-total-count"] == "2"


def test_cors_is_not_access_control(cors: TestClient) -> None:
    """A request from an unlisted origin still runs (201): CORS only stops the browser from reading the answer."""
    response = cors.post("/items", headers={"Origin": EVIL})
    assert response.status_code == 201
    assert response.json() == {"status": "created"}
    assert "access-control-allow-origin" not in response.headers


def test_origins_come_from_settings(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> None:
    """CORS_ORIGINS (a JSON list) replaces the default origins."""
    monkeypatch.setenv("CORS_ORIGINS", '["https://app.example.com"]')
    module = load_example("examples/cors_trusted_hosts/tutorial001.py")
    with TestClient(module.app) as client:
        assert preflight(client, "https://app.example.com").status_code == 200
        assert preflight(client, FRONTEND).status_code == 400


@pytest.fixture
def hosts(load_example: LoadExample) -> Iterator[TestClient]:
    module = load_example("examples/cors_trusted_hosts/tutorial002.py")
    with TestClient(module.app, base_url="https://api.example.com") as client:
        yield client


@pytest.mark.parametrize("host", ["api.example.com", "eu.api.example.com", "localhost", "API.EXAMPLE.COM:8443"])
def test_trusted_hosts_are_served(hosts: TestClient, host: str) -> None:
    """Listed hosts, subdomains of a `*.` pattern, any port and any letter case are accepted."""
    response = hosts.get("/", headers={"Host": host})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("host", ["evil.example", "api.example.com.evil.example", "10.0.0.7", "testserver"])
def test_other_hosts_get_400(hosts: TestClient, host: str) -> None:
    """Any other Host header (including a bare IP, as some health checks send) is answered 400."""
    response = hosts.get("/", headers={"Host": host})
    assert response.status_code == 400
    assert response.text == "Invalid host header"


def test_antipattern_wildcard_with_credentials_reflects_any_origin(load_example: LoadExample) -> None:
    """With "*" plus credentials Starlette echoes any Origin and allows credentials: every site can read the data."""
    module = load_example("antipatterns/cors_trusted_hosts/wildcard_credentials.py")
    with TestClient(module.app) as client:
        response = client.get("/account", headers={"Origin": EVIL, "Cookie": "session=abc"})
    assert response.headers["access-control-allow-origin"] == EVIL
    assert response.headers["access-control-allow-credentials"] == "true"


def test_unhandled_500_has_no_cors_headers(load_example: LoadExample) -> None:
    """Unhandled exceptions are answered outside CORSMiddleware, so a 500 reaches the browser without CORS headers."""
    module = load_example("examples/cors_trusted_hosts/tutorial001.py")

    @module.app.get("/crash")
    def crash() -> None:
        raise RuntimeError("boom")

    with TestClient(module.app, raise_server_exceptions=False) as client:
        response = client.get("/crash", headers={"Origin": FRONTEND})
    assert response.status_code == 500
    assert "access-control-allow-origin" not in response.headers
