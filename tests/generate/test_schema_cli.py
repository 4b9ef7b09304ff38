"""``fastapi-expert schema``: printing, --json, --out (atomic), and the exit codes: 2 for bad input, 1 for a failed
validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fastapi_expert.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from fastapi_expert.validate.models import ValidationReport, ValidationStep

PASSED = ValidationReport(ok=True, steps=[ValidationStep(name="routes", ok=True, duration_ms=1.0, detail="ok")])


@pytest.fixture
def validation(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Validation stands in for the harness (the tool test runs the real one): it records the paths it was given."""
    seen: list[list[str]] = []

    async def validate(files: Any, **_: Any) -> ValidationReport:
        seen.append([f.path for f in files])
        return PASSED

    monkeypatch.setattr("fastapi_expert.validate.harness.validate_files", validate)
    return seen


FIELDS = json.dumps([{"name": "title", "type": "str", "max_length": 50}, {"name": "rating", "type": "int", "ge": 1}])


def test_fields_are_printed(validation: list[list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--name", "Review", "--fields", FIELDS, "--orm"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "# --- app/schemas/review.py ---" in out and "# --- app/models/review.py ---" in out
    assert "class ReviewUpdate(BaseModel):" in out and '__tablename__ = "reviews"' in out
    assert validation == [["app/schemas/review.py", "app/models/review.py", "app/routers/probe_review.py"]]


def test_json_output_and_files_from_a_sample(
    validation: list[list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "sample.json"
    sample.write_text(json.dumps({"id": "0b5a9f3e-8c1d-4a3b-9f2e-1d2c3b4a5e6f", "userName": "ann"}))
    assert main(["schema", "--name", "Member", "--json-sample", str(sample), "--json"]) == EXIT_OK
    payload = json.loads(capsys.readouterr().out)
    assert payload["validation"]["ok"] is True
    assert "id: UUID" in payload["files"][0]["content"]
    assert any("userName" in note for note in payload["notes"])


def test_fields_from_a_file_and_schema_written_under_out(validation: list[list[str]], tmp_path: Path) -> None:
    (tmp_path / "fields.json").write_text(FIELDS)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}))
    out = tmp_path / "project"
    assert main(["schema", "--name", "Review", "--fields", f"@{tmp_path / 'fields.json'}", "--out", str(out)]) == 0
    assert "class ReviewRead(ReviewBase):" in (out / "app/schemas/review.py").read_text()
    assert main(["schema", "--name", "Point", "--json-schema", str(schema), "--out", str(out)]) == EXIT_OK
    assert "x: int" in (out / "app/schemas/point.py").read_text()
    assert sorted(p.name for p in (out / "app/schemas").iterdir()) == ["point.py", "review.py"]  # no temp files left


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--fields", '[{"name": "x", "type": "varchar"}]'], "--fields[0].type"),
        (["--fields", '[{"name": "def", "type": "str"}]'], "--fields[0].name"),
        (["--fields", '[{"name": "a", "type": "str"}, {"name": "a", "type": "str"}]'], "fields[1].name"),
        (["--fields", '[{"name": "n", "type": "int", "ge": 3, "le": 1}]'], "--fields[0].ge"),
        (["--fields", '[{"name": "s", "type": "str", "pattern": "[z-a]"}]'], "--fields[0].pattern"),
        (["--fields", "not json"], "--fields"),
        (["--fields", "@/no/such/file.json"], "--fields"),
        (["--json-sample", "SAMPLE:42"], "json_sample"),
        (["--json-schema", 'SAMPLE:{"type": "object", "properties": {"a": {"$ref": "#"}}}'], "json_schema"),
        (["--json-schema", "BIG"], "--json-schema"),
    ],
)
def test_bad_input_exits_2_naming_the_argument(
    arguments: list[str], named: str, validation: list[list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    resolved = []
    for argument in arguments:
        if argument.startswith("SAMPLE:"):
            path = tmp_path / "input.json"
            path.write_text(argument.removeprefix("SAMPLE:"))
            argument = str(path)
        elif argument == "BIG":
            path = tmp_path / "big.json"
            path.write_text(json.dumps({"description": "x" * (5 * 1024 * 1024)}))
            argument = str(path)
        resolved.append(argument)
    assert main(["schema", "--name", "Thing", *resolved]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("fastapi-expert: error: ") and named in err, err
    assert validation == []


def test_failed_validation_exits_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    async def failing(files: Any, **_: Any) -> ValidationReport:
        step = ValidationStep(name="import", ok=False, duration_ms=1.0, detail="NameError: boom")
        return ValidationReport(ok=False, steps=[step])

    monkeypatch.setattr("fastapi_expert.validate.harness.validate_files", failing)
    assert main(["schema", "--name", "Review", "--fields", FIELDS]) == EXIT_FINDINGS
    assert "step 'import'" in capsys.readouterr().err


def test_a_source_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["schema", "--name", "Review"])
    assert info.value.code == EXIT_USAGE
