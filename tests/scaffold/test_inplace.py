"""``project_dir`` mode on fixture projects (copied to ``tmp_path``): the dry-run diff applies with ``git apply``,
``write=true`` writes it and the project's own tests still pass, the new routes work, lines outside the edits are
byte-identical, the same resource twice is refused, and the Alembic revision goes on the current heads."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from fastapi_expert.errors import InputError
from fastapi_expert.generate.endpoint import build_endpoint_spec
from fastapi_expert.generate.scaffold import scaffold_endpoint
from tests.scaffold.conftest import PROJECT_FIXTURES

FIELDS = [
    {"name": "sku", "type": "str", "unique": True, "min_length": 3, "max_length": 32},
    {"name": "title", "type": "str", "max_length": 200, "index": True},
]


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(PROJECT_FIXTURES / name, tmp_path / name))


def scaffold(root: Path, *, write: bool):
    spec = build_endpoint_spec("category", FIELDS)
    return anyio.run(lambda: scaffold_endpoint(spec, project_dir=root, write=write, roots=[root.parent]))


def test_package_app_diff_applies_and_write_keeps_its_tests_passing(
    tmp_path: Path, import_project, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy(tmp_path, "package_app")
    monkeypatch.chdir(root)  # its database is ./sql_app.db
    main_before = (root / "app" / "main.py").read_text()
    result = scaffold(root, write=False)
    assert result.written == []
    assert (root / "app" / "main.py").read_text() == main_before  # dry run: nothing written
    applied = copy(tmp_path / "applied", "package_app")
    subprocess.run(["git", "init", "-q"], cwd=applied, check=True)
    subprocess.run(["git", "apply", "--check", "-"], cwd=applied, input=result.diff, text=True, check=True)
    written = scaffold(root, write=True)
    assert sorted(written.written) == ["app/main.py", "app/models.py", "app/routers/categories.py", "app/schemas.py"]
    main_after = (root / "app" / "main.py").read_text()
    added = [line for line in main_after.splitlines() if line not in main_before.splitlines()]
    assert added == ["from .routers import categories, items, users", "app.include_router(categories.router)"]
    assert "# Routers" in main_after  # the user's comment is kept
    # the project imports its own modules relatively: so does the new router
    router = (root / "app" / "routers" / "categories.py").read_text()
    assert "from ..database import get_db" in router and "from ..models import Category" in router
    assert "from app." not in router and "import app" not in router
    assert main_before.replace(
        "from .routers import items, users", "from .routers import categories, items, users"
    ) == (main_after.replace("app.include_router(categories.router)\n", ""))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout[-3000:]
    main = import_project(root)
    from app.database import Base, engine  # type: ignore[import-not-found]

    Base.metadata.create_all(bind=engine)
    with TestClient(main.app) as client:
        created = client.post("/categories/", json={"sku": "ABC", "title": "Chairs"})
        assert created.status_code == 201, created.text
        assert client.post("/categories/", json={"sku": "ABC", "title": "Again"}).status_code == 409
        assert client.get("/categories/", params={"title": "Chairs"}).json()["total"] == 1
        assert client.delete(f"/categories/{created.json()['id']}").status_code == 204
    with pytest.raises(InputError, match="resource: "):
        scaffold(root, write=False)


def test_async_factory_gets_modules_an_include_and_a_migration_on_its_heads(tmp_path: Path) -> None:
    root = copy(tmp_path, "async_factory")
    main_before = (root / "src" / "shop" / "main.py").read_text()
    result = scaffold(root, write=True)
    paths = set(result.written)
    assert {"src/shop/models/category.py", "src/shop/schemas/category.py", "src/shop/routers/categories.py"} <= paths
    revision = next(path for path in paths if path.startswith("migrations/versions/"))
    main_after = (root / "src" / "shop" / "main.py").read_text()
    assert "from shop.routers.categories import router as categories_router" in main_after
    assert "    app.include_router(categories_router)\n    return app" in main_after
    # the project imports its own modules absolutely: so does the new router
    router = (root / "src" / "shop" / "routers" / "categories.py").read_text()
    assert "from shop.deps import get_session" in router and "from ." not in router
    kept = main_before.splitlines()
    assert [line for line in main_after.splitlines() if line in kept] == kept  # every original line, in order
    content = (root / revision).read_text()
    # the fixture has two heads: the new revision merges them
    assert 'down_revision = ("aaaa00000001", "bbbb00000002")' in content
    assert "op.create_table(" in content


def test_missing_session_dependency_is_refused(tmp_path: Path) -> None:
    root = copy(tmp_path, "single_module")
    with pytest.raises(InputError, match="project_dir: "):
        scaffold(root, write=False)


def test_timestamps_in_a_project_are_timezone_aware(
    tmp_path: Path, import_project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project has no timestamp helpers: the model module defines them; on SQLite (naive storage) the values
    still come back timezone-aware, and the project's own tests still pass."""
    root = copy(tmp_path, "package_app")
    monkeypatch.chdir(root)  # its database is ./sql_app.db
    spec = build_endpoint_spec("category", FIELDS, timestamps=True)
    result = anyio.run(lambda: scaffold_endpoint(spec, project_dir=root, write=True, roots=[root.parent]))
    assert result.validation.ok
    models = (root / "app" / "models.py").read_text()
    assert "class UTCDateTime(TypeDecorator[dt.datetime]):" in models and "from .database import Base" in models
    main = import_project(root)
    from app.database import Base, engine  # type: ignore[import-not-found]

    Base.metadata.create_all(bind=engine)
    with TestClient(main.app) as client:
        created = client.post("/categories/", json={"sku": "XYZ", "title": "Lamps"})
        assert created.status_code == 201, created.text
        item = created.json()
        stamp = dt.datetime.fromisoformat(item["created_at"])
        assert stamp.utcoffset() == dt.timedelta(0)
        read = client.get(f"/categories/{item['id']}").json()
        assert dt.datetime.fromisoformat(read["updated_at"]).utcoffset() == dt.timedelta(0)
        patched = client.patch(f"/categories/{item['id']}", json={"title": "Lights"}).json()
        assert dt.datetime.fromisoformat(patched["updated_at"]) >= stamp


