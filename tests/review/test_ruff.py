"""ruff as a subprocess: its JSON mapped to findings (fixes, spans, severities), and anything else a clear RuffError."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from fastapi_expert.errors import RuffError
from fastapi_expert.findings import FixSafety, Severity
from fastapi_expert.review import ruff


def test_findings_with_their_fix_span_and_severity() -> None:
    code = (
        "from typing import List\n\n\ndef f(x: List[int]) -> None:\n    try:\n        pass\n    except:\n        pass\n"
    )
    found = {f.code: f for f in ruff.RuffRun(stdin=code, stdin_filename="app/x.py", select=("UP006", "E722")).result()}
    assert set(found) == {"UP006", "E722"}
    upgrade = found["UP006"]
    assert upgrade.path.endswith("app/x.py")  # ruff names stdin by the absolute path; review_code renames it
    assert (upgrade.line, upgrade.column, upgrade.end_line, upgrade.end_column) == (4, 10, 4, 14)
    assert upgrade.severity is Severity.INFO and upgrade.source == "ruff" and upgrade.rule == "non-pep585-annotation"
    assert upgrade.fix is not None and upgrade.fix.safety is FixSafety.SAFE
    assert [(e.line, e.column, e.end_line, e.end_column, e.text) for e in upgrade.fix.edits] == [(4, 10, 4, 14, "list")]
    assert found["E722"].severity is Severity.ERROR


def _fake_ruff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str) -> None:
    script = tmp_path / "ruff"
    script.write_text(f"#!/bin/sh\ncat >/dev/null\nprintf '%s' {json.dumps(output)}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(ruff, "_ruff_binary", lambda: str(script))


LOCATION = {"row": 1, "column": 1}


@pytest.mark.parametrize(
    "output",
    [
        "not json",
        '{"code": "E722"}',
        json.dumps([{"code": "E722", "message": "m", "filename": "-", "location": LOCATION}]),
        json.dumps(
            [{"code": "E722", "message": "m", "filename": "-", "location": {"row": "1"}, "end_location": LOCATION}]
        ),
        json.dumps([{"code": "e7", "message": "m", "filename": "-", "location": LOCATION, "end_location": LOCATION}]),
    ],
)
def test_output_that_is_not_ruffs_json_is_a_ruff_error(tmp_path: Path, monkeypatch, output: str) -> None:
    _fake_ruff(tmp_path, monkeypatch, output)
    with pytest.raises(RuffError, match="unexpected output"):
        ruff.RuffRun(stdin="x = 1\n").result()


def test_syntax_errors_and_codeless_diagnostics_are_left_to_us(tmp_path: Path, monkeypatch) -> None:
    diagnostics = [
        {"code": None, "message": "m", "filename": "-", "location": LOCATION, "end_location": LOCATION},
        {"code": "invalid-syntax", "message": "m", "filename": "-", "location": LOCATION, "end_location": LOCATION},
    ]
    _fake_ruff(tmp_path, monkeypatch, json.dumps(diagnostics))
    assert ruff.RuffRun(stdin="x = (\n").result() == []


def test_a_ruff_that_cannot_start_is_a_ruff_error_and_leaks_no_pipe(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ruff, "_ruff_binary", lambda: str(tmp_path / "no-ruff"))
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        with pytest.raises(RuffError):
            ruff.RuffRun(stdin="x = 1\n")
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_hung_ruff_is_killed(tmp_path: Path, monkeypatch) -> None:
    script = tmp_path / "ruff"
    script.write_text("#!/bin/sh\nexec sleep 60\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(ruff, "_ruff_binary", lambda: str(script))
    monkeypatch.setattr(ruff, "RUFF_TIMEOUT", 0.5)
    run = ruff.RuffRun(stdin="x = 1\n")
    with pytest.raises(RuffError, match="did not finish"):
        run.result()
    assert run._process is not None and run._process.returncode is not None  # killed and reaped
