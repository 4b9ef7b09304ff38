from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="APP_",  # APP_PROJECT_NAME, APP_ADMIN_API_KEY, ...
        env_file=".env",  # read from the working directory; real environment variables win
        env_file_encoding="utf-8",
        extra="ignore",  # other keys in a shared .env are not an error
    )

    project_name: str = "Inventory API"
    debug: bool = False
    database_url: str = "sqlite+aiosqlite:///./app.db"
    admin_api_key: SecretStr  # required, no default: the app refuses to start without it
    cors_origins: list[str] = []


@lru_cache
def get_settings() -> Settings:
    return Settings()
