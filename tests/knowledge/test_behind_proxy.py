"""Tests for knowledge/behind-proxy.md: proxy headers from trusted proxies, root_path, and the nginx sample."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.exceptions import FastAPIDeprecationWarning
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]

PROXY_APP = "examples/behind_proxy/tutorial001.py"
ROOT_PATH_APP = "examples/behind_proxy/tutorial002.py"
ANTIPATTERN = "antipatterns/behind_proxy/root_path_in_code.py"
NGINX_CONF = Path(__file__).resolve().parents[2] / "knowledge" / "examples" / "behind_proxy" / "nginx.conf"

PROXY = ("10.0.0.5", 41000)  # the reverse proxy's address, as the app server sees it
FORWARDED = {"Host": "api.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


@pytest.fixture
def proxy_app(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The proxy-headers app, trusting the 10.0.0.0/8 network (set through the environment before import)."""
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    return load_example(PROXY_APP)


def test_trusted_proxy_headers_give_https_urls_and_the_real_client(proxy_app: ModuleType) -> None:
    """From a trusted proxy, X-Forwarded-Proto gives https URLs in url_for and X-Forwarded-For sets request.client."""
    with TestClient(proxy_app.app, client=PROXY) as client:
        response = client.get("/items/7", headers=FORWARDED)
    assert response.json() == {
        "self_url": "https://api.example.com/items/7",
        "client_ip": "203.0.113.9",
        "scheme": "https",
    }


def test_untrusted_client_cannot_spoof_headers(proxy_app: ModuleType) -> None:
    """From an address that is not a trusted proxy, the forwarded headers are ignored entirely."""
    with TestClient(proxy_app.app, client=("198.51.100.20", 5000)) as client:
        response = client.get("/items/7", headers=FORWARDED)
    assert response.json() == {
        "self_url": "http://api.example.com/items/7",
        "client_ip": "198.51.100.20",
        "scheme": "http",
    }


def test_client_ip_is_the_rightmost_untrusted_address(proxy_app: ModuleType) -> None:
    """A client-supplied X-Forwarded-For value is skipped: the address the proxy appended is the one used."""
    headers = {**FORWARDED, "X-Forwarded-For": "1.2.3.4, 203.0.113.9"}  # "1.2.3.4" was forged by the client
    with TestClient(proxy_app.app, client=PROXY) as client:
        response = client.get("/items/7", headers=headers)
    assert response.json()["client_ip"] == "203.0.113.9"


def test_host_comes_from_the_host_header_not_x_forwarded_host(proxy_app: ModuleType) -> None:
    """uvicorn's middleware ignores X-Forwarded-Host, so the proxy must pass the public Host header itself."""
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com"}
    with TestClient(proxy_app.app, client=PROXY) as client:
        response = client.get("/items/7", headers=headers)
    assert response.json()["self_url"] == "https://testserver/items/7"


def test_default_trusts_only_localhost(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the default setting only 127.0.0.1 is trusted, so a proxy in another container is ignored."""
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    app = load_example(PROXY_APP).app
    with TestClient(app, client=PROXY) as client:
        remote = client.get("/items/1", headers=FORWARDED).json()
    with TestClient(app, client=("127.0.0.1", 41000)) as client:
        local = client.get("/items/1", headers=FORWARDED).json()
    assert remote["scheme"] == "http"
    assert local["scheme"] == "https"


def test_root_path_prefixes_urls_and_openapi_servers(load_example: LoadExample) -> None:
    """With the server's root_path (what --root-path sets), url_for and the OpenAPI `servers` include the prefix."""
    app = load_example(ROOT_PATH_APP).app
    # uvicorn passes the path with the root_path in front of what the proxy forwarded.
    with TestClient(app, root_path="/api/v1") as client:
        item = client.get("/api/v1/items/3")
        schema = client.get("/api/v1/openapi.json")
        docs = client.get("/api/v1/docs")
    assert item.json() == {"root_path": "/api/v1", "self_url": "http://testserver/api/v1/items/3"}
    assert schema.json()["servers"] == [{"url": "/api/v1"}]
    assert "/api/v1/openapi.json" in docs.text


def test_unstripped_prefix_plus_root_path_is_404(load_example: LoadExample) -> None:
    """If the proxy forwards /api/v1/... unchanged, uvicorn prepends the root path again and the route is not found."""
    app = load_example(ROOT_PATH_APP).app
    with TestClient(app, root_path="/api/v1") as client:
        response = client.get("/api/v1/api/v1/items/3")  # root_path + the unstripped path, as uvicorn builds it
    assert response.status_code == 404


def test_without_root_path_the_prefix_is_lost(load_example: LoadExample) -> None:
    """Without a root_path the app builds URLs without the public prefix, which are broken behind the proxy."""
    app = load_example(ROOT_PATH_APP).app
    with TestClient(app) as client:
        item = client.get("/items/3")
        schema = client.get("/openapi.json")
    assert item.json()["self_url"] == "http://testserver/items/3"
    assert "servers" not in schema.json()


def test_root_path_in_the_constructor_is_deprecated(load_example: LoadExample) -> None:
    """FastAPI(root_path=...) is deprecated: it emits FastAPIDeprecationWarning (configure the server instead)."""
    with pytest.warns(FastAPIDeprecationWarning, match="root_path"):
        module = load_example(ANTIPATTERN)
    with TestClient(module.app) as client:
        assert client.get("/items/1").json() == {"self_url": "http://testserver/api/v1/items/1"}


def nginx_location(prefix: str) -> str:
    """The body of the `location <prefix> { ... }` block in the nginx sample."""
    match = re.search(r"location\s+" + re.escape(prefix) + r"\s*\{(?P<body>[^}]*)\}", NGINX_CONF.read_text())
    assert match is not None, prefix
    return match.group("body")


def nginx_directives(block: str) -> list[list[str]]:
    """Directives of a block as word lists, comments removed."""
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [line.rstrip(";").split() for line in lines if line]


def test_nginx_sets_the_headers_the_app_reads() -> None:
    """nginx passes Host, X-Forwarded-For (appended) and X-Forwarded-Proto, plus the WebSocket upgrade headers."""
    headers = {d[1]: d[2] for d in nginx_directives(nginx_location("/api/v1/")) if d[0] == "proxy_set_header"}
    assert headers == {
        "Host": "$host",
        "X-Forwarded-For": "$proxy_add_x_forwarded_for",
        "X-Forwarded-Proto": "$scheme",
        "Upgrade": "$http_upgrade",
        "Connection": "$connection_upgrade",
    }


def test_nginx_strips_the_prefix_that_root_path_restores() -> None:
    """proxy_pass ends with '/', so nginx strips the location prefix; that prefix equals the app's --root-path."""
    directives = {d[0]: d[1:] for d in nginx_directives(nginx_location("/api/v1/"))}
    assert directives["proxy_pass"] == ["http://fastapi_app/"]
    assert directives["proxy_http_version"] == ["1.1"]
    assert "--root-path /api/v1" in NGINX_CONF.read_text()
    assert re.search(r"upstream fastapi_app\s*\{\s*server api:8000;", NGINX_CONF.read_text())
