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


def test_sarif_validates_against_the_official_schema(repo: Path, monkeypatch, capsys) -> None:
    import json

    import jsonschema

    (repo / "app.py").write_text(OLD + "import time\n\nasync def f():\n    time.sleep(1)\n")
    code, out, _ = run(monkeypatch, capsys, repo, "review", "app.py", "--format", "sarif")
    assert code == EXIT_FINDINGS
    log = json.loads(out)
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(log)
    (run_,) = log["runs"]
    assert run_["tool"]["driver"]["name"] == "fastapi-expert"
    results = {r["ruleId"]: r for r in run_["results"]}
    assert {"FE002", "ASYNC251"} <= set(results)
    fe002 = results["FE002"]
    assert fe002["level"] == "warning"
    assert fe002["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    assert fe002["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    rules = run_["tool"]["driver"]["rules"]
    assert rules[fe002["ruleIndex"]]["id"] == "FE002"
    assert "## Why is this bad?" in rules[fe002["ruleIndex"]]["help"]["markdown"]
    # The fingerprint follows the finding when lines above it move.
    (repo / "app.py").write_text("# moved\n" + (repo / "app.py").read_text())
    _, moved, _ = run(monkeypatch, capsys, repo, "review", "app.py", "--format", "sarif")
    moved_fe002 = next(r for r in json.loads(moved)["runs"][0]["results"] if r["ruleId"] == "FE002")
    assert moved_fe002["partialFingerprints"] == fe002["partialFingerprints"]
    assert moved_fe002["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_action_yml_is_a_composite_action_using_our_cli() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    names = [step.get("name", step.get("uses", "")) for step in steps]
    assert any("setup-python" in step.get("uses", "") for step in steps)
    install = next(step for step in steps if step.get("name") == "Install fastapi-expert")
    assert "github.action_path" in install["run"]
    review = next(step for step in steps if step.get("id") == "review")
    assert "--diff" in review["run"] and "--format sarif" in review["run"]
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    annotate = next(step for step in steps if "--format github" in step.get("run", ""))
    assert "fork != true" in upload["if"] and "fork == true" in annotate["if"]
    assert {"paths", "fail-on", "python-version"} <= set(action["inputs"])
    assert names[-1] == "Fail on findings"
    # Every CLI flag the action passes exists.
    from fastapi_expert.cli import _parser

    help_text = _parser()._subparsers._group_actions[0].choices["review"].format_help()  # type: ignore[union-attr]
    for flag in ("--diff", "--fail-on", "--format", "--exit-zero"):
        assert flag in help_text
