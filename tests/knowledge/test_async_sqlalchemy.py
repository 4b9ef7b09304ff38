"""Tests for knowledge/async-sqlalchemy.md: async engine and sessions owned by the lifespan."""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.exc import InvalidRequestError, OperationalError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

LoadExample = Callable[[str], ModuleType]


# The failed implicit IO leaves an un-awaited aiosqlite coroutine behind: collect it inside the test.
UNAWAITED = pytest.mark.filterwarnings("ignore:coroutine 'Connection.cursor' was never awaited:RuntimeWarning")


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "heroes.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def module(load_example: LoadExample, db_file: Path) -> ModuleType:
    return load_example("examples/async_sqlalchemy/tutorial001.py")


def test_tables_are_created_at_startup(module: ModuleType, db_file: Path) -> None:
    """The lifespan creates the tables before the first request, in the database named by DATABASE_URL."""
    with TestClient(module.app):
        tables = sqlite3.connect(db_file).execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == [("heroes",)]


def test_create_and_list_through_the_session_dependency(module: ModuleType) -> None:
    """Routes get an AsyncSession from SessionDep; the response model hides the secret column."""
    with TestClient(module.app) as client:
        created = client.post("/heroes", json={"name": "Deadpond", "secret_name": "Dive Wilson", "age": 30})
        assert created.status_code == 201
        assert created.json() == {"id": 1, "name": "Deadpond", "age": 30}
        client.post("/heroes", json={"name": "Spider-Boy", "secret_name": "Pedro Parqueador"})
        heroes = client.get("/heroes").json()
    assert [hero["name"] for hero in heroes] == ["Deadpond", "Spider-Boy"]
    assert heroes[1]["age"] is None
    assert "Pedro" not in str(heroes)


def test_each_request_returns_its_connection_to_the_pool(module: ModuleType) -> None:
    """The yield dependency closes the session after the request, so no connection stays checked out."""
    with TestClient(module.app) as client:
        engine = client.app_state["engine"]
        client.post("/heroes", json={"name": "Rusty-Man", "secret_name": "Tommy Sharp"})
        assert engine.pool.checkedout() == 0
        assert engine.pool.checkedin() == 1


def test_engine_is_disposed_at_shutdown(module: ModuleType) -> None:
    """Leaving the lifespan disposes the engine: its pooled DBAPI connections are closed."""
    closed: list[Any] = []
    with TestClient(module.app) as client:
        engine = client.app_state["engine"]
        event.listen(engine.sync_engine, "close", lambda dbapi_connection, record: closed.append(dbapi_connection))
        client.get("/heroes")
        assert closed == []
    assert len(closed) == 1


def test_in_memory_database_works_for_tests(load_example: LoadExample, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sqlite+aiosqlite://` (in memory) gets a StaticPool, so the tables made at startup are seen by requests."""
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite://")
    module = load_example("examples/async_sqlalchemy/tutorial001.py")
    with TestClient(module.app) as client:
        assert type(client.app_state["engine"].pool).__name__ == "StaticPool"
        client.post("/heroes", json={"name": "Tarantula", "secret_name": "Natalia Roman-on"})
        assert len(client.get("/heroes").json()) == 1


@UNAWAITED
def test_expire_on_commit_true_breaks_attribute_access(load_example: LoadExample) -> None:
    """Antipattern: with the default expire_on_commit=True, reading an attribute after commit needs implicit IO,
    which an AsyncSession cannot do: MissingGreenlet."""
    module = load_example("antipatterns/async_sqlalchemy/expire_on_commit.py")
    with TestClient(module.app) as client, pytest.raises(StatementError, match="MissingGreenlet"):
        client.post("/heroes", params={"name": "Thor"})
    gc.collect()


def test_selectinload_loads_relationships_eagerly(load_example: LoadExample, db_file: Path) -> None:
    """selectinload(Team.heroes) loads the relationship inside the awaited query, so serialization needs no IO."""
    module = load_example("examples/async_sqlalchemy/tutorial002.py")
    with TestClient(module.app) as client:
        teams = client.get("/teams").json()
    assert teams == [
        {"id": 1, "name": "Avengers", "heroes": [{"id": 1, "name": "Iron Man"}, {"id": 2, "name": "Thor"}]}
    ]


def test_lazy_raise_turns_a_forgotten_eager_load_into_an_error(load_example: LoadExample, db_file: Path) -> None:
    """With lazy="raise", touching a relationship that was not eagerly loaded raises at once."""
    module = load_example("examples/async_sqlalchemy/tutorial002.py")

    async def heroes_without_eager_load(sessionmaker: Any) -> None:
        async with sessionmaker() as session:
            team = await session.scalar(select(module.Team))
            team.heroes  # noqa: B018 - the attribute access is what is being tested

    with TestClient(module.app) as client:
        portal, sessionmaker = client.portal, client.app_state["sessionmaker"]
        assert portal is not None
        with pytest.raises(InvalidRequestError, match="lazy='raise'"):
            portal.call(heroes_without_eager_load, sessionmaker)


def test_seed_runs_once(load_example: LoadExample, db_file: Path) -> None:
    """The startup seed is idempotent: a second startup against the same database adds nothing."""
    for _ in range(2):
        module = load_example("examples/async_sqlalchemy/tutorial002.py")
        with TestClient(module.app) as client:
            teams = client.get("/teams").json()
    assert len(teams) == 1
    assert len(teams[0]["heroes"]) == 2


@UNAWAITED
def test_default_lazy_loading_fails_in_async(load_example: LoadExample) -> None:
    """Antipattern: a default lazy relationship read after an async query triggers implicit IO: MissingGreenlet."""
    module = load_example("antipatterns/async_sqlalchemy/lazy_load.py")
    with TestClient(module.app) as client, pytest.raises(StatementError, match="MissingGreenlet"):
        client.get("/teams")
    gc.collect()


def test_async_session_has_no_legacy_query_api() -> None:
    """AsyncSession offers only the 2.0 API: there is no `query()`; use select() with scalars/execute/get."""
    assert not hasattr(AsyncSession, "query")
    assert all(hasattr(AsyncSession, name) for name in ("scalars", "scalar", "execute", "get"))


@pytest.mark.anyio
async def test_in_memory_database_needs_a_single_connection() -> None:
    """Each new connection to `sqlite+aiosqlite://` is a new, empty database: without the StaticPool that
    aiosqlite picks by default, tables created on one connection are missing on the next."""
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync_conn: sync_conn.exec_driver_sql("CREATE TABLE heroes (id INTEGER)"))
        async with engine.connect() as conn:
            with pytest.raises(OperationalError, match="no such table"):
                await conn.exec_driver_sql("SELECT * FROM heroes")
    finally:
        await engine.dispose()
