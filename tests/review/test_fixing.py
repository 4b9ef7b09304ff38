"""review --fix: safe fixes only by default, atomic writes that keep the mode, rounds until nothing applies, and a
failing write or a fix that breaks the file never loses the user's code."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from fastapi_expert.cli import EXIT_OK, EXIT_USAGE, main
from fastapi_expert.models import Finding, Fix, FixSafety, TextEdit
from fastapi_expert.review import fixing
from fastapi_expert.review.engine import ReviewRequest
from fastapi_expert.review.fixing import apply_fixes, fix_paths, write_atomically

SOURCE = (
    "from fastapi import Depends, Query\n\n\ndef get_db(): ...\n\n\n"
    "q = Query(regex='^a')\nd = Depends(get_db())\nr = Query(regex='^b', min_length=1)\n"
)
FIXED = (
    "from fastapi import Depends, Query\n\n\ndef get_db(): ...\n\n\n"
    "q = Query(pattern='^a')\nd = Depends(get_db)\nr = Query(pattern='^b', min_length=1)\n"
)


def test_fix_applies_safe_fixes_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    path.chmod(0o640)
    outcome = fix_paths([path], tmp_path, ReviewRequest(select=("FE",)))
    assert path.read_text() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert outcome.applied == {"app.py": 3}
    assert outcome.result.findings == []
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]  # no temporary file left behind


def test_unsafe_fixes_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    source = "from fastapi import FastAPI, Query\napp = FastAPI()\n@app.get('/')\ndef r(q: str = Query()): ...\n"
    path.write_text(source)
    fix_paths([path], tmp_path, ReviewRequest(select=("FAST002",)))
    assert path.read_text() == source  # FAST002's fix is unsafe
    fix_paths([path], tmp_path, ReviewRequest(select=("FAST002",)), unsafe=True)
    assert "Annotated[str, Query()]" in path.read_text()


def finding(line: int, column: int, end_column: int, text: str) -> Finding:
    edit = TextEdit(line=line, column=column, end_line=line, end_column=end_column, text=text)
    return Finding(
        rule="r",
        code="FE999",
        severity="warning",
        path="a.py",
        line=line,
        column=column,
        end_line=line,
        end_column=end_column,
        message="m",
        fix=Fix(title="t", safety=FixSafety.SAFE, edits=[edit]),
        source="fastapi-expert",
    )


def test_a_fix_that_breaks_the_file_is_dropped() -> None:
    text = "x = 1\ny = 2\n"
    good, bad = finding(1, 5, 6, "10"), finding(2, 5, 6, "(")
    fixed, applied, dropped = apply_fixes(text, [good, bad])
    assert fixed == "x = 10\ny = 2\n"
    assert applied == [good]
    assert [(f, reason) for f, reason in dropped] == [(bad, "the fix would leave code that does not parse")]


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    first, second = finding(1, 1, 6, "x = 3"), finding(1, 5, 6, "4")
    fixed, applied, _ = apply_fixes("x = 1\n", [first, second])
    assert (fixed, applied) == ("x = 3\n", [first])


def test_a_failing_write_leaves_the_original_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "app.py"
    path.write_text(SOURCE)

    def broken_replace(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixing.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(path, FIXED)
    assert path.read_text() == SOURCE
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]


def test_an_interrupted_write_leaves_the_original_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "app.py"
    path.write_text(SOURCE)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fixing.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fix_paths([path], tmp_path, ReviewRequest(select=("FE",)))
    assert path.read_text() == SOURCE
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]


def test_cli_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    assert main(["review", "app.py", "--select", "FE", "--fix"]) == EXIT_OK
    assert (tmp_path / "app.py").read_text() == FIXED
    assert "fixed 3 findings in 1 file" in capsys.readouterr().err
    assert main(["review", "app.py", "--unsafe-fixes"]) == EXIT_USAGE
    assert main(["review", "-", "--fix"]) == EXIT_USAGE


def test_without_fix_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    before = os.stat(tmp_path / "app.py").st_mtime_ns
    monkeypatch.chdir(tmp_path)
    main(["review", "app.py"])
    assert (tmp_path / "app.py").read_text() == SOURCE
    assert os.stat(tmp_path / "app.py").st_mtime_ns == before
