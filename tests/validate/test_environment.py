"""The validation environment of a project's settings: required fields get test values of their types, a database
URL override that defaults to nothing points at SQLite in the copy, and the project's env file wins."""

from __future__ import annotations

from pathlib import Path

from fastapi_expert.validate.environment import describe, settings_environment, settings_fields

SETTINGS = """
from typing import ClassVar, Literal

from pydantic import EmailStr, Field, PostgresDsn
from pydantic_settings import BaseSettings, SettingsConfigDict


class Common(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", env_file=(".env", ".env.local"))
    NAME: str
    DEBUG: bool = False


class Settings(Common):
    PORT: int
    RATIO: float
    FLAG: bool
    ADMIN: EmailStr
    DSN: PostgresDsn
    SENTRY: "HttpUrl | None"
    MODE: Literal["dev", "prod"]
    HOSTS: list[str]
    LABELS: dict[str, str]
    TOKEN: str = Field(alias="API_TOKEN")
    SECRET: str = Field(...)
    OPTIONAL: str = Field(default="x")
    MADE: list[str] = Field(default_factory=list)
    LIMIT: ClassVar[int]
    DATABASE_URL: str | None = None

    @property
    def SQLALCHEMY_DATABASE_URI(self) -> str:
        return self.DATABASE_URL or "postgresql://"


class NotSettings:
    REQUIRED: str
"""


def project(tmp_path: Path, source: str, env: str | None = None) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "config.py").write_text(source)
    if env is not None:
        (tmp_path / ".env").write_text(env)
    return tmp_path


def test_required_fields_get_test_values_of_their_types_under_the_prefix(tmp_path: Path) -> None:
    root = project(tmp_path, SETTINGS)
    environment = settings_environment(root, "app/config.py")
    assert environment == {
        "SHOP_NAME": "test",
        "SHOP_PORT": "1",
        "SHOP_RATIO": "1.0",
        "SHOP_FLAG": "false",
        "SHOP_ADMIN": "test@example.com",
        "SHOP_DSN": "postgresql://test:test@localhost:5432/test",
        "SHOP_SENTRY": "http://localhost",
        "SHOP_MODE": "dev",
        "SHOP_HOSTS": "[]",
        "SHOP_LABELS": "{}",
        "API_TOKEN": "test",
        "SHOP_SECRET": "test",
        "SHOP_DATABASE_URL": f"sqlite:///{tmp_path.resolve()}/.fastapi-expert-validation.db",
    }
    assert describe({"B": "2", "A": "1"}) == "A=1, B=2"


def test_the_env_file_wins_and_an_async_session_gets_aiosqlite(tmp_path: Path) -> None:
    root = project(tmp_path, SETTINGS, env="# the deployment's values\nSHOP_NAME=Shop\nexport SHOP_PORT=8000\n")
    environment = settings_environment(root, "app/config.py", is_async=True)
    assert "SHOP_NAME" not in environment and "SHOP_PORT" not in environment
    assert environment["SHOP_DATABASE_URL"].startswith("sqlite+aiosqlite:///")


def test_a_url_with_a_real_default_and_plain_classes_are_left_alone(tmp_path: Path) -> None:
    source = """
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    class Config:
        env_prefix = "APP_"

    DATABASE_URL: str = "sqlite:///./app.db"
    name: str


class Other:
    DATABASE_URL: str | None = None
"""
    assert settings_environment(project(tmp_path, source), "app/config.py") == {"APP_name": "test"}


def test_dict_config_prefix_and_fields(tmp_path: Path) -> None:
    source = """
import pydantic_settings


class Settings(pydantic_settings.BaseSettings):
    model_config = {"env_prefix": "X_"}
    db_url: str = ""
"""
    fields, env_files = settings_fields(source)
    assert [(f.variable, f.required, f.default_is_empty) for f in fields] == [("X_db_url", False, True)]
    assert env_files == []
    assert settings_environment(project(tmp_path, source), "app/config.py")["X_db_url"].startswith("sqlite:///")


def test_no_settings_module_or_an_unparsable_one_gives_nothing(tmp_path: Path) -> None:
    assert settings_environment(tmp_path, None) == {}
    assert settings_environment(tmp_path, "app/missing.py") == {}
    assert settings_environment(project(tmp_path, "class Settings(:\n"), "app/config.py") == {}
