"""Fixtures: an app per test on its own database, started (lifespan and all) by ``with TestClient(app)``.

The database is ``DATABASE_URL`` when it is set (PostgreSQL in CI, one database reserved for this run: its tables
are dropped after each test) and otherwise a fresh SQLite file in the test's ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio.from_thread import BlockingPortal
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.database import Base
from app.main import create_app
from app.settings import Settings


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, app_name="Reference app under test")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
        engine: AsyncEngine = app.state.engine
        assert client.portal is not None
        client.portal.call(drop_tables, engine)


@pytest.fixture
def portal(client: TestClient) -> BlockingPortal:
    """The event loop the started app runs in: ``portal.call(coroutine_function)`` runs async code there."""
    assert client.portal is not None
    return client.portal


async def drop_tables(engine: AsyncEngine) -> None:
    """Leave a shared database empty for the next test."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
