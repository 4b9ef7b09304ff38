"""Validating a whole project as itself: its own test suite passes and its app imports and builds its OpenAPI
schema, run by a Python of the caller's choosing (the project's virtualenv, or ours).

``validate_changes`` copies the project to a fresh folder (``project_copy``); ``project_steps`` runs, in one
interpreter with its own process group, a scrubbed environment (plus the settings the caller supplies), a timeout and
the detected namespaces (``sandbox.detect_isolation``: no network, a PID namespace whose processes all die with it)
when the machine allows them:

- ``tests``: ``pytest -q`` in the copy's root (or the given test folder); no tests collected is a skipped step;
- ``app``: then ``module:variable`` imported (after the tests, whose conftest may set the environment the app reads)
  and ``app.openapi()`` built (paths and operations counted).

One interpreter, not one per step: starting Python and importing the framework is most of the time of a small
project's validation. A Python that lacks a module the project imports fails with the ``ModuleNotFoundError``,
which names it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_expert.validate.models import ValidationReport, ValidationStep

if TYPE_CHECKING:
    from fastapi_expert.models import GeneratedFile
    from fastapi_expert.project import ChangeSet, ProjectLayout

__all__ = [
    "APP_STEP",
    "TESTS_STEP",
    "project_copy",
    "project_steps",
    "syntax_step",
    "validate_changes",
    "validate_project_copy",
]

APP_STEP = "app"
TESTS_STEP = "tests"
_OUTPUT_CHARS = 4000
_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".git", ".venv", "venv", "node_modules", ".pytest_cache", ".mypy_cache", ".ruff_cache"
)
_MISSING = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
#: The line the runner prints its report on, after pytest's output.
_MARKER = "@@fastapi-expert-project-report@@ "
#: One interpreter for both steps: pytest first (its conftest may set the environment the app reads at import), then
#: the app imported (already, by the tests, most of the time) and its OpenAPI schema built. Then leave at once: threads
#: the project left running must not keep the process alive.
_RUNNER = """
import importlib, json, os, sys, time, traceback
app_ref, run_tests, *arguments = sys.argv[1:]
report = {}
if run_tests == "1":
    started = time.perf_counter()
    try:
        import pytest
        report["tests"] = int(pytest.main(arguments))
    except BaseException:
        report["tests_error"] = traceback.format_exc()
    report["tests_ms"] = (time.perf_counter() - started) * 1000
started = time.perf_counter()
try:
    module, _, variable = app_ref.partition(":")
    app = getattr(importlib.import_module(module), variable)
    schema = app.openapi()
    json.dumps(schema)
    paths = schema.get("paths", {})
    report["app"] = {"paths": len(paths), "operations": sum(len(item) for item in paths.values())}
except BaseException:
    report["app_error"] = traceback.format_exc()
report["app_ms"] = (time.perf_counter() - started) * 1000
sys.stdout.flush()
sys.stderr.flush()
sys.stdout.write("\\n" + MARKER + json.dumps(report) + "\\n")
sys.stdout.flush()
os._exit(0)
""".replace("MARKER", repr(_MARKER))
#: pytest's exit code when it collected no tests.
_NO_TESTS = 5


def project_copy(root: Path, dest: Path) -> Path:
    """Copy the project at ``root`` into ``dest`` (virtualenvs, VCS folders and caches left out); return ``dest``."""
    shutil.copytree(root, dest, ignore=_IGNORED, dirs_exist_ok=True)
    return dest


def _environment(
    home: Path, database_url: str | None, source_root: str, extra: Mapping[str, str], plugins: bool
) -> dict[str, str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": source_root,
        **extra,
    }
    if not plugins:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def _run(command: Sequence[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str, float]:
    """Run ``command`` in its own session (and the detected namespaces); kill its whole group on timeout."""
    from fastapi_expert.validate.sandbox import detect_isolation

    prefix = list(detect_isolation().unshare)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own command line (python -c RUNNER)
        [*prefix, *command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        code = None
        output = b""
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if process.returncode is None:
            output, _ = process.communicate()
    return code, output.decode("utf-8", "replace"), (time.perf_counter() - started) * 1000


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _OUTPUT_CHARS else "[...]" + text[-_OUTPUT_CHARS:]


def project_steps(
    root: Path,
    app: str,
    *,
    python: Path,
    source_root: str = ".",
    tests: Sequence[str] = (),
    run_tests: bool = True,
    timeout: float = 120.0,
    database_url: str | None = None,
    environment: Mapping[str, str] | None = None,
    plugins: bool = True,
) -> list[ValidationStep]:
    """The ``app`` and ``tests`` steps, run by one ``python`` in ``root``: pytest (``tests``, default the project's own
    configuration) unless ``run_tests`` is false, then ``app`` (``module:variable``) imported and its OpenAPI schema
    built. ``environment`` is added to the scrubbed environment (settings the project needs); ``plugins=False`` turns
    pytest's plugin autoloading off (a project whose tests need none starts seconds faster)."""
    arguments = ["-q", "-p", "no:cacheprovider", "--no-header", *tests]
    command = [str(python), "-c", _RUNNER, app, "1" if run_tests else "0", *arguments]
    with tempfile.TemporaryDirectory(prefix="fastapi-expert-home-") as home:
        env = _environment(Path(home), database_url, source_root, environment or {}, plugins)
        code, output, duration = _run(command, root, env, timeout)
    text, marker, tail = output.rpartition(_MARKER)
    report: dict[str, object] = {}
    if marker:
        with contextlib.suppress(ValueError):
            report = json.loads(tail.strip().splitlines()[0])
    if code is None or not marker:
        reason = f"timed out after {timeout:g} s" if code is None else f"the run stopped (exit code {code})"
        detail = f"{reason}\n{_tail(output)}".rstrip()
        steps = [ValidationStep(name=APP_STEP, ok=False, duration_ms=duration, detail=detail)]
        if run_tests:
            steps.append(ValidationStep(name=TESTS_STEP, ok=False, duration_ms=0, detail=detail, skipped=True))
        return steps
    return [_app_result(report, app, python), *(_tests_result(report, text, python) if run_tests else [])]