FULLSTACK = Path(__file__).parent / "fixtures" / "fullstack_app"
#: What the full-stack template's deployment supplies (its .env): the settings' required fields, and SQLite.
FULLSTACK_ENV = {"PROJECT_NAME": "Shop", "POSTGRES_SERVER": "localhost", "POSTGRES_USER": "shop"}


def test_fullstack_app_gets_a_sqlmodel_resource_on_its_session_dep_and_api_router(
    tmp_path: Path, import_project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full-stack template's backend (settings with required ``POSTGRES_*`` fields and a ``DATABASE_URL``
    override, sync SQLModel ``SessionDep``, ``api_router`` aggregating ``app/api/routes``, Alembic): validation
    supplies the settings and points the database at SQLite; the dry-run diff applies with ``git apply`` and gives
    the files ``write=true`` writes; the project's tests still pass; the routes work under ``/api/v1``; the revision
    upgrades on SQLite; outside the edited spots every byte is the user's."""
    root = Path(shutil.copytree(FULLSTACK, tmp_path / "fullstack_app"))
    originals = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    result = scaffold(root, write=False)
    assert result.written == []
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == originals  # nothing written
    assert result.validation.ok and [s.name for s in result.validation.steps] == ["syntax", "app", "tests"]
    tests_step = result.validation.steps[-1]
    assert not tests_step.skipped and "4 passed" in tests_step.detail  # the project's own tests ran, on SQLite
    [note] = [note for note in result.notes if note.startswith("validated with the settings' environment")]
    assert "POSTGRES_SERVER=test" in note and "DATABASE_URL=sqlite:///<copy>/" in note
    applied = Path(shutil.copytree(FULLSTACK, tmp_path / "applied"))
    subprocess.run(["git", "init", "-q"], cwd=applied, check=True)
    subprocess.run(["git", "apply", "-"], cwd=applied, input=result.diff, text=True, check=True)

    written = scaffold(root, write=True)
    [revision] = [path for path in written.written if path.startswith("app/alembic/versions/")]
    assert sorted(written.written) == sorted(
        ["app/api/main.py", "app/api/routes/categories.py", "app/models.py", revision]
    )
    for path in written.written:  # the dry run's diff is what was written
        assert (applied / path).read_bytes() == (root / path).read_bytes(), path
    unchanged = [p for p in originals if p.relative_to(root).as_posix() not in written.written]
    assert all(path.read_bytes() == originals[path] for path in unchanged)

    api_before = originals[root / "app" / "api" / "main.py"].decode()
    api_after = (root / "app" / "api" / "main.py").read_text()
    # the import the project already has, extended; the include right after the last one (its comment kept)
    assert api_after == api_before.replace(
        "from app.api.routes import items, login, users, utils",
        "from app.api.routes import categories, items, login, users, utils",
    ).replace(
        "# items need a logged-in user (deps.CurrentUser)\n",
        "# items need a logged-in user (deps.CurrentUser)\napi_router.include_router(categories.router)\n",
    )
    router = (root / "app" / "api" / "routes" / "categories.py").read_text()
    assert "from app.api.deps import SessionDep" in router and "session: SessionDep" in router
    assert "from app.models import Category" in router and "from ." not in router  # absolute, as the project
    models_before = originals[root / "app" / "models.py"].decode()
    models_after = (root / "app" / "models.py").read_text()
    body = models_before[models_before.index("# Shared properties") :]
    assert body in models_after  # every model of the user's, byte for byte
    assert "class Category(SQLModel, table=True):" in models_after
    assert models_after.index("class Category(") > models_after.index("class TokenPayload(")
    # the project keeps its imports sorted (its ruff config selects isort): the new names go in their sorted places
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "I", "app/models.py"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    assert "from pydantic import BaseModel, ConfigDict, EmailStr, field_validator\n" in models_after

    env = {**os.environ, **FULLSTACK_ENV, "DATABASE_URL": "sqlite:///./test.db"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    migrated = tmp_path / "migrated.db"
    env["DATABASE_URL"] = f"sqlite:///{migrated}"
    upgrade = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=root, env=env, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    tables = set(sa.inspect(sa.create_engine(f"sqlite:///{migrated}")).get_table_names())
    assert {"user", "item", "categories"} <= tables

    for name, value in FULLSTACK_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'routes.db'}")
    main = import_project(root)
    from app.core.db import engine  # type: ignore[import-not-found]
    from sqlmodel import SQLModel

    SQLModel.metadata.create_all(engine)
    with TestClient(main.app) as client:
        created = client.post("/api/v1/categories/", json={"sku": "ABC", "title": "Chairs"})
        assert created.status_code == 201, created.text
        assert client.post("/api/v1/categories/", json={"sku": "ABC", "title": "Again"}).status_code == 409
        assert client.get("/api/v1/categories/", params={"title": "Chairs"}).json()["total"] == 1
        category = created.json()["id"]
        patched = client.patch(f"/api/v1/categories/{category}", json={"title": "Stools"}).json()
        assert patched == {"id": category, "sku": "ABC", "title": "Stools"}
        assert client.delete(f"/api/v1/categories/{category}").status_code == 204
        assert client.get(f"/api/v1/categories/{category}").status_code == 404
        assert client.get("/api/v1/items/").status_code == 401  # the project's own routes as they were
    with pytest.raises(InputError, match="resource: "):
        scaffold(root, write=False)


