"""Settings come from the environment, once; ``create_app(settings)`` makes routes see the settings it was given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings, SettingsDep, get_settings


@pytest.fixture
def clean_settings_cache() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "APP_NAME", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///./app.db"
    assert settings.debug is False


def test_environment_variables_are_read_and_unknown_ones_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://app@/app?host=/run/postgresql")
    monkeypatch.setenv("APP_NAME", "Notes")
    monkeypatch.setenv("SOME_OTHER_SETTING", "ignored")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://app@/app?host=/run/postgresql"
    assert settings.app_name == "Notes"


@pytest.mark.usefixtures("clean_settings_cache")
def test_get_settings_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_NAME", "First")
    first = get_settings()
    monkeypatch.setenv("APP_NAME", "Second")
    assert get_settings() is first


def test_routes_see_the_settings_the_app_was_created_with(settings: Settings) -> None:
    router = APIRouter()

    @router.get("/name")
    async def read_name(current: SettingsDep) -> str:
        return current.app_name

    app = create_app(settings)
    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/name").json() == "Reference app under test"
    assert app.title == "Reference app under test"
