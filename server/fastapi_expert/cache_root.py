"""Where fastapi-expert keeps its caches: one folder, with a sub-folder or database per capability.

``$FASTAPI_EXPERT_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/fastapi-expert``, else ``~/.cache/fastapi-expert``. The
review keeps ``review.sqlite3`` there and the docs fetcher ``docs/``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_root"]

CACHE_ENV = "FASTAPI_EXPERT_CACHE_DIR"


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """The cache folder ``environ`` (default: this process's environment) names."""
    environ = os.environ if environ is None else environ
    configured = environ.get(CACHE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fastapi-expert"
