"""Configuration from ``[tool.fastapi-expert]`` of the nearest ``pyproject.toml``.

```toml
[tool.fastapi-expert]
select = ["FE"]                    # codes, prefixes or rule names (default: every rule of ours)
ignore = ["FE020"]
per-file-ignores = { "tests/*" = ["FE017"] }
extend-exclude = ["migrations/*"]
ruff-select = ["FAST", "ASYNC"]    # replaces the curated ruff selection
extend-ruff-select = ["PERF"]      # adds to it
fail-on = "warning"                # error | warning | info
```
The ruff target version comes from ``[project] requires-python``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fastapi_expert.errors import ConfigError

__all__ = ["LoadedConfig", "ReviewConfig", "load_config"]


class ReviewConfig(BaseModel):
    """The ``[tool.fastapi-expert]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=lambda name: name.replace("_", "-"))

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    extend_exclude: tuple[str, ...] = ()
    ruff_select: tuple[str, ...] | None = None
    extend_ruff_select: tuple[str, ...] = ()
    fail_on: Literal["error", "warning", "info"] = "warning"

    def fingerprint(self, target_version: str) -> str:
        """A short hash of everything that changes what a review reports (part of the cache key)."""
        payload = self.model_dump_json() + target_version
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """The configuration, the ``pyproject.toml`` it came from (if any) and the ruff target version."""

    config: ReviewConfig
    pyproject: Path | None
    target_version: str


def load_config(start: Path) -> LoadedConfig:
    """Read the nearest ``pyproject.toml`` at or above ``start`` (a file or directory)."""
    directory = start if start.is_dir() else start.parent
    for folder in (directory.resolve(), *directory.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return _load(candidate)
    return LoadedConfig(ReviewConfig(), None, "py311")


def _load(path: Path) -> LoadedConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot be read: {exc}", path=str(path)) from exc
    table = data.get("tool", {}).get("fastapi-expert", {})
    try:
        config = ReviewConfig.model_validate(table)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"[tool.fastapi-expert] {problems}", path=str(path)) from exc
    requires = data.get("project", {}).get("requires-python", "")
    return LoadedConfig(config, path, _target_version(requires if isinstance(requires, str) else ""))


def _target_version(requires_python: str) -> str:
    """``>=3.12`` -> ``py312``; the lowest version the project supports, ``py311`` when it does not say."""
    versions = [(int(major), int(minor)) for major, minor in re.findall(r"(\d+)\.(\d+)", requires_python)]
    lowest = min((v for v in versions if v >= (3, 7)), default=(3, 11))
    return f"py{lowest[0]}{lowest[1]}"
