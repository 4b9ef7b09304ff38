"""Tests for knowledge/testing-database.md: a test database, table creation and isolation between tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool, StaticPool

LoadExample = Callable[[str], ModuleType]

TODO_APP = "examples/testing_database/tutorial001.py"


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """aiosqlite needs asyncio; module scope lets the shared engine fixture below live across tests."""
    return "asyncio"


# --- 1. A temporary database file per test, created by the app's own lifespan ------------------------------------


@pytest.fixture
def file_db_client(load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """Point the app's DATABASE_URL at a new file in tmp_path before import; the lifespan creates the tables."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    app = load_example(TODO_APP).app
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("run", [1, 2])
def test_tmp_file_database_per_test_starts_empty(file_db_client: TestClient, tmp_path: Path, run: int) -> None:
    """Each test gets its own database file: both parametrized runs start with no rows, so nothing leaks."""
    assert file_db_client.get("/todos/").json() == []
    created = file_db_client.post("/todos/", json={"title": f"run {run}"})
    assert created.status_code == 201
    assert created.json() == {"id": 1, "title": f"run {run}"}
    assert file_db_client.get("/todos/").json() == [{"id": 1, "title": f"run {run}"}]
    assert (tmp_path / "test.db").is_file()


def test_overriding_get_session_does_not_stop_the_lifespan(
    load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Overriding get_session alone still lets the lifespan run against the configured URL: configure it for tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    module = load_example(TODO_APP)

    async def no_session() -> AsyncIterator[None]:
        yield None

    module.app.dependency_overrides[module.get_session] = no_session
    try:
        with TestClient(module.app):
            pass
    finally:
        module.app.dependency_overrides.clear()
    assert (tmp_path / "todos.db").is_file()  # the default database was created by the lifespan


# --- 2. In-memory SQLite with StaticPool, get_session overridden --------------------------------------------------


@pytest.fixture
async def memory_client(load_example: LoadExample) -> AsyncIterator[httpx.AsyncClient]:
    """One in-memory database per test: StaticPool keeps the single connection, so every session sees the tables."""
    module = load_example(TODO_APP)
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    async with engine.begin() as conn:
        await conn.run_sync(module.Base.metadata.create_all)
    session_factory = async_sessionmaker(engine, expire_on_commit=False)

    async def override_get_session() -> AsyncIterator[AsyncSession]:
        async with session_factory() as session:
            yield session

    module.app.dependency_overrides[module.get_session] = override_get_session
    transport = httpx.ASGITransport(app=module.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    module.app.dependency_overrides.clear()
    await engine.dispose()


@pytest.mark.anyio
@pytest.mark.parametrize("run", [1, 2])
async def test_in_memory_database_is_shared_by_requests_and_fresh_per_test(
    memory_client: httpx.AsyncClient, run: int
) -> None:
    """Rows written by one request are read by the next (one shared connection); each test starts empty."""
    assert (await memory_client.get("/todos/")).json() == []
    await memory_client.post("/todos/", json={"title": "write tests"})
    await memory_client.post("/todos/", json={"title": f"run {run}"})
    response = await memory_client.get("/todos/")
    assert response.json() == [{"id": 1, "title": "write tests"}, {"id": 2, "title": f"run {run}"}]


@pytest.mark.anyio
async def test_static_pool_hands_out_one_connection() -> None:
    """With StaticPool every checkout is the same DBAPI connection, which is what keeps :memory: data alive."""
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    try:
        async with engine.connect() as first:
            await first.execute(text("CREATE TABLE t (x INTEGER)"))
            await first.execute(text("INSERT INTO t VALUES (1)"))
            await first.commit()
        async with engine.connect() as second:
            assert (await second.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_in_memory_database_dies_with_its_connection() -> None:
    """Without a pool that keeps one connection, each new connection opens a different, empty in-memory database."""
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=NullPool)
    try:
        async with engine.connect() as first:
            await first.execute(text("CREATE TABLE t (x INTEGER)"))
            await first.commit()
        async with engine.connect() as second:
            with pytest.raises(OperationalError, match="no such table"):
                await second.execute(text("SELECT count(*) FROM t"))
    finally:
        await engine.dispose()


# --- 3. One shared database, each test inside a transaction that is rolled back ----------------------------------


@pytest.fixture(scope="module")
async def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    """One database for the whole module. SQLite needs these two hooks so SAVEPOINTs join the outer transaction."""
    path = tmp_path_factory.mktemp("shared") / "shared.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def disable_driver_transactions(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def emit_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    yield engine
    await engine.dispose()


@asynccontextmanager
async def rolled_back_session(engine: AsyncEngine, join_transaction_mode: Any) -> AsyncIterator[AsyncSession]:
    """Connection + outer transaction + a session joined to it; the outer transaction is rolled back at the end."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(bind=connection, join_transaction_mode=join_transaction_mode, expire_on_commit=False)
        try:
            yield session
        finally:
            await session.close()
            if transaction.is_active:
                await transaction.rollback()


@asynccontextmanager
async def client_for(module: ModuleType, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """Serve the app with get_session overridden to hand out the test's session."""

    async def override_get_session() -> AsyncIterator[AsyncSession]:
        yield session

    module.app.dependency_overrides[module.get_session] = override_get_session
    try:
        transport = httpx.ASGITransport(app=module.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        module.app.dependency_overrides.clear()


async def count_committed_todos(engine: AsyncEngine) -> int:
    """Count rows as a separate connection sees them: only data that was really committed."""
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM todos"))).scalar_one()


@pytest.fixture
async def rollback_module(load_example: LoadExample, shared_engine: AsyncEngine) -> ModuleType:
    """Load the app and create its tables once in the shared database (create_all skips existing tables)."""
    module = load_example(TODO_APP)
    async with shared_engine.begin() as conn:
        await conn.run_sync(module.Base.metadata.create_all)
    return module


@pytest.fixture
async def rollback_client(rollback_module: ModuleType, shared_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The per-test fixture: everything the test does, including the endpoint's commits, is rolled back."""
    async with (
        rolled_back_session(shared_engine, "create_savepoint") as session,
        client_for(rollback_module, session) as client,
    ):
        yield client


@pytest.mark.anyio
@pytest.mark.parametrize("run", [1, 2])
async def test_rollback_per_test_isolates_a_shared_database(rollback_client: httpx.AsyncClient, run: int) -> None:
    """The endpoint commits, yet every test on the shared database starts empty: the outer transaction is undone."""
    assert (await rollback_client.get("/todos/")).json() == []
    created = await rollback_client.post("/todos/", json={"title": f"run {run}"})
    assert created.status_code == 201
    assert (await rollback_client.get("/todos/")).json() == [{"id": 1, "title": f"run {run}"}]


@pytest.mark.anyio
async def test_endpoint_commit_only_releases_a_savepoint(
    rollback_module: ModuleType, shared_engine: AsyncEngine
) -> None:
    """Inside the test the row is visible; another connection never sees it, and after rollback it is gone."""
    async with rolled_back_session(shared_engine, "create_savepoint") as session:
        async with client_for(rollback_module, session) as client:
            await client.post("/todos/", json={"title": "invisible"})
            assert len((await client.get("/todos/")).json()) == 1
        assert await count_committed_todos(shared_engine) == 0
    assert await count_committed_todos(shared_engine) == 0


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("mode", "rows_after_app_rollback"),
    [("create_savepoint", 1), ("conditional_savepoint", 0)],
)
async def test_create_savepoint_keeps_app_rollbacks_local(
    rollback_module: ModuleType, shared_engine: AsyncEngine, mode: str, rows_after_app_rollback: int
) -> None:
    """With create_savepoint a rollback in app code undoes only its savepoint; the default mode drops the whole test."""
    todo = rollback_module.Todo
    async with rolled_back_session(shared_engine, mode) as session:
        async with client_for(rollback_module, session) as client:
            await client.post("/todos/", json={"title": "kept"})
        session.add(todo(title="discarded"))
        await session.flush()  # the point where, say, an IntegrityError would be raised
        await session.rollback()  # what app code then does
        rows = (await session.execute(select(func.count()).select_from(todo))).scalar_one()
    assert rows == rows_after_app_rollback
    assert await count_committed_todos(shared_engine) == 0


@pytest.mark.anyio
async def test_without_the_sqlite_hooks_the_commit_leaks(rollback_module: ModuleType, tmp_path: Path) -> None:
    """Without the connect/begin hooks, sqlite3 never really begins the outer transaction, so the row persists."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'nohooks.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(rollback_module.Base.metadata.create_all)
        async with (
            rolled_back_session(engine, "create_savepoint") as session,
            client_for(rollback_module, session) as client,
        ):
            await client.post("/todos/", json={"title": "leaks"})
        assert await count_committed_todos(engine) == 1
    finally:
        await engine.dispose()
