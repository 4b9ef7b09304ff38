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
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from fastapi_expert.errors import ConfigError

__all__ = ["LoadedConfig", "ReviewConfig", "load_config"]

_FAIL_ON = ("error", "warning", "info")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewConfig:
    """The ``[tool.fastapi-expert]`` table (keys spelled with dashes: ``per-file-ignores``).

    A plain dataclass checked by ``from_table``: reading it must cost nothing on a review served from the cache.
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    extend_exclude: tuple[str, ...] = ()
    ruff_select: tuple[str, ...] | None = None
    extend_ruff_select: tuple[str, ...] = ()
    fail_on: Literal["error", "warning", "info"] = "warning"

    @classmethod
    def from_table(cls, table: object) -> ReviewConfig:
        """The configuration in ``table``; ``ValueError`` naming every key that is unknown or of the wrong type."""
        if not isinstance(table, dict):
            raise ValueError(f"must be a table, not {_kind(table)}")
        known = {f.name.replace("_", "-"): f.name for f in fields(cls)}
        problems = [f"{key}: unknown key (known: {', '.join(known)})" for key in table if key not in known]
        values: dict[str, Any] = {}
        for key, name in known.items():
            if key not in table:
                continue
            value = table[key]
            if name == "fail_on":
                if value not in _FAIL_ON:
                    problems.append(f"{key}: must be one of {', '.join(_FAIL_ON)}, not {value!r}")
                values[name] = value
            elif name == "per_file_ignores":
                if not isinstance(value, dict):
                    problems.append(f"{key}: must be a table of glob = [codes], not {_kind(value)}")
                    continue
                for glob, codes in value.items():
                    problems += _strings(f"{key}.{glob}", codes)
                values[name] = {glob: tuple(codes) for glob, codes in value.items() if isinstance(codes, list)}
            else:
                problems += _strings(key, value)
                values[name] = tuple(value) if isinstance(value, list) else value
        if problems:
            raise ValueError("; ".join(problems))
        return cls(**values)

    def fingerprint(self, target_version: str) -> str:
        """A short hash of everything that changes what a review reports (part of the cache key)."""
        payload = json.dumps(asdict(self), sort_keys=True) + target_version
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _kind(value: object) -> str:
    names = {dict: "a table", list: "an array", str: "a string", bool: "a boolean", int: "an integer", float: "a float"}
    return names.get(type(value), f"a {type(value).__name__}")


def _strings(key: str, value: object) -> list[str]:
    """Problems of ``value`` as an array of strings (``[]`` when it is one)."""
    if not isinstance(value, list):
        return [f"{key}: must be an array of strings, not {_kind(value)}"]
    return [
        f"{key}.{i}: must be a string, not {_kind(item)}" for i, item in enumerate(value) if not isinstance(item, str)
    ]


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
    tool = data.get("tool", {})
    table = tool.get("fastapi-expert", {}) if isinstance(tool, dict) else {}
    try:
        config = ReviewConfig.from_table(table)
    except ValueError as exc:
        raise ConfigError(f"[tool.fastapi-expert] {exc}", path=str(path)) from exc
    requires = data.get("project", {}).get("requires-python", "")
    return LoadedConfig(config, path, _target_version(requires if isinstance(requires, str) else ""))


def _target_version(requires_python: str) -> str:
    """``>=3.12`` -> ``py312``; the lowest version the project supports, ``py311`` when it does not say."""
    versions = [(int(major), int(minor)) for major, minor in re.findall(r"(\d+)\.(\d+)", requires_python)]
    lowest = min((v for v in versions if v >= (3, 7)), default=(3, 11))
    return f"py{lowest[0]}{lowest[1]}"
