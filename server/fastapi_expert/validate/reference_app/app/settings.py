"""Configuration from the environment (``DATABASE_URL``, ``APP_NAME``, ``DEBUG``), read once and cached."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a safe default, so the app starts with no environment at all (SQLite in ``./app.db``)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./app.db"
    app_name: str = "Reference app"
    debug: bool = False


@lru_cache
def get_settings() -> Settings:
    """The process' settings, built on first use; tests pass their own ``Settings`` to ``create_app`` instead."""
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]
