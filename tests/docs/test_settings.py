"""Docs settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_expert.docs.settings import ALLOWED_HOSTS, DEFAULT_TTL, DocsSettings
from fastapi_expert.errors import ConfigError


def test_defaults() -> None:
    settings = DocsSettings.from_env({"XDG_CACHE_HOME": "/xdg"})
    assert settings.cache_dir == Path("/xdg/fastapi-expert/docs")
    assert settings.ttl == DEFAULT_TTL
    assert settings.offline is False
    assert settings.allowed_hosts == ALLOWED_HOSTS


def test_environment_variables() -> None:
    settings = DocsSettings.from_env(
        {
            "FASTAPI_EXPERT_OFFLINE": "1",
            "FASTAPI_EXPERT_CACHE_DIR": "/tmp/c",
            "FASTAPI_EXPERT_DOCS_TTL": "30",
            "FASTAPI_EXPERT_DOCS_HOSTS": "docs.example.com, Other.Example.com",
        }
    )
    assert settings.offline is True
    assert settings.cache_dir == Path("/tmp/c/docs")
    assert settings.ttl == 30
    assert settings.allowed_hosts == ALLOWED_HOSTS | {"docs.example.com", "other.example.com"}


def test_the_test_suite_runs_offline() -> None:
    assert DocsSettings.from_env().offline is True


@pytest.mark.parametrize(
    ("name", "value"),
    [("FASTAPI_EXPERT_OFFLINE", "maybe"), ("FASTAPI_EXPERT_DOCS_TTL", "soon"), ("FASTAPI_EXPERT_DOCS_TTL", "-1")],
)
def test_bad_values_are_config_errors_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        DocsSettings.from_env({name: value})
