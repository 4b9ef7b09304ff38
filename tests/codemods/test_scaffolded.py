"""``add_auth`` on the project ``scaffold_endpoint`` generates (issue 7's third app): each scheme protects the
mutating routes (401 without and with wrong credentials, 2xx with right ones), reads stay open, the project's own
generated tests still pass thanks to the fixture add_auth adds, our review finds nothing, a second run changes
nothing."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash

from fastapi_expert.codemods.project import add_auth_to_project
from fastapi_expert.generate.endpoint import build_endpoint_spec
from fastapi_expert.generate.standalone import generate_standalone
from fastapi_expert.review.engine import ReviewRequest, review_code
from tests.scaffold.conftest import FIELDS, write_files

SECRET = "s3cr3t-" * 6
PASSWORD = "correct horse battery staple"
BODY = {"sku": "AB-1", "title": "Chair", "price": 10.5}


@pytest.fixture
def scaffolded(tmp_path: Path) -> Iterator[Path]:
    """A standalone project (SQLAlchemy), its ``app`` package importable, forgotten afterwards."""
    spec = build_endpoint_spec("category", FIELDS, persistence="sqlalchemy", timestamps=True)
    root = write_files(tmp_path / "project", generate_standalone(spec))
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))
    for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
        del sys.modules[name]


def _credentials(scheme: str, client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """(right, wrong) request arguments for ``scheme``."""
    if scheme == "api-key":
        return {"headers": {"X-API-Key": SECRET}}, {"headers": {"X-API-Key": SECRET[:-1]}}
    if scheme == "http-basic":
        return {"auth": ("alice", PASSWORD)}, {"auth": ("alice", PASSWORD[:-1])}
    assert client.post("/token", data={"username": "alice", "password": "wrong"}).status_code == 401
    token = client.post("/token", data={"username": "alice", "password": PASSWORD}).json()["access_token"]
    return {"headers": {"Authorization": f"Bearer {token}"}}, {"headers": {"Authorization": f"Bearer {token}x"}}


@pytest.mark.parametrize("scheme", ["oauth2-password-jwt", "api-key", "http-basic"])
def test_add_auth_on_the_scaffolded_project(
    scaffolded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    result, changes = add_auth_to_project(scaffolded, scheme=scheme)
    assert result.files
    assert {route.path for route in result.protected} == {"/categories/", "/categories/{category_id}"}
    changes.write()
    for file in result.files:
        findings = review_code(file.content, file.path, ReviewRequest()).findings
        assert findings == [], (file.path, findings)

    for name, value in {"API_KEY": SECRET, "SECRET_KEY": SECRET, "AUTH_USERNAME": "alice"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AUTH_PASSWORD", PASSWORD)
    monkeypatch.setenv("AUTH_PASSWORD_HASH", PasswordHash.recommended().hash(PASSWORD))
    main = importlib.import_module("app.main")  # the project's, from the path the fixture added
    settings = main.Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}")
    with TestClient(main.create_app(settings)) as client:
        right, wrong = _credentials(scheme, client)
        for credentials in ({}, wrong):
            assert client.post("/categories/", json=BODY, **credentials).status_code == 401
            assert client.delete("/categories/1", **credentials).status_code == 401
        created = client.post("/categories/", json=BODY, **right)
        assert created.status_code == 201, created.text
        assert client.get("/categories/").json()["total"] == 1  # reads stay open
        item = f"/categories/{created.json()['id']}"
        assert client.patch(item, json={"title": "Table"}, **right).json()["title"] == "Table"
        assert client.delete(item, **right).status_code == 204

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=scaffolded,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout

    again, _ = add_auth_to_project(scaffolded, scheme=scheme)
    assert (again.files, again.diff) == ([], "")
