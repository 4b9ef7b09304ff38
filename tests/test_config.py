"""``[tool.fastapi-expert]``: every key read with its type, every mistake named with its key, in one message."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_expert.config import ReviewConfig, load_config
from fastapi_expert.errors import ConfigError


def _load(tmp_path: Path, table: str) -> ReviewConfig:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.fastapi-expert]\n{table}\n")
    return load_config(tmp_path).config


def test_every_key_is_read(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        'select = ["FE0"]\nignore = ["FE020"]\nper-file-ignores = { "tests/*" = ["FE017", "S105"] }\n'
        'extend-exclude = ["migrations/*"]\nruff-select = ["FAST"]\nextend-ruff-select = ["PERF"]\nfail-on = "info"',
    )
    assert config == ReviewConfig(
        select=("FE0",),
        ignore=("FE020",),
        per_file_ignores={"tests/*": ("FE017", "S105")},
        extend_exclude=("migrations/*",),
        ruff_select=("FAST",),
        extend_ruff_select=("PERF",),
        fail_on="info",
    )


@pytest.mark.parametrize(
    ("table", "problems"),
    [
        ('select = "FE001"', ["select: must be an array of strings, not a string"]),
        ("ignore = [1]", ["ignore.0: must be a string, not an integer"]),
        ('fail-on = "fatal"', ["fail-on: must be one of error, warning, info, not 'fatal'"]),
        ('per-file-ignores = ["tests/*"]', ["per-file-ignores: must be a table of glob = [codes], not an array"]),
        ('per-file-ignores = { "tests/*" = "FE017" }', ["per-file-ignores.tests/*: must be an array of strings"]),
        ("ruff-select = true", ["ruff-select: must be an array of strings, not a boolean"]),
        ('selekt = ["FE001"]\nfail-on = 3', ["selekt: unknown key (known: select, ", "fail-on: must be one of"]),
    ],
)
def test_mistakes_are_named_by_key(tmp_path: Path, table: str, problems: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, table)
    message = str(info.value)
    assert "[tool.fastapi-expert]" in message and str(tmp_path / "pyproject.toml") in message
    for problem in problems:
        assert problem in message


def test_the_fingerprint_changes_with_what_changes_the_report() -> None:
    base = ReviewConfig()
    assert base.fingerprint("py311") == ReviewConfig().fingerprint("py311")
    assert base.fingerprint("py311") != base.fingerprint("py312")
    assert base.fingerprint("py311") != ReviewConfig(ignore=("FE020",)).fingerprint("py311")
    assert base.fingerprint("py311") != ReviewConfig(per_file_ignores={"a/*": ("FE001",)}).fingerprint("py311")
