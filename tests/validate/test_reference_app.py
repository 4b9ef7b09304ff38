"""The shipped reference app: what a copy holds, its own test suite on SQLite and on PostgreSQL, drop-in routers and
models served from a copy, and the same lint and review gates as our code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from fastapi_expert.validate import reference
from fastapi_expert.validate.reference import REFERENCE_APP, copy_reference_app
from tests.conftest import REPO
from tests.postgres import PostgresCluster

#: Tests in the reference app's own suite (tests/ of the app); update it with the suite.
REFERENCE_TESTS = 44


def run_reference_suite(root: Path, database_url: str | None) -> str:
    """Run the app's own suite as validate_code does (``python -m pytest`` in the copy); pytest's summary line."""
    env = {name: value for name, value in os.environ.items() if name not in {"DATABASE_URL", "PYTHONPATH"}}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    return completed.stdout.strip().splitlines()[-1]


def assert_all_ran_and_passed(summary: str) -> None:
    """Every test ran and passed: nothing skipped, deselected, xfailed or warned about."""
    assert re.fullmatch(rf"{REFERENCE_TESTS} passed in [0-9.]+s( \([0-9:]+\))?", summary), summary


class TestCopy:
    def test_copy_holds_the_app_its_tests_and_its_configuration(self, tmp_path: Path) -> None:
        root = copy_reference_app(tmp_path / "copy")
        assert root == tmp_path / "copy"
        for name in (
            "app/main.py",
            "app/routers/notes.py",
            "app/models/note.py",
            "tests/conftest.py",
            "pyproject.toml",
        ):
            assert (root / name).is_file(), name
        shipped = {p.relative_to(REFERENCE_APP) for p in REFERENCE_APP.rglob("*.py") if "__pycache__" not in p.parts}
        assert {p.relative_to(root) for p in root.rglob("*.py")} == shipped

    def test_copy_leaves_out_bytecode_caches_and_databases(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        source = tmp_path / "source"
        for name in ("app/__init__.py", "app/__pycache__/main.cpython-311.pyc", "app.db", "app.db-journal"):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_text("")
        (source / ".pytest_cache").mkdir()
        monkeypatch.setattr(reference, "REFERENCE_APP", source)
        root = copy_reference_app(tmp_path / "copy")
        assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == ["app", "app/__init__.py"]

    def test_copy_of_the_shipped_app_has_no_bytecode_or_database(self, tmp_path: Path) -> None:
        root = copy_reference_app(tmp_path / "copy")
        unwanted = [p for p in root.rglob("*") if p.name == "__pycache__" or p.suffix in {".pyc", ".db"}]
        assert unwanted == []


@pytest.mark.slow
def test_own_suite_passes_on_sqlite(tmp_path: Path) -> None:
    root = copy_reference_app(tmp_path / "app")
    assert_all_ran_and_passed(run_reference_suite(root, database_url=None))
    assert not list(root.rglob("*.db")), "the suite wrote a database into the app folder"


@pytest.mark.slow
def test_own_suite_passes_on_postgresql(tmp_path: Path, postgres_cluster: PostgresCluster) -> None:
    root = copy_reference_app(tmp_path / "app")
    database_url = postgres_cluster.create_database()
    assert database_url.startswith("postgresql+asyncpg://")
    assert_all_ran_and_passed(run_reference_suite(root, database_url))


DROPPED_IN_MODEL = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
"""

DROPPED_IN_ROUTER = """
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from app.database import SessionDep
from app.models.tag import Tag

router = APIRouter(prefix="/tags", tags=["tags"])


class TagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_tag(name: Annotated[str, Query(max_length=50)], session: SessionDep) -> TagRead:
    tag = Tag(name=name)
    session.add(tag)
    await session.commit()
    return TagRead.model_validate(tag)


@router.get("/")
async def list_tags(session: SessionDep) -> list[TagRead]:
    return [TagRead.model_validate(tag) for tag in await session.scalars(select(Tag).order_by(Tag.id))]
"""

EXERCISE = """
import json
from fastapi.testclient import TestClient
from app.main import app

with TestClient(app) as client:
    created = client.post("/tags/", params={"name": "urgent"})
    listed = client.get("/tags/")
    note = client.post("/notes/", json={"title": "still served"})
print(json.dumps({
    "created": [created.status_code, created.json()],
    "listed": listed.json(),
    "note": note.status_code,
    "paths": sorted(app.openapi()["paths"]),
}))
"""


def test_router_and_model_dropped_into_a_copy_are_served(tmp_path: Path) -> None:
    """What validate_code relies on: files written to app/models and app/routers need no registration."""
    root = copy_reference_app(tmp_path / "app")
    (root / "app/models/tag.py").write_text(DROPPED_IN_MODEL)
    (root / "app/routers/tags.py").write_text(DROPPED_IN_ROUTER)
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    completed = subprocess.run(
        [sys.executable, "-c", EXERCISE], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    result = json.loads(completed.stdout)
    assert result["created"] == [201, {"id": 1, "name": "urgent"}]
    assert result["listed"] == [{"id": 1, "name": "urgent"}]
    assert result["note"] == 201
    assert result["paths"] == ["/health", "/notes/", "/notes/{note_id}", "/tags/"]


class TestGates:
    def test_ruff_check_and_format_are_clean(self) -> None:
        for command in (["check"], ["format", "--check"]):
            completed = subprocess.run(
                [sys.executable, "-m", "ruff", *command, str(REFERENCE_APP)],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            assert completed.returncode == 0, completed.stdout + completed.stderr

    def test_our_review_reports_nothing(self) -> None:
        options = ["--format=json", "--fail-on=info", "--no-cache"]
        completed = subprocess.run(
            [sys.executable, "-m", "fastapi_expert", "review", *options, str(REFERENCE_APP)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        report = json.loads(completed.stdout)
        assert report["findings"] == []
        assert report["summary"]["files"] >= 15

    def test_its_ruff_configuration_selects_what_the_repository_does(self) -> None:
        """The app has its own [tool.ruff] (``app`` is first-party there and in a copy); it must not drift."""
        ours = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["ruff"]
        app = tomllib.loads((REFERENCE_APP / "pyproject.toml").read_text())["tool"]["ruff"]
        assert app["lint"]["select"] == ours["lint"]["select"]
        assert set(app["lint"]["ignore"]) <= set(ours["lint"]["ignore"])
        assert (app["line-length"], app["target-version"]) == (ours["line-length"], ours["target-version"])


def test_repository_run_does_not_collect_the_app_tests_and_a_direct_run_uses_the_app_folder() -> None:
    configuration = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert all(not REFERENCE_APP.is_relative_to(REPO / path) for path in configuration["testpaths"])
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(REFERENCE_APP)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    ids = [line for line in completed.stdout.splitlines() if "::" in line]
    assert len(ids) == REFERENCE_TESTS
    # Relative to the app's folder: its own pyproject.toml is the rootdir and configuration, not the repository's.
    assert all(line.startswith("tests/") for line in ids), ids[:3]
