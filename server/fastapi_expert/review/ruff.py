"""ruff as a subprocess: our curated selection, ``--isolated`` (the user's ``[tool.ruff]`` cannot change the report),
``--output-format json`` (never its text output), mapped to the same ``Finding`` as our rules.

ruff is pinned to one minor version in pyproject: its codes and JSON are the contract this module parses.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi_expert.errors import RuffError
from fastapi_expert.findings import Finding, Fix, FixSafety, Severity, TextEdit

__all__ = ["DEFAULT_SELECTION", "RUFF_TIMEOUT", "RuffRun", "ruff_command", "ruff_severity"]

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


class RuffRun:
    """A ruff process started now and read later, so ruff works while this process runs our rules.

    Started from the caller's thread, not a helper thread: a thread would wait for the interpreter lock behind the
    rules (5 ms at a time) at each step of starting the process and again to read it, which made "concurrent" ruff
    cost its whole run on a snippet. Use it as a context manager: leaving the block kills a process not read.
    ``RuffRun(...).result()`` runs ruff and waits for it.
    """

    def __init__(
        self,
        paths: Sequence[Path] = (),
        *,
        stdin: str | None = None,
        stdin_filename: str = "main.py",
        select: Sequence[str] = DEFAULT_SELECTION,
        target_version: str = "py311",
        display_path: dict[str, str] | None = None,
    ) -> None:
        self._names = display_path or {}
        self._process: subprocess.Popen[bytes] | None = None
        if not paths and stdin is None:
            return
        command = ruff_command(select, target_version)
        if stdin is not None:
            command += ["--stdin-filename", stdin_filename, "-"]
        else:
            command += ["--", *(str(path) for path in paths)]
        reader, writer = os.pipe() if stdin is not None else (subprocess.DEVNULL, -1)
        try:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed command line; paths are passed after "--"
                command, stdin=reader, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as exc:
            if stdin is not None:
                os.close(writer)
            raise RuffError(str(exc)) from exc
        finally:
            if stdin is not None:
                os.close(reader)
        if stdin is not None:
            # ruff reads all of stdin before it writes anything, so writing it all now cannot deadlock.
            with open(writer, "wb") as stream, contextlib.suppress(BrokenPipeError):
                stream.write(stdin.encode())

    def __enter__(self) -> RuffRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            self._process.communicate()

    def result(self) -> list[Finding]:
        """Wait for ruff (``RUFF_TIMEOUT`` at most) and map its findings."""
        if self._process is None:
            return []
        try:
            stdout, stderr = self._process.communicate(timeout=RUFF_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            self._process.kill()
            self._process.communicate()
            raise RuffError(f"ruff did not finish in {RUFF_TIMEOUT} s") from exc
        if self._process.returncode != 0:
            raise RuffError(stderr.decode(errors="replace").strip()[-2000:], returncode=self._process.returncode)
        try:
            return [
                _finding(diagnostic, self._names.get(diagnostic["filename"], diagnostic["filename"]))
                for diagnostic in json.loads(stdout)
                if diagnostic["code"] and diagnostic["code"] != "invalid-syntax"
            ]
        except (ValueError, TypeError, KeyError) as exc:  # ruff's JSON is the pinned contract: anything else is a bug
            raise RuffError(f"unexpected output ({type(exc).__name__}: {exc}): {stdout[:200]!r}") from exc


def _position(location: dict[str, Any]) -> tuple[int, int]:
    row, column = location["row"], location["column"]
    if type(row) is not int or type(column) is not int:
        raise TypeError(f"a location is not two integers: {location!r}")
    return max(row, 1), max(column, 1)


def _finding(diagnostic: dict[str, Any], path: str) -> Finding:
    """One diagnostic of ``ruff check --output-format json`` (a ``KeyError``/``TypeError``/``ValueError`` when it is
    not one) as a finding."""
    code: str = diagnostic["code"]
    fix = None
    offered = diagnostic.get("fix")
    if offered is not None and offered["applicability"] in {"safe", "unsafe"}:
        edits = []
        for edit in offered["edits"]:
            (line, column), (end_line, end_column) = _position(edit["location"]), _position(edit["end_location"])
            edits.append(
                TextEdit(line=line, column=column, end_line=end_line, end_column=end_column, text=edit["content"])
            )
        fix = Fix(
            title=offered.get("message") or "Apply ruff's fix", safety=FixSafety(offered["applicability"]), edits=edits
        )
    start, end = _position(diagnostic["location"]), _position(diagnostic["end_location"])
    end = max(start, end)
    return Finding(
        rule=diagnostic.get("name") or code.lower(),
        code=code,
        severity=ruff_severity(code),
        path=path,
        line=start[0],
        column=start[1],
        end_line=end[0],
        end_column=end[1],
        message=diagnostic["message"],
        fix=fix,
        source="ruff",
    )