def test_merged_imports_are_sorted_only_where_the_project_sorts_them(tmp_path: Path, monkeypatch) -> None:
    """A module whose imports are sorted gets the new ones in their sorted places; an unsorted one keeps the merge
    as libcst made it (sorting would rewrite the user's lines); without a runnable ruff, the merge stays."""
    from fastapi_expert.generate.inplace import sorted_like

    path = tmp_path / "models.py"
    original = "import uuid\n\nfrom pydantic import EmailStr\n\nX = uuid\n"
    merged = "import uuid\n\nfrom pydantic import EmailStr, BaseModel\nfrom typing import Annotated\n\nX = uuid\n"
    expected = "import uuid\nfrom typing import Annotated\n\nfrom pydantic import BaseModel, EmailStr\n\nX = uuid\n"
    assert sorted_like(original, merged, path) == expected
    unsorted = "from pydantic import EmailStr\nimport uuid\n\nX = uuid\n"
    assert sorted_like(unsorted, unsorted + "Y = 1\n", path) == unsorted + "Y = 1\n"
    monkeypatch.setattr("ruff.__main__.find_ruff_bin", lambda: str(tmp_path / "no-ruff"))
    assert sorted_like(original, merged, path) == merged


def test_the_projects_own_virtualenv_runs_the_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project with a `.venv` is validated by that interpreter, not ours: here a real venv (`python -m venv`) whose
    site-packages reach our installed packages through a .pth file, so it can run the project."""
    import site
    import sysconfig

    root = copy(tmp_path, "package_app")
    monkeypatch.chdir(root)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    venv_python = root / ".venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (Path(purelib) / "fastapi_expert_test.pth").write_text("\n".join(dict.fromkeys(ours)) + "\n")
    result = scaffold(root, write=False)
    assert result.validation.ok, result.validation
    details = " ".join(step.detail for step in result.validation.steps)
    assert f"(python: {venv_python})" in details
    assert not any("no virtualenv" in note for note in result.notes)
