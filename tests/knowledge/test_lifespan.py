"""Tests for knowledge/lifespan.md: startup and shutdown with a lifespan context manager."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]


class _WeatherHandler(BaseHTTPRequestHandler):
    """A tiny local upstream: answers /forecast?city=... and records the client port of each request."""

    protocol_version = "HTTP/1.1"  # keep-alive, so a pooled connection is reused
    client_ports: list[int]

    def do_GET(self) -> None:
        self.server.client_ports.append(self.client_address[1])  # type: ignore[attr-defined]
        city = parse_qs(urlsplit(self.path).query).get("city", [""])[0]
        status_code, payload = (503, {"error": "down"}) if city == "atlantis" else (200, {"sky": "clear"})
        body = json.dumps(payload).encode()
        self.send_response(status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def weather_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WeatherHandler)
    server.client_ports = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("WEATHER_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_shared_client_is_open_while_serving_and_closed_at_shutdown(
    load_example: LoadExample, weather_server: ThreadingHTTPServer
) -> None:
    """The lifespan opens one httpx.AsyncClient at startup, exposes it as state and closes it at shutdown."""
    module = load_example("examples/lifespan/tutorial001.py")
    with TestClient(module.app) as client:
        http_client = client.app_state["http_client"]
        assert not http_client.is_closed
        response = client.get("/forecast/oslo")
        assert response.status_code == 200
        assert response.json() == {"city": "oslo", "forecast": {"sky": "clear"}}
    assert http_client.is_closed


def test_requests_reuse_the_pooled_connection(load_example: LoadExample, weather_server: ThreadingHTTPServer) -> None:
    """Sharing one client means requests reuse its connection pool instead of opening a connection each time."""
    module = load_example("examples/lifespan/tutorial001.py")
    with TestClient(module.app) as client:
        for city in ("oslo", "lima", "pune"):
            assert client.get(f"/forecast/{city}").status_code == 200
    ports = weather_server.client_ports  # type: ignore[attr-defined]
    assert len(ports) == 3
    assert len(set(ports)) == 1


def test_settings_are_read_at_startup(load_example: LoadExample, weather_server: ThreadingHTTPServer) -> None:
    """Settings read inside the lifespan come from the environment at startup, not at import."""
    module = load_example("examples/lifespan/tutorial001.py")
    with TestClient(module.app) as client:
        base_url = str(client.app_state["http_client"].base_url)
    assert base_url.rstrip("/") == f"http://127.0.0.1:{weather_server.server_address[1]}"


def test_upstream_failure_becomes_502(load_example: LoadExample, weather_server: ThreadingHTTPServer) -> None:
    """An upstream error is translated into a 502 with a generic message rather than a crash."""
    module = load_example("examples/lifespan/tutorial001.py")
    with TestClient(module.app) as client:
        response = client.get("/forecast/atlantis")
    assert response.status_code == 502
    assert response.json() == {"detail": "Weather service unavailable"}


def test_without_the_context_manager_the_lifespan_never_runs(load_example: LoadExample) -> None:
    """Pitfall: a TestClient used without `with` skips the lifespan, so the state it sets up is missing."""
    module = load_example("examples/lifespan/tutorial001.py")
    client = TestClient(module.app)
    with pytest.raises(AttributeError, match="http_client"):
        client.get("/forecast/oslo")


def test_app_state_is_set_at_startup_and_removed_at_shutdown(
    load_example: LoadExample, caplog: pytest.LogCaptureFixture
) -> None:
    """The app.state variant loads data once at startup and its `finally` block releases it at shutdown."""
    module = load_example("examples/lifespan/tutorial002.py")
    caplog.set_level(logging.INFO, logger=module.__name__)
    with TestClient(module.app) as client:
        assert hasattr(module.app.state, "rates")
        response = client.get("/convert", params={"amount": "100", "currency": "EUR"})
        assert response.status_code == 200
        assert response.json() == {"currency": "EUR", "amount": "92.00"}
        assert client.get("/convert", params={"amount": "1", "currency": "XYZ"}).status_code == 404
    assert not hasattr(module.app.state, "rates")
    assert [record.getMessage() for record in caplog.records] == ["loaded 2 exchange rates", "released exchange rates"]


def test_on_event_is_deprecated_and_ignored_next_to_lifespan(load_example: LoadExample) -> None:
    """Antipattern: on_event warns DeprecationWarning, and with `lifespan=` set its handlers silently never run."""
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        module = load_example("antipatterns/lifespan/on_event.py")
    with TestClient(module.app) as client:
        assert client.get("/status").json() == {"client_ready": False}
