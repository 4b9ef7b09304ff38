"""Golden files of ``scaffold_endpoint`` (STYLE.md §4): each case's ``spec.json`` holds the tool's arguments
(``resource``, ``fields``, ``operations``, ``persistence``, ``timestamps``), its ``expected/`` folder the standalone
project generated from them, file by file. The test renders and compares (a unified diff on mismatch;
``pytest --update-golden`` rewrites them). Each golden Python file is also ruff-clean under the generated project's
own configuration (its ``pyproject.toml``) and formatted, free of review findings, and the project works: its app
imports from the golden folder, starts, serves ``/openapi.json`` and answers a create and a read."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fastapi_expert.generate.endpoint import EndpointSpec, build_endpoint_spec, schema_spec
from fastapi_expert.generate.payloads import payloads
from fastapi_expert.generate.standalone import generate_standalone
from fastapi_expert.review.engine import ReviewRequest, review_code

GOLDEN = Path(__file__).parents[1] / "golden" / "endpoint"
CASES = sorted(path.name for path in GOLDEN.iterdir() if (path / "spec.json").is_file())


def load(case: str) -> EndpointSpec:
    return build_endpoint_spec(**json.loads((GOLDEN / case / "spec.json").read_text(encoding="utf-8")))


def expected_files(case: str) -> dict[str, str]:
    folder = GOLDEN / case / "expected"
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        # tool caches (a ruff run in the folder leaves .ruff_cache) are not part of the project
        if path.is_file() and not {"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"} & set(path.parts)
    }


def test_the_cases_cover_each_persistence_timestamps_and_a_subset() -> None:
    specs = [load(case) for case in CASES]
    assert {spec.persistence for spec in specs} == {"sqlalchemy", "sqlmodel", "memory"}
    assert any(spec.timestamps for spec in specs)
    assert any(len(spec.operations) < 5 for spec in specs)
    fields = [field for spec in specs for field in spec.fields]
    assert any(field.unique for field in fields) and any(field.index for field in fields)


@pytest.mark.parametrize("case", CASES)
def test_rendering_matches_the_golden_files(case: str, request: pytest.FixtureRequest) -> None:
    rendered = {file.path: file.content for file in generate_standalone(load(case))}
    folder = GOLDEN / case / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(folder, ignore_errors=True)
        for path, content in rendered.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(content, encoding="utf-8")
    expected = expected_files(case)
    assert sorted(expected) == sorted(rendered), f"{case}: golden files differ from the rendered ones"
    problems = []
    for path, content in rendered.items():
        if expected[path] != content:
            problems.append(
                "".join(
                    difflib.unified_diff(
                        expected[path].splitlines(keepends=True),
                        content.splitlines(keepends=True),
                        f"golden/{case}/expected/{path}",
                        f"rendered {path}",
                    )
                )
            )
    if problems:
        pytest.fail(f"{case}: rendering differs (pytest --update-golden rewrites it):\n" + "\n".join(problems))


@pytest.mark.parametrize("case", CASES)
def test_golden_files_are_ruff_clean_under_the_projects_own_rules(case: str) -> None:
    from ruff.__main__ import find_ruff_bin

    ruff = str(find_ruff_bin())
    folder = GOLDEN / case / "expected"
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        checked = subprocess.run([ruff, *command], cwd=folder, capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("case", CASES)
def test_golden_files_have_no_review_findings(case: str) -> None:
    for path, content in expected_files(case).items():
        if path.endswith(".py"):
            result = review_code(content, path, ReviewRequest())
            assert result.findings == [], (path, [(f.code, f.line, f.message) for f in result.findings])


@pytest.mark.parametrize("case", CASES)
def test_the_golden_project_works(case: str, tmp_path: Path, import_project) -> None:
    spec = load(case)
    root = Path(shutil.copytree(GOLDEN / case / "expected", tmp_path / "project"))
    main = import_project(root)
    settings = main.Settings(
        **({} if spec.persistence == "memory" else {"database_url": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"})
    )
    body = payloads(schema_spec(spec))[0]
    with TestClient(main.create_app(settings)) as client:
        schema = client.get("/openapi.json").json()
        url = spec.names.url
        assert f"{url}/" in schema["paths"]
        created = client.post(f"{url}/", json=body)
        assert created.status_code == 201, created.text
        read = client.get(f"{url}/{created.json()['id']}")
        assert read.status_code == 200 and read.json() == created.json()
        assert client.get(f"{url}/").json()["total"] == 1
