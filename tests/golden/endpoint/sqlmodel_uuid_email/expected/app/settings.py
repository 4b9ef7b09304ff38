"""Configuration from the environment or a `.env` file, read once.

`DATABASE_URL`, `APP_NAME`, `DEBUG`.
"""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a safe default: the app starts with no environment at all."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    #: SQLite in ./app.db by default;
    #: PostgreSQL with postgresql+asyncpg://user:password@host/db
    database_url: str = "sqlite+aiosqlite:///./app.db"
    app_name: str = "People API"
    debug: bool = False


@lru_cache
def get_settings() -> Settings:
    """The process' settings, built on first use (tests give theirs to `create_app`)."""
    return Settings()
