"""Tests for the middleware knowledge entry."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Awaitable, Callable, Iterator
from types import ModuleType

import pytest
from fastapi import Request, Response, WebSocket
from fastapi.testclient import TestClient

from tests.knowledge.conftest import LoadExample


@pytest.fixture
def timing(load_example: LoadExample) -> ModuleType:
    return load_example("examples/middleware/tutorial001.py")


def test_pure_asgi_middleware_adds_server_timing(timing: ModuleType) -> None:
    """The pure ASGI middleware adds a Server-Timing header with the duration in milliseconds to HTTP responses."""
    with TestClient(timing.app) as client:
        response = client.get("/items")
    assert response.json() == ["hammer"]
    match = re.fullmatch(r"app;dur=(\d+\.\d)", response.headers["server-timing"])
    assert match is not None
    assert float(match.group(1)) >= 0


def test_handled_errors_pass_through_middleware(timing: ModuleType) -> None:
    """404s, 422s and HTTPExceptions are turned into responses inside the middleware stack, so they get the header."""
    with TestClient(timing.app) as client:
        assert "server-timing" in client.get("/missing").headers


def test_unhandled_exceptions_bypass_middleware(timing: ModuleType) -> None:
    """An unhandled exception becomes a 500 outside user middleware: that response carries none of its headers."""

    @timing.app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    with TestClient(timing.app, raise_server_exceptions=False) as client:
        response = client.get("/crash")
    assert response.status_code == 500
    assert "server-timing" not in response.headers


def test_pure_asgi_middleware_lets_websockets_through(timing: ModuleType) -> None:
    """Non-HTTP scopes (websocket, lifespan) pass through a pure ASGI middleware untouched."""

    @timing.app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    with TestClient(timing.app) as client, client.websocket_connect("/ws") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"


@pytest.fixture
def security(load_example: LoadExample) -> Iterator[TestClient]:
    module = load_example("examples/middleware/tutorial002.py")
    with TestClient(module.app) as client:
        yield client


def test_http_middleware_adds_headers_to_every_response(security: TestClient) -> None:
    """The @app.middleware("http") function adds the security headers to every response, errors included."""
    for response in (security.get("/items"), security.get("/missing")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["x-frame-options"] == "DENY"


def test_route_header_wins_over_middleware_default(security: TestClient) -> None:
    """Using setdefault lets a route override one header."""
    response = security.get("/embed")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]


@pytest.fixture
def gzipped(load_example: LoadExample) -> Iterator[TestClient]:
    module = load_example("examples/middleware/tutorial003.py")
    with TestClient(module.app) as client:
        yield client


def test_gzip_compresses_large_responses(gzipped: TestClient) -> None:
    """Responses above minimum_size are gzip-encoded for clients that accept it, with Vary: Accept-Encoding."""
    response = gzipped.get("/report", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    assert response.json() == {"values": list(range(2000))}  # httpx decompressed it
    raw_size = int(response.headers["content-length"])
    assert raw_size < len(response.content) / 2


def test_gzip_skips_small_responses_and_clients_without_gzip(gzipped: TestClient) -> None:
    """Small bodies and clients that do not send Accept-Encoding: gzip get the identity encoding."""
    assert "content-encoding" not in gzipped.get("/ping", headers={"Accept-Encoding": "gzip"}).headers
    assert "content-encoding" not in gzipped.get("/report", headers={"Accept-Encoding": "identity"}).headers


def test_last_added_middleware_is_outermost(load_example: LoadExample) -> None:
    """The last add_middleware call wraps the others: it sees the request first and the response last."""
    module = load_example("examples/middleware/tutorial004.py")
    with TestClient(module.app) as client:
        response = client.get("/trace")
    assert response.json() == ["outer", "inner"]  # order on the way in
    assert response.headers.get_list("x-trace") == ["inner", "outer"]  # order on the way out


def test_trace_middleware_ignores_non_http_scopes(load_example: LoadExample) -> None:
    """Lifespan and websocket scopes pass through the trace middleware without a trace."""
    module = load_example("examples/middleware/tutorial004.py")

    @module.app.websocket("/ws")
    async def state(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(websocket.scope.get("state", {}).get("trace"))
        await websocket.close()

    with TestClient(module.app) as client, client.websocket_connect("/ws") as websocket:
        assert websocket.receive_json() is None


REQUEST_USER: contextvars.ContextVar[str] = contextvars.ContextVar("request_user", default="unset")


def test_http_middleware_does_not_see_context_variables_set_by_the_endpoint(load_example: LoadExample) -> None:
    """@app.middleware("http") runs the app in another task: a ContextVar the endpoint sets is not visible after."""
    module = load_example("examples/middleware/tutorial002.py")

    @module.app.middleware("http")
    async def read_context(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["X-User"] = REQUEST_USER.get()
        return response

    @module.app.get("/whoami")
    async def whoami() -> str:
        REQUEST_USER.set("alice")
        return REQUEST_USER.get()

    with TestClient(module.app) as client:
        response = client.get("/whoami")
    assert response.json() == "alice"
    assert response.headers["x-user"] == "unset"
