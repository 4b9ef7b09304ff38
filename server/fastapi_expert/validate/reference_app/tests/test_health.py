"""``GET /health``: ok when the database answers, 503 (and no internals) when it does not."""

from __future__ import annotations

from pathlib import Path

from anyio.from_thread import BlockingPortal
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.database import create_engine


def test_health_is_ok_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_is_503_when_the_database_does_not_answer(
    app: FastAPI, client: TestClient, portal: BlockingPortal, tmp_path: Path
) -> None:
    unreachable = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'app.db'}")
    working = app.state.sessionmaker
    app.state.sessionmaker = async_sessionmaker(unreachable)
    try:
        response = client.get("/health")
    finally:
        app.state.sessionmaker = working
        portal.call(unreachable.dispose)
    assert response.status_code == 503
    assert response.json() == {"detail": "Database unavailable"}


def test_health_is_documented_with_its_503(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/health"]["get"]
    assert set(operation["responses"]) == {"200", "503"}
