"""Where the folders shipped with the package live: ``knowledge/`` and ``prompts/``.

In a wheel they are inside the package (``fastapi_expert/knowledge``), put there by the build's force-include. In a
source checkout (an editable install, the tests) they are at the repository's top level, two levels above this file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

__all__ = ["bundled_dir"]

_PACKAGE_DIR = Path(__file__).resolve().parent

BundledName = Literal["knowledge", "prompts"]


def bundled_dir(name: BundledName) -> Path:
    """Return the directory of the shipped folder ``name``, preferring the copy inside the package."""
    inside = _PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent.parent / name
