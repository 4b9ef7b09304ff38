"""Fixtures: one app for the whole run, started (lifespan and all) by `TestClient`;
every test starts with empty tables.

The database is `DATABASE_URL` when it is set (its tables are dropped at the end),
else a SQLite file in a temporary folder.
"""

import os
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.database import drop_tables, empty_tables
from app.main import create_app
from app.settings import Settings


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("database")
    return os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{folder / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> FastAPI:
    return create_app(Settings(database_url=database_url))


@pytest.fixture(scope="session")
def started(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
        assert client.portal is not None
        client.portal.call(drop_tables, app.state.engine)


@pytest.fixture
def client(app: FastAPI, started: TestClient) -> TestClient:
    assert started.portal is not None
    started.portal.call(empty_tables, app.state.engine)
    return started