def _milliseconds(report: Mapping[str, object], key: str) -> float:
    value = report.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _app_result(report: Mapping[str, object], app: str, python: Path) -> ValidationStep:
    duration = _milliseconds(report, "app_ms")
    counts = report.get("app")
    if not isinstance(counts, dict):
        return ValidationStep(name=APP_STEP, ok=False, duration_ms=duration, detail=_tail(str(report.get("app_error"))))
    detail = f"{app} imports; OpenAPI: {counts.get('paths')} paths, {counts.get('operations')} operations"
    return ValidationStep(name=APP_STEP, ok=True, duration_ms=duration, detail=f"{detail} (python: {python})")


def _tests_result(report: Mapping[str, object], output: str, python: Path) -> list[ValidationStep]:
    duration = _milliseconds(report, "tests_ms")
    code = report.get("tests")
    if code == _NO_TESTS:
        detail = f"pytest collected no tests (python: {python})"
        return [ValidationStep(name=TESTS_STEP, ok=True, duration_ms=duration, detail=detail, skipped=True)]
    if code != 0:
        detail = _tail(output + str(report.get("tests_error") or ""))
        return [ValidationStep(name=TESTS_STEP, ok=False, duration_ms=duration, detail=detail)]
    summary = next((line for line in reversed(output.strip().splitlines()) if " in " in line), "").strip("= ")
    detail = f"pytest: {summary} (python: {python})"
    return [ValidationStep(name=TESTS_STEP, ok=True, duration_ms=duration, detail=detail)]


def validate_project_copy(
    copy: Path,
    app: str,
    *,
    python: Path | None = None,
    source_root: str = ".",
    tests: Sequence[str] = (),
    timeout: float = 120.0,
    database_url: str | None = None,
    environment: Mapping[str, str] | None = None,
) -> list[ValidationStep]:
    """The ``app`` and ``tests`` steps in ``copy`` (``python`` defaults to ours). With our Python, tests that fail
    only because it lacks a module the project needs are reported as not run, naming the module."""
    ours = python is None or Path(python) == Path(sys.executable)
    python = python or Path(sys.executable)
    steps = project_steps(
        copy,
        app,
        python=python,
        source_root=source_root,
        tests=tests,
        timeout=timeout,
        database_url=database_url,
        environment=environment,
    )
    app_result, tests_result = steps
    missing = _MISSING.search(tests_result.detail)
    if not tests_result.ok and missing and ours and not (copy / source_root / missing[1].split(".")[0]).exists():
        detail = (
            f"not run: fastapi-expert's Python lacks {missing[1]!r}, which the project's tests need; give the "
            f"project a virtualenv (.venv) with its dependencies to run them\n{tests_result.detail}"
        )
        tests_result = ValidationStep(
            name=TESTS_STEP, ok=True, duration_ms=tests_result.duration_ms, detail=detail, skipped=True
        )
    return [app_result, tests_result]


def validate_changes(layout: ProjectLayout, changes: ChangeSet) -> tuple[ValidationReport, list[str]]:
    """``changes`` (a tool's edits of the project at ``layout``) applied to a copy of the project, then its app
    imported and its OpenAPI built and its own tests run (``validate_project_copy``), by the project's virtualenv when
    it has one; the settings' required fields get test values and a database URL override points at SQLite in the copy
    (``validate.environment``). Returns the report (syntax first) and notes on how it ran."""
    from fastapi_expert.project import files_from
    from fastapi_expert.validate.environment import describe, settings_environment

    notes = []
    python = layout.venv.python if layout.venv is not None else Path(sys.executable)
    if layout.venv is None:
        notes.append("the project has no virtualenv (.venv, venv): validated with fastapi-expert's Python")
    syntax = syntax_step(files_from(changes))
    if not syntax.ok:
        return ValidationReport(ok=False, steps=[syntax]), notes
    with tempfile.TemporaryDirectory(prefix="fastapi-expert-inplace-") as folder:
        copy = project_copy(layout.root, Path(folder) / "project")
        changes.write(copy)
        # The settings' required fields get test values, and a database URL override points at SQLite in the copy
        # (validate.environment states the rules); the project's env file, when it defines a name, wins.
        is_async = layout.session is not None and layout.session.is_async
        settings = layout.settings.path if layout.settings.exists else None
        environment = settings_environment(copy, settings, is_async=is_async)
        if environment:
            shown = describe({name: value.replace(str(copy), "<copy>") for name, value in environment.items()})
            notes.append(f"validated with the settings' environment: {shown}")
        steps = validate_project_copy(
            copy,
            layout.app.import_string,
            python=python,
            source_root=layout.source_root,
            environment=environment,
        )
    all_steps = [syntax, *steps]
    return ValidationReport(ok=all(step.ok for step in all_steps), steps=all_steps), notes


def syntax_step(files: Sequence[GeneratedFile]) -> ValidationStep:
    """Every Python file of ``files`` compiles (the first step of validating changes)."""
    problems = []
    for file in files:
        if file.path.endswith(".py"):
            try:
                compile(file.content, file.path, "exec", dont_inherit=True)
            except SyntaxError as exc:
                problems.append(f"{file.path}:{exc.lineno}: {exc.msg}")
    detail = "\n".join(problems) or f"{len(files)} files compile"
    return ValidationStep(name="syntax", ok=not problems, duration_ms=0, detail=detail)
