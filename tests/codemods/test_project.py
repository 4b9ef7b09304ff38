"""``add_auth`` on a multi-router project (tests/codemods/fixtures/multi_router): every router module edited, the
auth module in the package, the project's own tests still passing with the fixture added; written all or nothing."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash

from fastapi_expert.codemods.project import add_auth_to_project
from fastapi_expert.errors import InputError

FIXTURE = Path(__file__).parent / "fixtures" / "multi_router"
SECRET = "k" * 40
PASSWORD = "correct horse battery staple"
ENVIRONMENTS = {
    "api-key": {"API_KEY": SECRET},
    "http-basic": {"AUTH_USERNAME": "alice", "AUTH_PASSWORD": PASSWORD},
    "oauth2-password-jwt": {"SECRET_KEY": SECRET, "AUTH_USERNAME": "alice"},
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def imported_app(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def _import() -> TestClient:
        monkeypatch.syspath_prepend(str(project))
        return TestClient(importlib.import_module("app.main").app)

    yield _import
    for name in list(sys.modules):
        if name == "app" or name.startswith("app."):
            del sys.modules[name]


def _run_project_tests(project: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environment, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dry_run_changes_nothing_and_the_diff_applies(project: Path) -> None:
    """write=false: a diff that git apply accepts; the project is untouched."""
    before = {p: p.read_bytes() for p in project.rglob("*.py")}
    result, _ = add_auth_to_project(project, scheme="api-key")
    assert {p: p.read_bytes() for p in project.rglob("*.py")} == before
    assert [file.path for file in result.files] == [
        "app/auth.py",
        "app/routers/admin.py",
        "app/routers/notes.py",
        "tests/conftest.py",
    ]
    assert sorted((route.path, route.how) for route in result.protected) == [
        ("/admin/notes", "router"),
        ("/admin/reset", "router"),
        ("/api/notes/", "decorator"),
        ("/api/notes/{note_id}", "decorator"),
    ]
    git = shutil.which("git")
    if git is not None:
        subprocess.run([git, "init", "-q"], cwd=project, check=True)
        applied = subprocess.run(
            [git, "apply", "--check", "-"], cwd=project, input=result.diff, text=True, capture_output=True, check=False
        )
        assert applied.returncode == 0, applied.stderr


@pytest.mark.parametrize("scheme", ["api-key", "http-basic", "oauth2-password-jwt"])
def test_written_project_is_protected_and_its_tests_still_pass(
    scheme: str, project: Path, imported_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the write: the suite that passed before passes (override_auth fixture); without the override, the
    mutating routes answer 401 without credentials and 2xx with them; reads stay public; a second run is a no-op."""
    assert _run_project_tests(project, {}).returncode == 0
    result, changes = add_auth_to_project(project, scheme=scheme)
    written = changes.write()
    assert sorted(written) == sorted(file.path for file in result.files)
    environment = dict(ENVIRONMENTS[scheme])
    if scheme == "oauth2-password-jwt":
        environment["AUTH_PASSWORD_HASH"] = PasswordHash.recommended().hash(PASSWORD)
    outcome = _run_project_tests(project, environment)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr

    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    client = imported_app()
    assert client.get("/health").status_code == 200
    assert client.get("/api/notes/").status_code == 200
    assert client.post("/api/notes/", json={"text": "x"}).status_code == 401
    assert client.post("/admin/reset").status_code == 401
    if scheme == "api-key":
        credentials: dict[str, object] = {"headers": {"X-API-Key": SECRET}}
    elif scheme == "http-basic":
        credentials = {"auth": ("alice", PASSWORD)}
    else:
        token = client.post("/token", data={"username": "alice", "password": PASSWORD}).json()["access_token"]
        credentials = {"headers": {"Authorization": f"Bearer {token}"}}
    assert client.post("/api/notes/", json={"text": "x"}, **credentials).status_code == 201
    assert client.post("/admin/reset", **credentials).status_code == 200

    again, _ = add_auth_to_project(project, scheme=scheme)
    assert (again.files, again.diff) == ([], "")


def test_a_stale_change_set_writes_nothing(project: Path) -> None:
    _, changes = add_auth_to_project(project, scheme="api-key")
    notes = project / "app" / "routers" / "notes.py"
    notes.write_text(notes.read_text() + "\n# edited meanwhile\n")
    with pytest.raises(InputError, match="changed"):
        changes.write()
    assert not (project / "app" / "auth.py").exists()
