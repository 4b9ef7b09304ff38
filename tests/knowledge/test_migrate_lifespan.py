"""Tests for knowledge/migrate-lifespan.md: from @app.on_event to a lifespan context manager."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.applications import Starlette

LoadExample = Callable[[str], ModuleType]

BEFORE = "antipatterns/migrate_lifespan/on_event.py"
MIXED = "antipatterns/migrate_lifespan/mixed.py"
AFTER = "examples/migrate_lifespan/tutorial001.py"
ROUTER_AFTER = "examples/migrate_lifespan/tutorial002.py"


def messages_of(caplog: pytest.LogCaptureFixture, module: ModuleType) -> list[str]:
    """Messages logged by one example module, in order."""
    return [record.getMessage() for record in caplog.records if record.name == module.__name__]


def load_quietly(load_example: LoadExample, path: str) -> ModuleType:
    """Import an on_event sample; each decorator use emits the deprecation warning, which is asserted elsewhere."""
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        return load_example(path)


def test_on_event_is_deprecated(load_example: LoadExample) -> None:
    """Every @app.on_event(...) use emits a DeprecationWarning that points to lifespan handlers."""
    with pytest.warns(DeprecationWarning, match="on_event is deprecated, use lifespan event handlers instead") as rec:
        load_example(BEFORE)
    sites = {(w.filename, w.lineno) for w in rec if w.filename.endswith("on_event.py")}
    assert len(sites) == 4  # one per decorator in the sample


def test_on_event_shutdown_runs_in_registration_order(
    load_example: LoadExample, caplog: pytest.LogCaptureFixture
) -> None:
    """Old behaviour: startup handlers run in order, and shutdown handlers also run first-registered-first."""
    module = load_quietly(load_example, BEFORE)
    caplog.set_level(logging.INFO, logger=module.__name__)
    with TestClient(module.app) as client:
        assert client.get("/greeting").json() == {"greeting": "hello"}
    assert messages_of(caplog, module) == ["database connected", "cache warmed", "database closed", "cache flushed"]


def test_lifespan_starts_in_order_and_stops_in_reverse(
    load_example: LoadExample, caplog: pytest.LogCaptureFixture
) -> None:
    """With the lifespan and an AsyncExitStack, startup runs in order and shutdown in reverse: the cache flushes
    while the database is still open."""
    module = load_example(AFTER)
    caplog.set_level(logging.INFO, logger=module.__name__)
    with TestClient(module.app) as client:
        assert messages_of(caplog, module) == ["database connected", "cache warmed"]
        assert client.get("/greeting").json() == {"greeting": "hello"}
    assert messages_of(caplog, module) == ["database connected", "cache warmed", "cache flushed", "database closed"]


def test_lifespan_state_replaces_app_state_globals(load_example: LoadExample) -> None:
    """Resources are yielded as lifespan state and reach endpoints through request.state, not module globals."""
    module = load_example(AFTER)
    with TestClient(module.app) as client:
        assert set(client.app_state) == {"db", "cache"}
        assert client.get("/greeting").json() == {"greeting": "hello"}
    assert not hasattr(module.app.state, "cache")


def test_resources_close_even_when_a_later_startup_step_fails(
    load_example: LoadExample, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the cache fails to start, the exit stack still closes the database that was already opened."""
    module = load_example(AFTER)
    caplog.set_level(logging.INFO, logger=module.__name__)

    def broken_cache(db: object) -> object:
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(module, "cache", broken_cache)
    with pytest.raises(ConnectionError, match="cache unavailable"), TestClient(module.app):
        pass
    assert messages_of(caplog, module) == ["database connected", "database closed"]


def test_on_event_handlers_are_ignored_once_lifespan_is_set(
    load_example: LoadExample, caplog: pytest.LogCaptureFixture
) -> None:
    """Half-migrated apps break silently: with lifespan= passed, @app.on_event handlers are never called."""
    module = load_quietly(load_example, MIXED)
    caplog.set_level(logging.INFO, logger=module.__name__)
    with TestClient(module.app):
        pass
    assert messages_of(caplog, module) == ["lifespan startup", "lifespan shutdown"]


def test_router_lifespan_nests_inside_the_app_lifespan(
    load_example: LoadExample, caplog: pytest.LogCaptureFixture
) -> None:
    """An APIRouter(lifespan=...) replaces router.on_event: it starts after the app's and stops before it."""
    module = load_example(ROUTER_AFTER)
    caplog.set_level(logging.INFO, logger=module.__name__)
    with TestClient(module.app) as client:
        assert client.get("/reports/").json() == ["daily", "weekly"]
    assert messages_of(caplog, module) == ["app startup", "reports startup", "reports shutdown", "app shutdown"]


def test_starlette_has_dropped_event_handlers() -> None:
    """Starlette no longer has on_event/add_event_handler or on_startup=; FastAPI keeps only a compatibility copy."""
    assert not hasattr(Starlette, "on_event")
    assert not hasattr(Starlette, "add_event_handler")
    assert "on_startup" not in inspect.signature(Starlette.__init__).parameters
    assert hasattr(FastAPI, "on_event")
