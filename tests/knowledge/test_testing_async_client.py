"""Tests for knowledge/testing-async-client.md: httpx.AsyncClient with ASGITransport in async tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any

import httpx
import httpx2
import pytest
from anyio import wait_all_tasks_blocked
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

LoadExample = Callable[[str], ModuleType]

JOBS_APP = "examples/testing_async_client/tutorial001.py"


@pytest.fixture
def anyio_backend() -> str:
    """The example uses asyncio.Queue, so run these tests on asyncio only."""
    return "asyncio"


def with_lifespan_state(app: FastAPI, state: dict[str, Any]) -> ASGIApp:
    """Do what a server does for each request: hand the app a shallow copy of the lifespan state."""

    async def app_with_state(scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"] = dict(state)
        await app(scope, receive, send)

    return app_with_state


@pytest.fixture
async def running(load_example: LoadExample) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    """Run the lifespan around the test, on the test's own event loop, and yield a client plus the lifespan state."""
    app = load_example(JOBS_APP).app
    async with app.router.lifespan_context(app) as state:
        transport = httpx.ASGITransport(app=with_lifespan_state(app, state))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, state


@pytest.mark.anyio
async def test_test_awaits_app_objects_on_the_same_loop(running: tuple[httpx.AsyncClient, dict[str, Any]]) -> None:
    """The test shares the app's event loop, so it can await the app's queue until the background worker is done."""
    client, state = running
    response = await client.post("/jobs/")
    assert response.status_code == 202
    assert response.json() == {"id": 1, "status": "queued"}
    await state["queue"].join()
    done = await client.get("/jobs/1")
    assert done.status_code == 200
    assert done.json() == {"id": 1, "status": "done"}


@pytest.mark.anyio
async def test_unknown_job_is_404(running: tuple[httpx.AsyncClient, dict[str, Any]]) -> None:
    """Ordinary assertions on status and JSON work the same as with TestClient."""
    client, _ = running
    response = await client.get("/jobs/42")
    assert response.status_code == 404
    assert response.json() == {"detail": "Job not found"}


@pytest.mark.anyio
async def test_asgi_transport_does_not_run_lifespan(load_example: LoadExample) -> None:
    """ASGITransport sends only HTTP requests: without running the lifespan yourself, its state is missing."""
    app = load_example(JOBS_APP).app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        with pytest.raises(AttributeError, match="queue"):
            await client.post("/jobs/")


@pytest.mark.anyio
async def test_lifespan_context_alone_does_not_wire_yielded_state(load_example: LoadExample) -> None:
    """Entering app.router.lifespan_context(app) runs startup, but state it yields is not put into request scopes."""
    app = load_example(JOBS_APP).app
    async with app.router.lifespan_context(app) as state:
        assert set(state) == {"queue", "jobs"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            with pytest.raises(AttributeError, match="queue"):
                await client.post("/jobs/")


@pytest.mark.anyio
async def test_shutdown_runs_when_lifespan_context_exits(load_example: LoadExample) -> None:
    """Leaving the lifespan context runs the shutdown half: the worker is cancelled and queued jobs stay unprocessed."""
    app = load_example(JOBS_APP).app
    async with app.router.lifespan_context(app) as state:
        pass
    await state["queue"].put(99)
    await wait_all_tasks_blocked()  # a live worker would take the job here
    assert state["queue"].qsize() == 1
    assert state["jobs"] == {}


@pytest.mark.anyio
async def test_httpx2_client_is_a_drop_in(load_example: LoadExample) -> None:
    """httpx2 (what Starlette's TestClient now uses) has the same AsyncClient/ASGITransport API."""
    app = load_example(JOBS_APP).app
    async with app.router.lifespan_context(app) as state:
        transport = httpx2.ASGITransport(app=with_lifespan_state(app, state))
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/jobs/")
            await state["queue"].join()
            done = await client.get("/jobs/1")
    assert response.status_code == 202
    assert done.json() == {"id": 1, "status": "done"}
