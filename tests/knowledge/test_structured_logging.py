"""Tests for knowledge/structured-logging.md: JSON logs with the stdlib and an access-log middleware."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]

APP = "examples/structured_logging/tutorial001.py"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The example reconfigures process-wide logging in its lifespan; put it back after each test."""
    root = logging.getLogger()
    root_level = root.level
    saved = {name: logging.getLogger(name) for name in UVICORN_LOGGERS}
    state = {name: (lg.handlers[:], lg.propagate, lg.disabled) for name, lg in saved.items()}
    yield
    root.setLevel(root_level)
    for name, (handlers, propagate, disabled) in state.items():
        saved[name].handlers[:] = handlers
        saved[name].propagate = propagate
        saved[name].disabled = disabled


@pytest.fixture
def example(load_example: LoadExample, caplog: pytest.LogCaptureFixture) -> ModuleType:
    """The example, with caplog formatting its captured records through the example's JsonFormatter."""
    module = load_example(APP)
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(module.JsonFormatter())
    return module


def json_lines(text: str, logger: str | None = None) -> list[dict[str, Any]]:
    """Parse one JSON object per line, optionally keeping one logger's entries."""
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [entry for entry in entries if logger is None or entry["logger"] == logger]


def test_access_log_line_is_json_with_request_fields(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """Each request logs one JSON line with method, path, route, status, duration_ms and the request id."""
    with TestClient(example.app) as client:
        response = client.get("/items/1?token=secret-value")
    [entry] = json_lines(caplog.text, "app.access")
    assert entry["message"] == "request completed"
    assert entry["level"] == "INFO"
    assert entry["method"] == "GET"
    assert entry["path"] == "/items/1"
    assert entry["route"] == "/items/{item_id}"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["duration_ms"] >= 0
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["time"].endswith("+00:00")


def test_query_strings_are_not_logged(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """The app's log lines record the path only, so tokens in query strings never reach them."""
    with TestClient(example.app) as client:
        client.get("/items/1?token=secret-value")
    server_side = [entry for entry in json_lines(caplog.text) if entry["logger"].startswith("app")]
    assert len(server_side) == 2
    assert "secret-value" not in json.dumps(server_side)


def test_http_clients_log_full_urls_at_info(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """HTTPX-based clients (here the TestClient's) log every URL with its query string at INFO."""
    with TestClient(example.app) as client:
        client.get("/items/1?token=secret-value")
    client_entries = [e for e in json_lines(caplog.text) if e["logger"] in {"httpx", "httpx2"}]
    assert client_entries
    assert all(entry["level"] == "INFO" for entry in client_entries)
    assert "token=secret-value" in client_entries[0]["message"]


def test_application_logs_share_the_request_id_and_extra_fields(
    example: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    """App log records get the same request id as the access line, and `extra=` fields become JSON keys."""
    with TestClient(example.app) as client:
        client.get("/items/2")
    [app_entry] = json_lines(caplog.text, "app")
    [access_entry] = json_lines(caplog.text, "app.access")
    assert app_entry["message"] == "item read"
    assert app_entry["item_id"] == 2
    assert app_entry["request_id"] == access_entry["request_id"]


def test_error_statuses_are_logged(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """HTTPException and validation responses are logged with their real status codes."""
    with TestClient(example.app) as client:
        client.get("/items/99")
        client.get("/items/abc")
    assert [entry["status"] for entry in json_lines(caplog.text, "app.access")] == [404, 422]


def test_unhandled_exception_is_logged_as_500(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """When the app raises, the access line is still written, with status 500, before the error propagates."""

    @example.app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("unexpected")

    with TestClient(example.app, raise_server_exceptions=False) as client:
        assert client.get("/boom").status_code == 500
    [entry] = json_lines(caplog.text, "app.access")
    assert entry["status"] == 500
    assert entry["path"] == "/boom"


def test_exceptions_are_serialised_into_the_entry(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """logger.exception() keeps the traceback inside the JSON object, so one event stays one line."""
    try:
        raise ValueError("bad value")
    except ValueError:
        example.logger.exception("failed")
    lines = caplog.text.splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "ERROR"
    assert "ValueError: bad value" in entry["exception"]
    assert entry["request_id"] is None


def test_lifespan_sends_every_logger_to_stdout_as_json(example: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    """configure_logging (run by the lifespan) makes the root handler JSON, including uvicorn's error logger."""
    with TestClient(example.app) as client:
        client.get("/items/1")
        logging.getLogger("uvicorn.error").info("server message")
        logging.getLogger("some.library").warning("library warning")
    entries = json_lines(capsys.readouterr().out)
    assert {(e["logger"], e["message"]) for e in entries} >= {
        ("app.access", "request completed"),
        ("uvicorn.error", "server message"),
        ("some.library", "library warning"),
    }
    assert logging.getLogger("uvicorn.access").disabled is True


def test_lifespan_shutdown_removes_its_handler(example: ModuleType) -> None:
    """The handler added at startup is removed at shutdown, so repeated startups do not duplicate log lines."""
    root = logging.getLogger()
    before = list(root.handlers)
    with TestClient(example.app):
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1
        assert isinstance(added[0].formatter, example.JsonFormatter)
    assert root.handlers == before


def test_non_serialisable_extra_values_are_stringified(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """json.dumps(default=str) turns values JSON cannot encode into strings instead of failing the log call."""
    example.logger.info("scheduled", extra={"when": datetime(2030, 1, 2, tzinfo=UTC), "tags": {"a"}})
    [entry] = json_lines(caplog.text, "app")
    assert entry["when"] == "2030-01-02 00:00:00+00:00"
    assert entry["tags"] == "{'a'}"
