"""The standalone project: written to ``tmp_path``, driven through every REST rule with ``TestClient`` for each
persistence (SQLite here; PostgreSQL through a throwaway cluster), and its own generated tests pass under pytest."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fastapi_expert.generate.endpoint import build_endpoint_spec
from fastapi_expert.generate.standalone import generate_standalone
from tests.scaffold.conftest import FIELDS, write_files

PERSISTENCES = ["sqlalchemy", "sqlmodel", "memory"]
BODY = {"sku": "AB-1", "title": "Chair", "price": 10.5, "quantity": 2, "status": "active"}


def project(tmp_path: Path, persistence: str, **options: object) -> Path:
    spec = build_endpoint_spec("category", FIELDS, persistence=persistence, **options)  # type: ignore[arg-type]
    return write_files(tmp_path / persistence, generate_standalone(spec))


def drive_every_rule(client: TestClient) -> None:
    """The REST contract of DESIGN.md, one assertion per rule."""
    # POST: 201 with the stored object and its id
    created = client.post("/categories/", json=BODY)
    assert created.status_code == 201, created.text
    item = created.json()
    assert isinstance(item["id"], int) and item["sku"] == "AB-1" and item["status"] == "active"
    stamp = dt.datetime.fromisoformat(item["created_at"])
    assert stamp.utcoffset() == dt.timedelta(0)
    # 422 on each constraint
    for broken in (
        {**BODY, "sku": "AB"},  # min_length
        {**BODY, "sku": "A" * 33},  # max_length
        {**BODY, "sku": "ab-1"},  # pattern
        {**BODY, "price": -1},  # ge
        {**BODY, "status": "gone"},  # enum
        {**BODY, "quantity": 2**31},  # the INTEGER column's range
        {k: v for k, v in BODY.items() if k != "title"},  # required
    ):
        assert client.post("/categories/", json=broken).status_code == 422, broken
    # a taken unique value: 409, not 500, and the session is usable afterwards
    assert client.post("/categories/", json=BODY).status_code == 409
    second = client.post("/categories/", json={**BODY, "sku": "AB-2", "status": "draft"}).json()
    # list: {items, total, skip, limit}, id order, bounded limit, exact-match filters
    page = client.get("/categories/", params={"limit": 1, "skip": 1}).json()
    assert page == {"items": [second], "total": 2, "skip": 1, "limit": 1}
    assert client.get("/categories/", params={"limit": 101}).status_code == 422
    assert client.get("/categories/", params={"limit": 0}).status_code == 422
    filtered = client.get("/categories/", params={"status": "draft"}).json()
    assert [row["id"] for row in filtered["items"]] == [second["id"]] and filtered["total"] == 1
    assert client.get("/categories/", params={"quantity": 2, "sku": "AB-1"}).json()["total"] == 1
    # GET/PATCH/DELETE 404 when missing, 422 beyond the id range
    for method in ("GET", "PATCH", "DELETE"):
        assert client.request(method, "/categories/9999", json={}).status_code == 404
        assert client.request(method, f"/categories/{2**31}", json={}).status_code == 422
    assert client.get(f"/categories/{item['id']}").json() == item
    # PATCH is partial; null for a required field and unknown fields are 422; a taken unique value is 409
    patched = client.patch(f"/categories/{item['id']}", json={"title": "Table"})
    assert patched.status_code == 200
    assert {**item, "title": "Table", "updated_at": patched.json()["updated_at"]} == patched.json()
    assert patched.json()["updated_at"] >= item["updated_at"]
    assert client.patch(f"/categories/{item['id']}", json={"title": None}).status_code == 422
    assert client.patch(f"/categories/{item['id']}", json={"colour": "red"}).status_code == 422
    assert client.patch(f"/categories/{second['id']}", json={"sku": "AB-1"}).status_code == 409
    # DELETE 204, then it is gone
    deleted = client.delete(f"/categories/{item['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(f"/categories/{item['id']}").status_code == 404


@pytest.mark.parametrize("persistence", PERSISTENCES)
def test_every_rest_rule_holds_on_sqlite(persistence: str, tmp_path: Path, import_project) -> None:
    root = project(tmp_path, persistence, timestamps=True)
    main = import_project(root)
    settings = main.Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    with TestClient(main.create_app(settings)) as client:
        drive_every_rule(client)


@pytest.mark.parametrize("persistence", ["sqlalchemy", "sqlmodel"])
def test_every_rest_rule_holds_on_postgresql(
    persistence: str, tmp_path: Path, import_project, postgres_cluster
) -> None:
    root = project(tmp_path, persistence, timestamps=True)
    main = import_project(root)
    settings = main.Settings(database_url=postgres_cluster.create_database())
    with TestClient(main.create_app(settings)) as client:
        drive_every_rule(client)


@pytest.mark.parametrize("persistence", PERSISTENCES)
def test_the_projects_own_tests_pass(persistence: str, tmp_path: Path) -> None:
    root = project(tmp_path, persistence, timestamps=persistence != "memory")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_the_projects_own_tests_pass_on_postgresql(tmp_path: Path, postgres_cluster) -> None:
    root = project(tmp_path, "sqlalchemy", timestamps=True)
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": postgres_cluster.create_database()}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


@pytest.mark.parametrize("persistence", PERSISTENCES)
def test_schemathesis_finds_nothing(persistence: str, tmp_path: Path, import_project) -> None:
    from fastapi_expert.validate.fuzzing import fuzz_app

    main = import_project(project(tmp_path, persistence, timestamps=True))
    settings = main.Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}")
    app = main.create_app(settings)
    with TestClient(app) as client:
        report = fuzz_app(app, client=client, max_examples=15)
    assert report.ok, report.render()
    assert report.operations == 5


def test_only_the_asked_operations_are_served(tmp_path: Path, import_project) -> None:
    spec = build_endpoint_spec("person", FIELDS[:2], operations=["create", "read"], persistence="memory")
    main = import_project(write_files(tmp_path, generate_standalone(spec)))
    with TestClient(main.create_app(main.Settings())) as client:
        created = client.post("/people/", json={"sku": "XYZ", "title": "Ada"})
        assert created.status_code == 201
        assert client.get(f"/people/{created.json()['id']}").status_code == 200
        assert client.get("/people/").status_code == 405
        assert client.delete(f"/people/{created.json()['id']}").status_code == 405


def test_the_project_names_what_it_needs_and_reads_database_url(tmp_path: Path) -> None:
    spec = build_endpoint_spec("status", [{"name": "label", "type": "str"}, {"name": "owner", "type": "email"}])
    files = {file.path: file.content for file in generate_standalone(spec)}
    assert "app/routers/statuses.py" in files
    assert '"/statuses"' in files["app/routers/statuses.py"]
    toml = files["pyproject.toml"]
    for requirement in (
        "fastapi",
        "pydantic-settings",
        "sqlalchemy[asyncio]",
        "aiosqlite",
        "asyncpg",
        "email-validator",
    ):
        assert f'"{requirement}>=' in toml
    assert 'database_url: str = "sqlite+aiosqlite:///./app.db"' in files["app/settings.py"]
    assert 'entrypoint = "app.main:app"' in toml
