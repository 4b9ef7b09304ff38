"""Real-world false positives: every error and warning on FastAPI's docs_src is explained by the allow-list.

The corpus is FastAPI's sdist of the version the allow-list was judged on, from ``bench/.cache`` or downloaded there
with pip. A failed download fails the test (CI reaches PyPI): it does not skip.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from fastapi_expert.models import Finding, Severity

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load_bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


findings_check = _load_bench("docs_src_findings")


def _finding(path: str, code: str, line: int, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(
        rule=code.lower(),
        code=code,
        severity=severity,
        path=path,
        line=line,
        column=1,
        end_line=line,
        end_column=2,
        message="m",
        source="ruff",
    )


def test_allowlist_is_well_formed() -> None:
    allowlist = findings_check.load_allowlist()
    assert allowlist.fastapi.count(".") == 2
    assert allowlist.entries
    keys = [(entry.path, entry.code, entry.line) for entry in allowlist.entries]
    assert len(keys) == len(set(keys)), "an entry is listed twice"


def test_allowlist_rejects_an_entry_without_reason(tmp_path: Path) -> None:
    path = tmp_path / "allow.toml"
    path.write_text('fastapi = "0.1.0"\nallow = [{ path = "a.py", code = "S105" }]\n')
    with pytest.raises(ValueError, match="allow\\[0\\]"):
        findings_check.load_allowlist(path)


def test_judge_explains_by_path_code_and_line_and_ignores_infos() -> None:
    allowlist = findings_check.AllowList(
        "0.1.0",
        (
            findings_check.Allowed("security/*.py", "S105", None, "literal key"),
            findings_check.Allowed("a.py", "B904", 3, "on purpose"),
        ),
    )
    explained, unexplained = findings_check.judge(
        [
            _finding("security/t1.py", "S105", 9),
            _finding("a.py", "B904", 3, Severity.WARNING),
            _finding("a.py", "B904", 4, Severity.WARNING),
            _finding("b.py", "FAST002", 1, Severity.INFO),
        ],
        allowlist,
    )
    assert [(f.path, f.line) for f, _ in explained] == [("security/t1.py", 9), ("a.py", 3)]
    assert [(f.path, f.line) for f in unexplained] == [("a.py", 4)]


@pytest.mark.slow
def test_docs_src_has_no_unexplained_findings() -> None:
    allowlist = findings_check.load_allowlist()
    root = findings_check.corpus(allowlist.fastapi)  # downloads the sdist when bench/.cache does not have it
    outcome = findings_check.check(root, allowlist)
    assert outcome.files > 400, f"docs_src of FastAPI {allowlist.fastapi} looks truncated: {outcome.files} files"
    if outcome.unexplained or outcome.stale:
        pytest.fail(findings_check.report(outcome, allowlist.fastapi), pytrace=False)
