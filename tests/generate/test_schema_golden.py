"""Golden files of ``write_schema`` (STYLE.md §4): each case's ``spec.json`` holds the tool's arguments, its
``expected.py`` the schema module and, with ``orm``, ``expected_model.py`` the ORM module. The test renders and
compares (a unified diff on mismatch; ``pytest --update-golden`` rewrites them). Each golden file is also ruff-clean
under the project's rules, free of review findings, and works: imported in a copy of the reference app and exercised
(valid data, each constraint violated, the update model, an ORM row, the probe routes and /openapi.json)."""

from __future__ import annotations

import difflib
import json
import subprocess
from pathlib import Path

import pytest

from fastapi_expert.generate.schema import build_schema_spec, generate_schema
from fastapi_expert.models import GeneratedFile
from fastapi_expert.review.engine import ReviewRequest, review_code
from tests.generate.exercise import exercise

GOLDEN = Path(__file__).parents[1] / "golden" / "schema"
CASES = sorted(path.name for path in GOLDEN.iterdir() if (path / "spec.json").is_file())
REPO = Path(__file__).parents[2]


def load(case: str):
    return build_schema_spec(**json.loads((GOLDEN / case / "spec.json").read_text(encoding="utf-8")))


def golden_names(files: list[GeneratedFile]) -> dict[str, GeneratedFile]:
    """``expected.py`` for app/schemas/..., ``expected_model.py`` for app/models/..."""
    return {("expected_model.py" if file.path.startswith("app/models/") else "expected.py"): file for file in files}


def golden_files(case: str) -> list[GeneratedFile]:
    spec, _ = load(case)
    paths = {
        "expected.py": f"app/schemas/{spec.snake_name}.py",
        "expected_model.py": f"app/models/{spec.snake_name}.py",
    }
    return [
        GeneratedFile(path=paths[name], content=(GOLDEN / case / name).read_text(encoding="utf-8"))
        for name in sorted(paths)
        if (GOLDEN / case / name).is_file()
    ]


@pytest.mark.parametrize("case", CASES)
def test_rendering_matches_the_golden_files(case: str, request: pytest.FixtureRequest) -> None:
    spec, _ = load(case)
    rendered = golden_names(generate_schema(spec))
    if request.config.getoption("--update-golden"):
        for name, file in rendered.items():
            (GOLDEN / case / name).write_text(file.content, encoding="utf-8")
    on_disk = {p.name for p in (GOLDEN / case).glob("expected*.py")}
    assert on_disk == set(rendered), f"{case}: golden files {sorted(on_disk)}, rendered {sorted(rendered)}"
    for name, file in rendered.items():
        expected = (GOLDEN / case / name).read_text(encoding="utf-8")
        if expected != file.content:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    file.content.splitlines(keepends=True),
                    f"golden/{case}/{name}",
                    f"rendered {file.path}",
                )
            )
            pytest.fail(f"{case}/{name} differs from the rendering (pytest --update-golden rewrites it):\n{diff}")


def test_the_cases_cover_every_type_and_constraint() -> None:
    specs = [load(case)[0] for case in CASES]
    fields = [f for spec in specs for f in [*spec.fields, *(g for m in spec.models for g in m.fields)]]
    types = {f.type for f in fields}
    assert {"str", "int", "float", "bool", "decimal", "datetime", "date", "uuid", "email", "url"} <= types
    assert {"list[str]", "list[int]", "dict"} <= types
    for constraint in ("min_length", "max_length", "ge", "gt", "le", "lt", "pattern", "enum", "default", "description"):
        assert any(getattr(f, constraint) is not None for f in fields), constraint
    assert any(f.unique for f in fields) and any(f.index for f in fields)
    assert {spec.enum_style for spec in specs} == {"strenum", "literal"}
    assert {spec.id_type for spec in specs} == {"int", "uuid"}


def test_golden_files_are_ruff_clean_with_the_project_rules() -> None:
    """tests/golden/schema/ruff.toml extends the project's configuration (line length 88, `app` first-party)."""
    from ruff.__main__ import find_ruff_bin

    ruff = str(find_ruff_bin())
    checked = subprocess.run(
        [ruff, "check", "--no-cache", str(GOLDEN)], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = subprocess.run(
        [ruff, "format", "--check", "--no-cache", str(GOLDEN)], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


@pytest.mark.parametrize("case", CASES)
def test_golden_files_have_no_review_findings(case: str) -> None:
    for file in golden_files(case):
        result = review_code(file.content, file.path, ReviewRequest())
        assert result.findings == [], [(f.code, f.line, f.message) for f in result.findings]


@pytest.mark.parametrize("case", CASES)
def test_golden_files_work_in_the_reference_app(case: str, tmp_path: Path) -> None:
    spec, _ = load(case)
    checked = exercise(spec, golden_files(case), tmp_path)
    assert checked >= len(spec.fields) // 2


@pytest.mark.slow
def test_golden_files_type_check(tmp_path: Path) -> None:
    """mypy --strict with the pydantic plugin, in a project laid out as the generated code expects."""
    import sys

    for package in ("app", "app/schemas", "app/models"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "app/database.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    )
    for case in CASES:
        for file in golden_files(case):
            (tmp_path / file.path).write_text(file.content)
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = pydantic.mypy\nstrict = True\n")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "app"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"in {sum(len(golden_files(case)) for case in CASES) + 4} source files" in checked.stdout
