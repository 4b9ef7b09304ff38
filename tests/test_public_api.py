"""Each module's public API is its ``__all__``: sorted, and naming only what the module defines."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import fastapi_expert

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(fastapi_expert.__path__, prefix="fastapi_expert.")
    if not info.name.endswith("__main__")
)


def isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps ``__all__`` in: CONSTANTS, then Classes, then functions and the rest."""
    if name.isupper() or (name.upper() == name and "_" in name):
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("name", ["fastapi_expert", *MODULES])
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        # A package without __all__ exposes only its submodules.
        public = [n for n, v in vars(module).items() if not n.startswith("_") and not inspect.ismodule(v)]
        assert public == [], f"{name} has public names but no __all__"
        return
    assert list(exported) == sorted(exported, key=isort_key), f"{name}.__all__ is not sorted"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which it does not define"
    defined_here = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and getattr(value, "__module__", None) == name
        and (isinstance(value, type) or callable(value))
    }
    assert defined_here <= set(exported), f"{name} defines {sorted(defined_here - set(exported))} outside __all__"
