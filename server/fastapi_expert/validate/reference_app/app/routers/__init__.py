"""The app's routes, one module per resource. ``create_app`` includes the ``router`` of every module of this
package (sorted by name), so a router module dropped in here is served without editing any list."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

__all__ = ["discover_routers"]


def discover_routers() -> list[APIRouter]:
    """The module-level ``router`` (an ``APIRouter``) of each module of this package, in module name order.

    Modules whose name starts with ``_`` and modules without such a ``router`` (shared helpers) are skipped.
    """
    routers = []
    for name in sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")):
        module = importlib.import_module(f"{__name__}.{name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers
