"""The reference app shipped in the package, and the copy of it that each validation runs in.

``REFERENCE_APP`` is a small FastAPI project (``app/`` and ``tests/``; ``app.main:app`` is the app) that is not a
package of ``fastapi_expert``: it is copied to a temporary folder, generated files are laid over the copy, and the copy
is run with that folder on ``sys.path``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["REFERENCE_APP", "copy_reference_app"]

#: The root of the shipped reference app: ``app/`` (the package), ``tests/`` and ``pyproject.toml``.
REFERENCE_APP = Path(__file__).parent / "reference_app"

#: What a copy leaves out: bytecode and caches from earlier runs, and any database a run left behind.
_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.db", "*.db-*", ".pytest_cache", ".mypy_cache", ".ruff_cache"
)


def copy_reference_app(dest: Path) -> Path:
    """Copy the reference app into ``dest`` (created if missing) and return the root of the copy, ``dest`` itself:
    ``app/``, ``tests/`` and ``pyproject.toml`` are directly inside it. Give it a fresh folder: files already there
    are kept, and overwritten where the app has a file of the same name.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REFERENCE_APP, dest, ignore=_IGNORED, dirs_exist_ok=True)
    return dest
