"""What PR pipelines run: --diff against a git base, baselines, and the pre-commit hook's entry on a sample repo."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fastapi_expert.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from tests.conftest import REPO

OLD = "from fastapi import Query\n\nq = Query(regex='^a')\n"
NEW = OLD + "r = Query(regex='^b')\n"
GIT = shutil.which("git")


def git(cwd: Path, *arguments: str) -> None:
    assert GIT is not None
    subprocess.run(
        [GIT, "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if GIT is None:
        pytest.fail("git is needed for the pipeline tests")
    git(tmp_path, "init", "-q")
    (tmp_path / "app.py").write_text(OLD)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def run(monkeypatch, capsys, cwd: Path, *argv: str) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_diff_reports_only_changed_lines(repo: Path, monkeypatch, capsys) -> None:
    (repo / "app.py").write_text(NEW)
    (repo / "added.py").write_text(OLD)  # untracked files are not in `git diff`: nothing changed there
    code, out, _ = run(monkeypatch, capsys, repo, "review", "app.py", "--select", "FE", "--diff", "HEAD")
    assert code == EXIT_FINDINGS
    assert [line.split(":")[1] for line in out.splitlines()[:-1]] == ["4"]
    assert "0 errors, 1 warnings" in out.splitlines()[-1]
    git(repo, "add", "added.py")
    _, out, _ = run(monkeypatch, capsys, repo, "review", ".", "--select", "FE", "--diff", "HEAD")
    assert sorted(line.split(":")[0] + ":" + line.split(":")[1] for line in out.splitlines()[:-1]) == [
        "added.py:3",
        "app.py:4",
    ]


@pytest.mark.parametrize("base", ["no-such-ref", "--output=/tmp/x", "a b"])
def test_diff_against_a_bad_revision_is_a_usage_error(repo: Path, monkeypatch, capsys, base: str) -> None:
    code, _, err = run(monkeypatch, capsys, repo, "review", "app.py", f"--diff={base}")
    assert code == EXIT_USAGE
    assert "--diff:" in err


def test_baseline_accepts_todays_findings(repo: Path, monkeypatch, capsys) -> None:
    baseline = repo / "baseline.json"
    code, _, _ = run(monkeypatch, capsys, repo, "review", "app.py", "--select", "FE", "--write-baseline", str(baseline))
    assert code == EXIT_FINDINGS
    assert run(monkeypatch, capsys, repo, "review", "app.py", "--select", "FE", "--baseline", str(baseline))[0] == 0
    # Lines moving does not resurrect an accepted finding; a new one is reported.
    (repo / "app.py").write_text("# a comment\n\n" + NEW)
    code, out, _ = run(monkeypatch, capsys, repo, "review", "app.py", "--select", "FE", "--baseline", str(baseline))
    assert code == EXIT_FINDINGS
    assert [line.split(":")[1] for line in out.splitlines()[:-1]] == ["6"]
    (repo / "bad.json").write_text("[]")
    code, _, err = run(monkeypatch, capsys, repo, "review", "app.py", "--baseline", str(repo / "bad.json"))
    assert code == EXIT_USAGE
    assert "--baseline:" in err


def test_pre_commit_hook_entry_on_a_sample_repo(repo: Path) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "fastapi-expert-review"
    assert hook["language"] == "python"
    assert set(hook["types_or"]) == {"python", "pyi"}
    entry = shlex.split(hook["entry"])
    assert entry[0] == "fastapi-expert"
    command = [str(Path(sys.executable).parent / entry[0]), *entry[1:]]
    (repo / "clean.py").write_text("x = 1\n")
    # pre-commit appends the staged file names to the entry.
    dirty = subprocess.run([*command, "app.py", "clean.py"], cwd=repo, capture_output=True, text=True, check=False)
    assert dirty.returncode == EXIT_FINDINGS
    assert "app.py:3:11: FE002" in dirty.stdout
    clean = subprocess.run([*command, "clean.py"], cwd=repo, capture_output=True, text=True, check=False)
    assert clean.returncode == EXIT_OK
