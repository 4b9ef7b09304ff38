"""Tests for the background-tasks knowledge entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType

import pytest
from fastapi import BackgroundTasks, HTTPException
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message

from tests.knowledge.conftest import LoadExample


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def module(load_example: LoadExample) -> ModuleType:
    return load_example("examples/background_tasks/tutorial001.py")


async def call(app: ASGIApp, path: str, on_send: Callable[[Message], None], body: bytes = b"", query: str = "") -> None:
    """Drive the app as an ASGI server would, handing every message the app sends to `on_send`."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    request_messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        return request_messages.pop(0) if request_messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        on_send(message)

    await app(scope, receive, send)


@pytest.mark.anyio
async def test_tasks_run_after_the_response_is_sent(module: ModuleType) -> None:
    """The whole response (status line and body) is sent before any background task runs; the tasks run after."""
    seen: list[tuple[str, int, int]] = []

    def on_send(message: Message) -> None:
        seen.append((message["type"], len(module.outbox), len(module.audit_log)))

    await call(module.app, "/signup", on_send, body=json.dumps({"email": "alice@example.com"}).encode())
    assert seen == [("http.response.start", 0, 0), ("http.response.body", 0, 0)]
    assert module.outbox == ["Welcome, alice@example.com!"]
    assert module.audit_log == ["POST /signup"]


def test_route_and_dependency_share_one_task_list_run_in_order(
    module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks added by a dependency and by the route go into the same list and run in the order they were added."""
    order: list[str] = []
    monkeypatch.setattr(module, "write_audit_log", lambda entry: order.append(f"audit {entry}"))
    monkeypatch.setattr(module, "send_welcome_email", lambda email: order.append(f"email {email}"))
    with TestClient(module.app) as client:
        response = client.post("/signup", json={"email": "alice@example.com"})
    assert response.status_code == 201
    assert response.json() == {"email": "alice@example.com"}
    assert order == ["audit POST /signup", "email alice@example.com"]


def test_no_task_runs_when_the_request_fails_validation(module: ModuleType) -> None:
    """Tasks are only scheduled by code that ran: a 422 from validation queues nothing."""
    with TestClient(module.app) as client:
        assert client.post("/signup", json={"email": "not-an-email"}).status_code == 422
    assert module.outbox == []
    assert module.audit_log == []


def test_tasks_are_dropped_when_the_route_raises(module: ModuleType) -> None:
    """A task added before the route raises an HTTPException never runs: it is dropped with the response."""

    @module.app.post("/conflict")
    def conflict(background_tasks: BackgroundTasks) -> None:
        background_tasks.add_task(module.send_welcome_email, "alice@example.com")
        raise HTTPException(status_code=409, detail="Already registered")

    with TestClient(module.app) as client:
        assert client.post("/conflict").status_code == 409
    assert module.outbox == []
    assert module.audit_log == []


def test_a_failing_task_cannot_change_the_response(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """When a task raises, the client has already received its 201: the error only reaches the server's logs."""

    def broken_email(email: str) -> None:
        raise ConnectionError("SMTP server unreachable")

    monkeypatch.setattr(module, "send_welcome_email", broken_email)
    with TestClient(module.app, raise_server_exceptions=False) as client:
        response = client.post("/signup", json={"email": "alice@example.com"})
    assert response.status_code == 201
    assert module.outbox == []


@pytest.mark.anyio
async def test_antipattern_calling_the_function_runs_it_before_the_response(load_example: LoadExample) -> None:
    """add_task(f(x)) runs f during the request (the client waits for it), then fails with TypeError afterwards."""
    module = load_example("antipatterns/background_tasks/call_instead_of_pass.py")
    sent_when_response_started: list[int] = []

    def on_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            sent_when_response_started.append(len(module.outbox))

    with pytest.raises(TypeError, match="must be callable"):
        await call(module.app, "/signup", on_send, query="email=alice@example.com")
    assert sent_when_response_started == [1]
