"""The ORM models: one module per model. Every module of this package is imported at start-up, so a model file
dropped in here is registered on ``Base.metadata`` (and gets its table) without editing any list."""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["import_models"]


def import_models() -> list[str]:
    """Import every module of this package, in sorted order; return their names."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names
