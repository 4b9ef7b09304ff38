"""Tests for knowledge/request-ids.md: an X-Request-ID middleware with a contextvar, in responses and logs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from types import ModuleType

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]

APP = "examples/request_ids/tutorial001.py"


@pytest.fixture
def anyio_backend() -> str:
    """The async test below only needs asyncio."""
    return "asyncio"


@pytest.fixture
def example(load_example: LoadExample) -> ModuleType:
    """The example module, loaded fresh for each test."""
    return load_example(APP)


def is_uuid4(value: str) -> bool:
    """True when the value parses as a version-4 UUID."""
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


def test_missing_id_gets_a_new_uuid4(example: ModuleType) -> None:
    """Without an incoming X-Request-ID the middleware generates a uuid4 and returns it in the response header."""
    with TestClient(example.app) as client:
        response = client.post("/orders/1")
    request_id = response.headers["x-request-id"]
    assert is_uuid4(request_id)
    assert response.json() == {"order_id": 1, "request_id": request_id}


def test_each_request_gets_its_own_id(example: ModuleType) -> None:
    """Generated ids are unique per request."""
    with TestClient(example.app) as client:
        ids = {client.post("/orders/1").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_valid_incoming_id_is_propagated(example: ModuleType) -> None:
    """A well-formed incoming X-Request-ID (say, from the gateway) is kept, so one id follows the call across hops."""
    with TestClient(example.app) as client:
        response = client.post("/orders/2", headers={"X-Request-ID": "gw-7f3a9c21.req_01"})
    assert response.headers["x-request-id"] == "gw-7f3a9c21.req_01"
    assert response.json()["request_id"] == "gw-7f3a9c21.req_01"


@pytest.mark.parametrize(
    "incoming",
    ["short", "a" * 129, "spaces are not allowed", "inject\\nFAKE LOG LINE", "<script>alert(1)</script>"],
)
def test_invalid_incoming_id_is_replaced(example: ModuleType, incoming: str) -> None:
    """An incoming id that is too short, too long or has unsafe characters is replaced by a fresh uuid4."""
    with TestClient(example.app) as client:
        response = client.post("/orders/3", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] != incoming
    assert is_uuid4(response.headers["x-request-id"])


def test_error_responses_carry_the_id_too(example: ModuleType) -> None:
    """Responses the framework produces, such as a 422, pass through the middleware and get the header."""
    with TestClient(example.app) as client:
        response = client.post("/orders/not-a-number")
    assert response.status_code == 422
    assert is_uuid4(response.headers["x-request-id"])


def test_logs_and_background_tasks_carry_the_request_id(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """The log filter stamps records with the id, including a background task that runs after the response."""
    caplog.set_level(logging.INFO, logger=example.__name__)
    with TestClient(example.app) as client:
        response = client.post("/orders/5", headers={"X-Request-ID": "trace-0000-1111"})
    records = [(r.getMessage(), r.request_id) for r in caplog.records if r.name == example.__name__]
    assert records == [
        ("order 5 placed", "trace-0000-1111"),
        ("receipt sent for order 5", "trace-0000-1111"),
    ]
    assert response.headers["x-request-id"] == "trace-0000-1111"


def test_logs_outside_a_request_get_a_placeholder(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """Outside any request the contextvar default '-' is used, so the log format never breaks."""
    caplog.set_level(logging.INFO, logger=example.__name__)
    example.logger.info("startup")
    assert caplog.records[-1].request_id == "-"


@pytest.mark.anyio
async def test_contextvar_is_reset_after_the_request(example: ModuleType) -> None:
    """The middleware resets the contextvar, so the id does not leak into code that runs after the request."""
    transport = httpx.ASGITransport(app=example.app)  # runs the app in this task's context
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/orders/9", headers={"X-Request-ID": "leak-check-123"})
    assert response.headers["x-request-id"] == "leak-check-123"
    assert example.request_id_var.get() == "-"


def test_not_found_responses_carry_the_id(example: ModuleType) -> None:
    """A 404 produced by the router also gets the X-Request-ID header."""
    with TestClient(example.app) as client:
        response = client.get("/no-such-path")
    assert response.status_code == 404
    assert is_uuid4(response.headers["x-request-id"])


def test_unhandled_exception_500_has_no_id(example: ModuleType) -> None:
    """The 500 for an unhandled exception comes from ServerErrorMiddleware, outside user middleware: no header."""

    @example.app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("unexpected")

    with TestClient(example.app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "x-request-id" not in response.headers


def test_logger_filter_does_not_cover_child_loggers(example: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    """A filter on a logger only sees records logged through that logger, not its children: use handler filters."""
    caplog.set_level(logging.INFO)
    logging.getLogger(f"{example.__name__}.child").info("from a child logger")
    assert not hasattr(caplog.records[-1], "request_id")


@pytest.mark.anyio
async def test_interleaved_requests_keep_their_own_ids(example: ModuleType) -> None:
    """Concurrent requests each see their own id even when their handlers interleave on one event loop."""
    gate = anyio.Event()
    results: dict[str, str] = {}

    @example.app.get("/wait")
    async def wait() -> dict[str, str]:
        await gate.wait()  # suspended while the other request runs
        return {"seen": example.request_id_var.get()}

    @example.app.get("/release")
    async def release() -> dict[str, str]:
        gate.set()
        return {"seen": example.request_id_var.get()}

    async def call(client: httpx.AsyncClient, path: str, request_id: str) -> None:
        response = await client.get(path, headers={"X-Request-ID": request_id})
        results[request_id] = response.json()["seen"]

    transport = httpx.ASGITransport(app=example.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        anyio.create_task_group() as task_group,
    ):
        task_group.start_soon(call, client, "/wait", "first-request-1")
        await anyio.wait_all_tasks_blocked()
        task_group.start_soon(call, client, "/release", "second-request-2")
    assert results == {"first-request-1": "first-request-1", "second-request-2": "second-request-2"}
