"""Tests for knowledge/app-structure-settings.md: a package layout with pydantic-settings configuration."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from dotenv import dotenv_values
from fastapi.testclient import TestClient
from fastapi_cli.discover import get_module_data_from_path
from pydantic import ValidationError

EXAMPLES = Path(__file__).resolve().parents[2] / "knowledge" / "examples"
PACKAGE = "app_structure_settings"
MAIN = EXAMPLES / PACKAGE / "app" / "main.py"


def _forget_package() -> None:
    for name in [name for name in sys.modules if PACKAGE in name.split(".")]:
        del sys.modules[name]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment: no APP_* variables and a working directory without a .env file."""
    for name in list(os.environ):
        if name.startswith("APP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.fixture
def import_app(env: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """Import app/main.py exactly the way `fastapi run app/main.py` does, fresh for each test."""
    module_data = get_module_data_from_path(MAIN)
    env.syspath_prepend(str(module_data.extra_sys_path))
    _forget_package()
    yield importlib.import_module(module_data.module_import_str)
    _forget_package()


def _config(main: ModuleType) -> ModuleType:
    """The `app.core.config` module of the package that `main` belongs to."""
    return sys.modules[main.__name__.rsplit(".", 1)[0] + ".core.config"]


def test_package_imports_without_configuration(import_app: ModuleType) -> None:
    """`fastapi run app/main.py` imports the package with its relative imports, and importing reads no settings,
    so it works without the required secret being set."""
    assert import_app.__name__.endswith(f"{PACKAGE}.app.main")
    paths = set(import_app.app.openapi()["paths"])
    assert paths == {"/", "/items/", "/admin/config"}


def test_settings_come_from_prefixed_environment_variables(import_app: ModuleType, env: pytest.MonkeyPatch) -> None:
    """With env_prefix="APP_", APP_PROJECT_NAME sets `project_name`."""
    env.setenv("APP_ADMIN_API_KEY", "s3cret")
    env.setenv("APP_PROJECT_NAME", "Warehouse")
    with TestClient(import_app.app) as client:
        assert client.get("/").json() == {"project": "Warehouse"}
        assert client.get("/items/").json() == ["hammer", "nails"]


def test_dotenv_file_is_read_and_real_environment_wins(
    import_app: ModuleType, env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Values come from .env in the working directory, but a real environment variable overrides the file."""
    (tmp_path / ".env").write_text(
        "APP_ADMIN_API_KEY=from-dotenv\nAPP_PROJECT_NAME=Dotenv\nAPP_DEBUG=true\nUNRELATED=1\n", encoding="utf-8"
    )
    env.setenv("APP_PROJECT_NAME", "FromEnv")
    settings = _config(import_app).get_settings()
    assert settings.project_name == "FromEnv"
    assert settings.debug is True
    assert settings.admin_api_key.get_secret_value() == "from-dotenv"


def test_missing_secret_fails_at_startup(import_app: ModuleType) -> None:
    """The required secret has no default, and the lifespan loads settings, so startup itself fails."""
    with pytest.raises(ValidationError, match="admin_api_key"), TestClient(import_app.app):
        pass


def test_get_settings_is_cached(import_app: ModuleType, env: pytest.MonkeyPatch) -> None:
    """`@lru_cache` builds Settings once; later env changes are invisible until `cache_clear()`."""
    config = _config(import_app)
    env.setenv("APP_ADMIN_API_KEY", "first")
    first = config.get_settings()
    env.setenv("APP_ADMIN_API_KEY", "second")
    assert config.get_settings() is first
    config.get_settings.cache_clear()
    assert config.get_settings().admin_api_key.get_secret_value() == "second"


def test_settings_dependency_override_in_tests(import_app: ModuleType, env: pytest.MonkeyPatch) -> None:
    """Routes get settings through `Depends(get_settings)`, so a test overrides them without editing the env."""
    config = _config(import_app)
    env.setenv("APP_ADMIN_API_KEY", "real-key")
    import_app.app.dependency_overrides[config.get_settings] = lambda: config.Settings(
        admin_api_key="test-key", project_name="Test", _env_file=None
    )
    with TestClient(import_app.app) as client:
        assert client.get("/").json() == {"project": "Test"}
        assert client.get("/admin/config", headers={"X-Admin-Key": "real-key"}).status_code == 401
        assert client.get("/admin/config", headers={"X-Admin-Key": "test-key"}).status_code == 200


def test_secret_is_masked_and_never_served(import_app: ModuleType, env: pytest.MonkeyPatch) -> None:
    """SecretStr hides the key in repr/logs, and the admin route returns only harmless fields."""
    env.setenv("APP_ADMIN_API_KEY", "s3cret")
    env.setenv("APP_DATABASE_URL", "postgresql+asyncpg://user:dbpass@db/app")
    settings = _config(import_app).get_settings()
    assert "s3cret" not in repr(settings)
    with TestClient(import_app.app) as client:
        assert client.get("/admin/config").status_code == 401
        response = client.get("/admin/config", headers={"X-Admin-Key": "s3cret"})
    assert response.json() == {"project_name": "Inventory API", "debug": False}
    assert "s3cret" not in response.text
    assert "dbpass" not in response.text


def test_env_example_documents_a_valid_configuration(import_app: ModuleType, tmp_path: Path) -> None:
    """.env.example names only real settings, includes every required one, and loads as-is."""
    example = EXAMPLES / PACKAGE / ".env.example"
    values = dotenv_values(example)
    config = _config(import_app)
    fields = {f"APP_{name.upper()}" for name in config.Settings.model_fields}
    required = {f"APP_{name.upper()}" for name, field in config.Settings.model_fields.items() if field.is_required()}
    assert set(values) <= fields
    assert required <= set(values)
    settings = config.Settings(_env_file=example)
    assert settings.cors_origins == ["http://localhost:5173"]
