"""The review engine: our rules and ruff merged, sorted and counted; bad files are findings; bad input is an error."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from fastapi_expert.config import ReviewConfig, load_config
from fastapi_expert.errors import ConfigError, InputError
from fastapi_expert.models import Finding, Severity
from fastapi_expert.review import engine
from fastapi_expert.review.cache import ReviewCache
from fastapi_expert.review.checker import check_source
from fastapi_expert.review.engine import MAX_FILE_BYTES, ReviewRequest, review_code, review_paths
from fastapi_expert.review.registry import select_rules
from fastapi_expert.review.rule import Rule

REGEX = "from fastapi import Query\nq = Query(regex='^a')\n"
BLOCKING = "import time\n\nasync def f():\n    time.sleep(1)\n"


def test_snippet_findings_from_both_engines_sorted_by_severity() -> None:
    code = "import time\nfrom fastapi import Query\n\nasync def f(q=Query(regex='a')):\n    time.sleep(1)\n"
    result = review_code(code, "app.py", ReviewRequest())
    sources = {f.source for f in result.findings}
    assert sources == {"fastapi-expert", "ruff"}
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    assert [order[f.severity] for f in result.findings] == sorted(order[f.severity] for f in result.findings)
    assert result.summary.files == 1
    assert result.summary.errors + result.summary.warnings + result.summary.infos == len(result.findings)
    assert all(f.path == "app.py" for f in result.findings)
    assert "FE002" in {f.code for f in result.findings}
    assert "ASYNC251" in {f.code for f in result.findings}


def test_max_findings_truncates_but_counts_everything() -> None:
    code = "from fastapi import Query\n" + "".join(f"q{i} = Query(regex='a')\n" for i in range(5))
    result = review_code(code, "app.py", ReviewRequest(max_findings=2))
    assert len(result.findings) == 2
    assert result.summary.truncated is True
    assert result.summary.warnings == 5


def test_select_and_ignore() -> None:
    code = "from fastapi import Depends, Query\ndef g(): ...\nq = Query(regex='a')\nd = Depends(g())\n"
    assert {f.code for f in review_code(code, "a.py", ReviewRequest(select=("FE018",))).findings} == {"FE018"}
    codes = {f.code for f in review_code(code, "a.py", ReviewRequest(ignore=("FE018",))).findings}
    assert "FE018" not in codes
    assert "FE002" in codes
    only_ruff = review_code(BLOCKING, "a.py", ReviewRequest(select=("ASYNC",))).findings
    assert {f.source for f in only_ruff} == {"ruff"}


@pytest.mark.parametrize("pattern", ["FE999", "FE7", "no-such-rule", "", "x" * 100])
def test_unknown_rule_in_select_names_the_argument(pattern: str) -> None:
    with pytest.raises(InputError) as info:
        review_code(REGEX, "a.py", ReviewRequest(select=(pattern,)))
    assert info.value.argument == "select"


class Overlapping(Rule):
    CODE = "FE998"
    MESSAGE = "blocking"
    SEVERITY = Severity.ERROR
    OVERLAPS: ClassVar = ("ASYNC25",)


def finding(code: str, source: str, line: int = 4) -> Finding:
    return Finding(
        rule=code.lower(),
        code=code,
        severity="error",
        path="a.py",
        line=line,
        column=5,
        end_line=line,
        end_column=9,
        message="m",
        source=source,
    )


def test_a_problem_both_engines_flag_is_reported_once_with_also() -> None:
    ours = [finding("FE998", "fastapi-expert")]
    theirs = [finding("ASYNC251", "ruff"), finding("ASYNC251", "ruff", line=9), finding("S105", "ruff")]
    merged = engine._merge(ours, theirs, [Overlapping])
    assert [(f.code, f.line, f.also) for f in merged] == [
        ("FE998", 4, ["ASYNC251"]),
        ("ASYNC251", 9, []),
        ("S105", 4, []),
    ]


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def test_broken_and_unreadable_files_are_findings_and_the_rest_is_reviewed(tmp_path: Path) -> None:
    write(tmp_path, "good.py", REGEX)
    write(tmp_path, "broken.py", "def f(:\n")
    write(tmp_path, "binary.py", b"\x00\x01\x02")
    write(tmp_path, "latin1.py", "name = 'caf\xe9'\n".encode("latin-1"))
    write(tmp_path, "huge.py", "x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    write(tmp_path, "notes.txt", "not python")
    result = review_paths([tmp_path], tmp_path, ReviewRequest())
    by_path = {}
    for f in result.findings:
        by_path.setdefault(f.path, set()).add(f.code)
    assert result.summary.files == 5
    assert by_path["good.py"] == {"FE002"}
    assert by_path["broken.py"] == {"FE000"}
    assert by_path["binary.py"] == by_path["latin1.py"] == by_path["huge.py"] == {"FE900"}
    broken = next(f for f in result.findings if f.path == "broken.py")
    assert (broken.line, broken.column) == (1, 7)
    assert "does not parse" in broken.message


def test_paths_outside_the_root_are_refused(tmp_path: Path) -> None:
    inside = tmp_path / "project"
    write(inside, "a.py", REGEX)
    write(tmp_path, "secret.py", REGEX)
    (inside / "link.py").symlink_to(tmp_path / "secret.py")
    (inside / "linkdir").symlink_to(tmp_path)
    for bad in [tmp_path / "secret.py", Path("../secret.py"), inside / "link.py", Path("/etc/passwd")]:
        with pytest.raises(InputError) as info:
            review_paths([bad], inside, ReviewRequest())
        assert info.value.argument == "paths"
    # Walking a folder, links that lead out are skipped.
    result = review_paths([inside], inside, ReviewRequest())
    assert {f.path for f in result.findings} == {"a.py"}
    with pytest.raises(InputError, match="does not exist"):
        review_paths([Path("missing.py")], inside, ReviewRequest())


def test_a_directory_of_five_thousand_files_is_reviewed_in_parallel(tmp_path: Path) -> None:
    for i in range(5000):
        write(tmp_path, f"pkg{i % 50}/m{i}.py", REGEX if i % 1000 == 0 else "x = 1\n")
    result = review_paths([tmp_path], tmp_path, ReviewRequest(select=("FE002",)))
    assert result.summary.files == 5000
    assert sorted(f.path for f in result.findings) == sorted(f"pkg0/m{i}.py" for i in range(0, 5000, 1000))


def test_hidden_and_virtualenv_folders_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "app.py", REGEX)
    write(tmp_path, ".venv/lib/x.py", REGEX)
    write(tmp_path, "node_modules/y.py", REGEX)
    write(tmp_path, ".hidden/z.py", REGEX)
    result = review_paths([tmp_path], tmp_path, ReviewRequest())
    assert {f.path for f in result.findings} == {"app.py"}


def test_config_per_file_ignores_and_excludes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nrequires-python = ">=3.12"\n[tool.fastapi-expert]\n'
        'per-file-ignores = { "tests/*" = ["FE002"] }\nextend-exclude = ["migrations/*"]\nfail-on = "error"\n',
    )
    write(tmp_path, "app.py", REGEX)
    write(tmp_path, "tests/test_app.py", REGEX)
    write(tmp_path, "migrations/v1.py", REGEX)
    loaded = load_config(tmp_path / "app.py")
    assert loaded.target_version == "py312"
    assert loaded.config.fail_on == "error"
    request = ReviewRequest(config=loaded.config, target_version=loaded.target_version)
    result = review_paths([tmp_path], tmp_path, request)
    assert {f.path for f in result.findings} == {"app.py"}


def test_unknown_config_keys_are_an_error_naming_them(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.fastapi-expert]\nselekt = ["FE001"]\n')
    with pytest.raises(ConfigError, match="selekt"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").unlink()
    assert load_config(tmp_path).config == ReviewConfig()


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("  # noqa: FE002", True),
        ("  # noqa", True),
        ("  # noqa: FE018", False),
        ("  # fastapi-expert: ignore[deprecated-query-regex]", True),
        ("  # fastapi-expert: ignore[FE002]", True),
        ("  # fastapi-expert: ignore", True),
        ("  # fastapi-expert: ignore[depends-called]", False),
    ],
)
def test_suppression_comments(comment: str, suppressed: bool) -> None:
    code = f"from fastapi import Query\nq = Query(regex='^a'){comment}\n"
    findings = check_source(code, "a.py", select_rules(("FE002",)))
    assert (findings == []) is suppressed


def test_ruff_ignores_the_users_ruff_config(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.ruff.lint]\nignore = ["ASYNC"]\n')
    write(tmp_path, "app.py", BLOCKING)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = review_paths([Path("app.py")], tmp_path, ReviewRequest())
    finally:
        os.chdir(cwd)
    assert "ASYNC251" in {f.code for f in result.findings}


def test_cache_hit_gives_the_same_findings_without_running_anything(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, "src/a.py", REGEX)
    write(tmp_path, "src/b.py", BLOCKING)
    request = ReviewRequest(cache_dir=tmp_path / "cache")
    cold = review_paths([tmp_path / "src"], tmp_path, request)

    def fail(*args, **kwargs):
        raise AssertionError("a warm review ran a check")

    monkeypatch.setattr(subprocess, "Popen", fail)  # no ruff process
    monkeypatch.setattr(engine, "check_source", fail)
    warm = review_paths([tmp_path / "src"], tmp_path, request)
    assert warm.findings == cold.findings
    # A changed file, a changed selection or a corrupt entry is a miss.
    monkeypatch.undo()
    write(tmp_path, "src/a.py", REGEX + "r = 1\n")
    changed = review_paths([tmp_path / "src"], tmp_path, request)
    assert changed.findings == cold.findings
    narrower = review_paths([tmp_path / "src"], tmp_path, ReviewRequest(cache_dir=tmp_path / "cache", select=("FE",)))
    assert {f.source for f in narrower.findings} == {"fastapi-expert"}
    with sqlite3.connect(tmp_path / "cache" / "review.sqlite3") as database:
        assert database.execute("UPDATE entries SET findings = '{not json'").rowcount >= 2
    assert review_paths([tmp_path / "src"], tmp_path, request).findings == cold.findings
    with sqlite3.connect(tmp_path / "cache" / "review.sqlite3") as database:
        database.execute('UPDATE entries SET findings = \'[{"rule": "Not Kebab"}]\'')
    assert review_paths([tmp_path / "src"], tmp_path, request).findings == cold.findings
    # A cache file that is not a database is replaced, and the review goes on.
    for leftover in (tmp_path / "cache").iterdir():
        leftover.unlink()
    (tmp_path / "cache" / "review.sqlite3").write_bytes(b"garbage" * 100)
    assert review_paths([tmp_path / "src"], tmp_path, request).findings == cold.findings
    monkeypatch.setattr(subprocess, "Popen", fail)  # no ruff process
    monkeypatch.setattr(engine, "check_source", fail)
    assert review_paths([tmp_path / "src"], tmp_path, request).findings == cold.findings


def test_files_with_the_same_content_share_an_entry_and_keep_their_paths(tmp_path: Path) -> None:
    for name in ("a.py", "b.py", "c/d.py"):
        write(tmp_path, f"src/{name}", BLOCKING)
    request = ReviewRequest(cache_dir=tmp_path / "cache")
    cold = review_paths([tmp_path / "src"], tmp_path, request)
    warm = review_paths([tmp_path / "src"], tmp_path, request)
    assert {f.path for f in cold.findings} == {"src/a.py", "src/b.py", "src/c/d.py"}
    assert warm.findings == cold.findings


def test_concurrent_runs_share_the_cache_safely(tmp_path: Path) -> None:
    """Four processes review the same tree into one fresh cache at once: each reports what an uncached run does, and
    afterwards every file has its entry."""
    for index in range(30):
        write(tmp_path, f"src/m{index}.py", BLOCKING if index % 2 else REGEX)
    expected = review_paths([tmp_path / "src"], tmp_path, ReviewRequest())
    environment = os.environ | {"FASTAPI_EXPERT_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "fastapi_expert", "review", "src", "--format", "json", "--exit-zero"]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
        findings = json.loads(out)["findings"]
        assert findings == [finding.to_dict() for finding in expected.findings]
    with sqlite3.connect(tmp_path / "cache" / "review.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM entries").fetchone()[0] == 2  # two distinct contents


def test_snippets_are_cached_per_filename_and_content(tmp_path: Path, monkeypatch) -> None:
    request = ReviewRequest(cache_dir=tmp_path)
    first = review_code(REGEX, "a.py", request)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: (_ for _ in ()).throw(AssertionError("ran ruff")))
    assert review_code(REGEX, "a.py", request).findings == first.findings
    monkeypatch.undo()
    other = review_code(REGEX, "b.py", request)
    assert {f.path for f in other.findings} == {"b.py"}


def test_storing_nothing_does_not_touch_the_database(tmp_path: Path) -> None:
    """A warm review has nothing to store: no database is opened, so no write lock is taken."""
    cache = ReviewCache(tmp_path, ("salt",))
    cache.put_many([])
    assert not (tmp_path / "review.sqlite3").exists()
    cache.put_many([(cache.key("x = 1\n"), [])])
    assert (tmp_path / "review.sqlite3").exists()
    assert cache.get(cache.key("x = 1\n"), "a.py") == []
