"""Fixtures of the scaffold tests: generated projects written to ``tmp_path``, and imported in-process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastapi_expert.models import GeneratedFile
from tests.postgres import PostgresCluster, start_postgres_or_skip

PROJECT_FIXTURES = Path(__file__).parents[1] / "project" / "fixtures"

#: A resource with a constraint of each kind, a unique, an indexed enum and a URL.
FIELDS: list[dict[str, object]] = [
    {"name": "sku", "type": "str", "unique": True, "min_length": 3, "max_length": 32, "pattern": "^[A-Z0-9-]+$"},
    {"name": "title", "type": "str", "max_length": 200},
    {"name": "price", "type": "float", "ge": 0},
    {"name": "quantity", "type": "int", "required": False, "default": 0, "index": True},
    {
        "name": "status",
        "type": "str",
        "enum": ["draft", "active"],
        "index": True,
        "required": False,
        "default": "draft",
    },
    {"name": "homepage", "type": "url", "required": False},
]


def write_files(root: Path, files: list[GeneratedFile]) -> Path:
    for file in files:
        target = root / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.content, encoding="utf-8")
    return root


@pytest.fixture
def import_project() -> Iterator[object]:
    """``import_project(root)`` imports ``app.main`` from ``root``; the ``app`` modules are forgotten afterwards."""

    def forget() -> None:
        for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
            del sys.modules[name]
        # SQLModel keeps one registry for the process: the previous project's tables go with its modules.
        from sqlmodel import SQLModel

        SQLModel.metadata.clear()
        SQLModel._sa_registry.dispose()
        SQLModel._sa_registry._class_registry.clear()  # type: ignore[attr-defined]

    roots: list[str] = []

    def load(root: Path):
        forget()
        sys.path.insert(0, str(root))
        roots.append(str(root))
        import app.main

        return app.main

    yield load
    forget()
    for root in roots:
        sys.path.remove(root)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    with start_postgres_or_skip() as cluster:
        yield cluster
