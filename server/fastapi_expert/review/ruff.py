"""ruff as a subprocess: our curated selection, ``--isolated`` (the user's ``[tool.ruff]`` cannot change the report),
``--output-format json`` (never its text output), mapped to the same ``Finding`` as our rules.

ruff is pinned to one minor version in pyproject: its codes and JSON are the contract this module parses.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_expert.errors import RuffError
from fastapi_expert.findings import Finding, Fix, FixSafety, Severity, TextEdit

if TYPE_CHECKING:
    from fastapi_expert.review.ruff_output import Diagnostic

__all__ = ["DEFAULT_SELECTION", "RUFF_TIMEOUT", "ruff_command", "ruff_severity", "run_ruff"]

#: RULES.md's curated selection. FAST003 is left out: FE012 replaces it. B008 never (it fires on every Depends).
DEFAULT_SELECTION: tuple[str, ...] = (
    "FAST001",
    "FAST002",
    "ASYNC",
    "S104",
    "S105",
    "S106",
    "S107",
    "S113",
    "S301",
    "S307",
    "S324",
    "S501",
    "S506",
    "S602",
    "S608",
    "DTZ003",
    "DTZ005",
    "E722",
    "BLE001",
    "B006",
    "B904",
    "RUF006",
    "UP006",
    "UP007",
    "UP035",
    "UP045",
)

#: Severity by code prefix, first match wins: security and bare except are bugs; async, time zones and bugbear are
#: risky; FastAPI style and pyupgrade are a better way. B904 (raise without `from` in `except`) and B006 (mutable
#: default) are info: in FastAPI code they fire on `raise HTTPException(...)` in an `except` (turned into a 4xx, no
#: traceback) and on route parameter defaults (FastAPI copies defaults per request), which the docs teach.
_SEVERITY_PREFIXES: tuple[tuple[str, Severity], ...] = (
    ("S", Severity.ERROR),
    ("E722", Severity.ERROR),
    ("B904", Severity.INFO),
    ("B006", Severity.INFO),
    ("ASYNC", Severity.WARNING),
    ("DTZ", Severity.WARNING),
    ("BLE", Severity.WARNING),
    ("B", Severity.WARNING),
    ("RUF006", Severity.WARNING),
    ("FAST", Severity.INFO),
    ("UP", Severity.INFO),
)

#: Seconds one ruff run may take before it counts as hung.
RUFF_TIMEOUT = 120


def ruff_severity(code: str) -> Severity:
    """The severity a ruff code is reported with (the one documented table)."""
    for prefix, severity in _SEVERITY_PREFIXES:
        if code.startswith(prefix):
            return severity
    return Severity.WARNING


@functools.cache
def _ruff_binary() -> str:
    """The pinned ruff's executable (looked up once per process: the lookup walks sysconfig paths)."""
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


def ruff_command(select: Sequence[str] = DEFAULT_SELECTION, target_version: str = "py311") -> list[str]:
    """The ruff command line of a review, without the files: isolated, uncached, JSON, our selection."""
    return [
        _ruff_binary(),
        "check",
        "--isolated",
        "--no-cache",
        "--exit-zero",
        "--output-format",
        "json",
        "--target-version",
        target_version,
        "--select",
        ",".join(select),
    ]


def run_ruff(
    paths: Sequence[Path] = (),
    *,
    stdin: str | None = None,
    stdin_filename: str = "main.py",
    select: Sequence[str] = DEFAULT_SELECTION,
    target_version: str = "py311",
    display_path: dict[str, str] | None = None,
) -> list[Finding]:
    """ruff's findings for ``paths`` (or for ``stdin`` under ``stdin_filename``); syntax errors are left to us."""
    if not paths and stdin is None:
        return []
    command = ruff_command(select, target_version)
    if stdin is not None:
        command += ["--stdin-filename", stdin_filename, "-"]
    else:
        command += ["--", *(str(path) for path in paths)]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed command line; paths are passed after "--"
            command,
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            timeout=RUFF_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuffError(str(exc)) from exc
    if completed.returncode != 0:
        raise RuffError(completed.stderr.decode(errors="replace").strip()[-2000:], returncode=completed.returncode)
    from fastapi_expert.review.ruff_output import parse_diagnostics  # pydantic: only when ruff actually ran

    diagnostics = parse_diagnostics(completed.stdout)
    names = display_path or {}
    return [
        _finding(diagnostic, names.get(diagnostic.filename, diagnostic.filename))
        for diagnostic in diagnostics
        if diagnostic.code and diagnostic.code != "invalid-syntax"
    ]


def _finding(diagnostic: Diagnostic, path: str) -> Finding:
    code = diagnostic.code or ""
    fix = None
    if diagnostic.fix is not None and diagnostic.fix.applicability in {"safe", "unsafe"}:
        fix = Fix(
            title=diagnostic.fix.message or "Apply ruff's fix",
            safety=FixSafety(diagnostic.fix.applicability),
            edits=[
                TextEdit(
                    line=edit.location.row,
                    column=edit.location.column,
                    end_line=edit.end_location.row,
                    end_column=edit.end_location.column,
                    text=edit.content,
                )
                for edit in diagnostic.fix.edits
            ],
        )
    line, column = diagnostic.location.row, diagnostic.location.column
    end_line, end_column = diagnostic.end_location.row, diagnostic.end_location.column
    if (end_line, end_column) < (line, column):
        end_line, end_column = line, column
    return Finding(
        rule=diagnostic.name or code.lower(),
        code=code,
        severity=ruff_severity(code),
        path=path,
        line=max(line, 1),
        column=max(column, 1),
        end_line=max(end_line, 1),
        end_column=max(end_column, 1),
        message=diagnostic.message,
        fix=fix,
        source="ruff",
    )
