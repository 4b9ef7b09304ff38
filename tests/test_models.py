"""The shared models: findings sort worst first, spans are ordered, generated paths stay inside the project."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fastapi_expert.models import Finding, Fix, FixSafety, GeneratedFile, Severity, Span


def finding(**changes) -> Finding:
    values = {
        "rule": "blocking-call-in-async-endpoint",
        "code": "FE001",
        "severity": "error",
        "path": "app/main.py",
        "line": 3,
        "column": 5,
        "end_line": 3,
        "end_column": 18,
        "message": "time.sleep blocks the event loop",
        "source": "fastapi-expert",
    }
    return Finding.model_validate({**values, **changes})


def test_findings_sort_by_severity_then_place() -> None:
    items = [
        finding(severity="info", line=1),
        finding(severity="error", path="b.py"),
        finding(severity="warning"),
        finding(severity="error", path="a.py", line=9, end_line=9),
        finding(severity="error", path="a.py", line=2),
    ]
    ordered = sorted(items, key=lambda f: f.sort_key)
    assert [(f.severity, f.path, f.line) for f in ordered] == [
        (Severity.ERROR, "a.py", 2),
        (Severity.ERROR, "a.py", 9),
        (Severity.ERROR, "b.py", 3),
        (Severity.WARNING, "app/main.py", 3),
        (Severity.INFO, "app/main.py", 1),
    ]


def test_finding_json_shape_is_the_documented_contract() -> None:
    data = finding(fix=Fix(title="Use asyncio.sleep", safety=FixSafety.UNSAFE)).model_dump(mode="json")
    assert set(data) == {
        "rule",
        "code",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "fix",
        "source",
        "also",
    }
    assert data["fix"] == {"title": "Use asyncio.sleep", "safety": "unsafe", "edits": []}


@pytest.mark.parametrize(
    "changes",
    [
        {"line": 0},
        {"end_line": 2},
        {"rule": "Not Kebab"},
        {"code": "fe001"},
        {"severity": "fatal"},
        {"source": "pylint"},
        {"message": ""},
    ],
)
def test_invalid_findings_are_rejected(changes) -> None:
    with pytest.raises(ValidationError):
        finding(**changes)


def test_span_must_not_end_before_it_starts() -> None:
    assert Span(line=2, column=1, end_line=2, end_column=1).line == 2
    with pytest.raises(ValidationError, match="ends before it starts"):
        Span(line=2, column=5, end_line=2, end_column=4)


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.py", "app/../../x.py", "app\\main.py", "./app//x.py"])
def test_generated_files_stay_inside_the_project(path: str) -> None:
    with pytest.raises(ValidationError, match="relative POSIX path"):
        GeneratedFile(path=path, content="")


def test_generated_file_accepts_a_nested_relative_path() -> None:
    assert GeneratedFile(path="app/routers/items.py", content="x = 1\n").path == "app/routers/items.py"
