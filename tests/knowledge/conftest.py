"""Fixtures for the knowledge tests: import an example file as a fresh, uniquely named module."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"

LoadExample = Callable[[str], ModuleType]


@pytest.fixture
def load_example() -> Iterator[LoadExample]:
    """Return a loader: ``load_example("examples/cors/tutorial001.py")`` imports that file as a new module.

    Each call gets its own module object, so module-level state (an in-memory store, a counter) never leaks from
    one test into another. The modules are removed from ``sys.modules`` afterwards.
    """
    loaded: list[str] = []

    def load(relative_path: str) -> ModuleType:
        path = KNOWLEDGE_DIR / relative_path
        if not path.is_file():
            raise FileNotFoundError(path)
        name = "knowledge_example_" + "_".join(path.relative_to(KNOWLEDGE_DIR).with_suffix("").parts)
        name = f"{name}_{len(loaded)}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in loaded:
        sys.modules.pop(name, None)
