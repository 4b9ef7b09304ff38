"""The shared models: findings sort worst first, spans are ordered, generated paths stay inside the project."""

from __future__ import annotations

import json

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
    return Finding.from_dict({**values, **changes})


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
    data = finding(fix=Fix(title="Use asyncio.sleep", safety=FixSafety.UNSAFE)).to_dict()
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
    ("changes", "problem"),
    [
        ({"line": 0}, "Finding.line must be an integer >= 1"),
        ({"line": True}, "Finding.line must be an integer >= 1"),
        ({"end_line": 2}, "the span ends before it starts"),
        ({"rule": "Not Kebab"}, "Finding.rule must be a kebab-case name"),
        ({"code": "fe001"}, "Finding.code must be letters then digits"),
        ({"severity": "fatal"}, "Finding.severity must be one of error, warning, info"),
        ({"source": "pylint"}, "Finding.source must be one of"),
        ({"message": ""}, "Finding.message must be a non-empty string"),
        ({"fix": {"title": "", "safety": "safe"}}, "Fix.title must be a non-empty string"),
        ({"fix": {"title": "t", "safety": "maybe"}}, "Fix.safety must be one of safe, unsafe"),
        ({"also": "B904"}, "Finding.also must be a list of codes"),
    ],
)
def test_invalid_findings_are_rejected(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        finding(**changes)


def test_a_finding_survives_its_json_form() -> None:
    original = finding(
        fix={
            "title": "t",
            "safety": "safe",
            "edits": [{"line": 1, "column": 1, "end_line": 1, "end_column": 2, "text": "x"}],
        },
        also=["ASYNC251"],
    )
    again = Finding.from_dict(json.loads(json.dumps(original.to_dict())))
    assert again == original and again.severity is Severity.ERROR and again.fix is not None
    assert again.fix.safety is FixSafety.SAFE and again.fix.edits[0].text == "x"


def test_span_must_not_end_before_it_starts() -> None:
    assert Span(line=2, column=1, end_line=2, end_column=1).line == 2
    with pytest.raises(ValueError, match="ends before it starts"):
        Span(line=2, column=5, end_line=2, end_column=4)


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.py", "app/../../x.py", "app\\main.py", "./app//x.py"])
def test_generated_files_stay_inside_the_project(path: str) -> None:
    with pytest.raises(ValidationError, match="relative POSIX path"):
        GeneratedFile(path=path, content="")


def test_generated_file_accepts_a_nested_relative_path() -> None:
    assert GeneratedFile(path="app/routers/items.py", content="x = 1\n").path == "app/routers/items.py"
