"""The Alembic revision ``scaffold_endpoint`` adds to a project that uses Alembic, run for real: the fixture
``async_alembic`` (a ``src/`` package with async SQLAlchemy, ``alembic.ini``, an async ``env.py`` on the project's
``Base.metadata`` reading ``DATABASE_URL``, one existing revision). After ``write=true``, ``alembic upgrade head``
creates the table with its unique constraint and indexes on SQLite and on PostgreSQL (a throwaway cluster), the
revision matches the model (``alembic check`` finds nothing to generate), and ``alembic downgrade -1`` drops it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import anyio
import sqlalchemy as sa

from fastapi_expert.generate.endpoint import build_endpoint_spec
from fastapi_expert.generate.scaffold import scaffold_endpoint

FIXTURE = Path(__file__).parent / "fixtures" / "async_alembic"
FIELDS = [
    {"name": "sku", "type": "str", "unique": True, "min_length": 3, "max_length": 32},
    {"name": "title", "type": "str", "max_length": 200, "index": True},
    {"name": "code", "type": "str", "max_length": 8, "unique": True, "index": True},
    {"name": "price", "type": "decimal", "ge": 0, "required": False},
]


def scaffolded(tmp_path: Path, **options: object) -> Path:
    root = Path(shutil.copytree(FIXTURE, tmp_path / "shop"))
    spec = build_endpoint_spec("category", FIELDS, **options)  # type: ignore[arg-type]
    result = anyio.run(lambda: scaffold_endpoint(spec, project_dir=root, write=True, roots=[tmp_path]))
    assert any(path.startswith("migrations/versions/") for path in result.written), result.written
    return root


def alembic(root: Path, url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url, "HOME": str(root)}
    run = subprocess.run(
        [sys.executable, "-m", "alembic", *arguments],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def inspect_table(url: str) -> dict[str, object] | None:
    """The ``categories`` table as the database describes it (``None`` when there is none)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    def describe(connection: sa.Connection) -> dict[str, object] | None:
        inspector = sa.inspect(connection)
        if not inspector.has_table("categories"):
            return None
        return {
            "columns": {column["name"] for column in inspector.get_columns("categories")},
            "unique": {tuple(u["column_names"]) for u in inspector.get_unique_constraints("categories")},
            "indexes": {(tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes("categories")},
        }

    async def run() -> dict[str, object] | None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(describe)
        finally:
            await engine.dispose()

    return anyio.run(run)


def check_upgrade_and_downgrade(root: Path, url: str) -> None:
    alembic(root, url, "upgrade", "head")
    table = inspect_table(url)
    assert table is not None
    assert table["columns"] == {"id", "sku", "title", "code", "price"}
    assert ("sku",) in table["unique"]  # type: ignore[operator]
    assert {(("title",), False), (("code",), True)} <= table["indexes"]  # type: ignore[operator]
    alembic(root, url, "check")  # the revision and the model agree: nothing to autogenerate
    alembic(root, url, "downgrade", "-1")
    assert inspect_table(url) is None
    assert "1a2b3c4d5e6f" in alembic(root, url, "current").stdout  # back on the project's own revision


def test_the_revision_upgrades_and_downgrades_on_sqlite(tmp_path: Path) -> None:
    root = scaffolded(tmp_path)
    database = tmp_path / "migrated.db"
    check_upgrade_and_downgrade(root, f"sqlite+aiosqlite:///{database}")


def test_timestamps_get_timezone_aware_columns(tmp_path: Path) -> None:
    root = scaffolded(tmp_path, timestamps=True)
    database = tmp_path / "migrated.db"
    url = f"sqlite+aiosqlite:///{database}"
    alembic(root, url, "upgrade", "head")
    table = inspect_table(url)
    assert table is not None and {"created_at", "updated_at"} <= table["columns"]  # type: ignore[operator]
    alembic(root, url, "check")  # DateTime(timezone=True) in the revision, UTCDateTime in the model


def test_the_revision_upgrades_and_downgrades_on_postgresql(tmp_path: Path, postgres_cluster) -> None:
    root = scaffolded(tmp_path)
    url = postgres_cluster.create_database()
    check_upgrade_and_downgrade(root, url)
