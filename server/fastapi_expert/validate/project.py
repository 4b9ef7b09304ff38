"""Validating a whole project as itself: its app imports and builds its OpenAPI schema, and its own test suite
passes, run by a Python of the caller's choosing (the project's virtualenv, or ours).

``validate_project`` copies the project to a fresh folder (``project_copy``) and runs, each in its own process
group with a scrubbed environment, a timeout, and the detected namespaces (``sandbox.detect_isolation``: no network,
a PID namespace whose processes all die with it) when the machine allows them:

- ``app``: ``python -c`` imports ``module:variable`` and builds ``app.openapi()`` (paths and operations counted);
- ``tests``: ``python -m pytest -q`` in the copy's root (or the given test folder).

A Python that lacks a module the project imports fails the step with the ``ModuleNotFoundError``, which names it.
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
from collections.abc import Sequence
from pathlib import Path

from fastapi_expert.validate.models import ValidationStep

__all__ = [
    "APP_STEP",
    "TESTS_STEP",
    "app_step",
    "project_copy",
    "suite_step",
    "validate_project",
    "validate_project_copy",
]

APP_STEP = "app"
TESTS_STEP = "tests"
_OUTPUT_CHARS = 4000
_IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".git", ".venv", "venv", "node_modules", ".pytest_cache", ".mypy_cache", ".ruff_cache"
)
_MISSING = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
_APP_PROBE = """
import importlib, json, sys
module, _, variable = sys.argv[1].partition(":")
app = getattr(importlib.import_module(module), variable)
schema = app.openapi()
json.dumps(schema)
paths = schema.get("paths", {})
print(json.dumps({"paths": len(paths), "operations": sum(len(item) for item in paths.values())}))
"""


def project_copy(root: Path, dest: Path) -> Path:
    """Copy the project at ``root`` into ``dest`` (virtualenvs, VCS folders and caches left out); return ``dest``."""
    shutil.copytree(root, dest, ignore=_IGNORED, dirs_exist_ok=True)
    return dest


def _environment(home: Path, database_url: str | None, source_root: str) -> dict[str, str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": source_root,
    }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def _run(command: Sequence[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str, float]:
    """Run ``command`` in its own session (and the detected namespaces); kill its whole group on timeout."""
    from fastapi_expert.validate.sandbox import detect_isolation

    prefix = list(detect_isolation().unshare)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own command line (python -c / -m pytest)
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


def app_step(
    root: Path,
    app: str,
    *,
    python: Path,
    source_root: str = ".",
    timeout: float = 60.0,
    database_url: str | None = None,
) -> ValidationStep:
    """Import ``app`` (``module:variable``) with ``python`` in ``root`` and build its OpenAPI schema."""
    with tempfile.TemporaryDirectory(prefix="fastapi-expert-home-") as home:
        env = _environment(Path(home), database_url, source_root)
        code, output, duration = _run([str(python), "-c", _APP_PROBE, app], root, env, timeout)
    if code is None:
        return ValidationStep(name=APP_STEP, ok=False, duration_ms=duration, detail=f"timed out after {timeout:g} s")
    if code != 0:
        return ValidationStep(name=APP_STEP, ok=False, duration_ms=duration, detail=_tail(output))
    try:
        counts = json.loads(output.strip().splitlines()[-1])
        detail = f"{app} imports; OpenAPI: {counts['paths']} paths, {counts['operations']} operations"
    except (ValueError, IndexError, KeyError, TypeError):
        detail = f"{app} imports and builds its OpenAPI schema"
    return ValidationStep(name=APP_STEP, ok=True, duration_ms=duration, detail=f"{detail} (python: {python})")


def suite_step(
    root: Path,
    *,
    python: Path,
    tests: Sequence[str] = (),
    source_root: str = ".",
    timeout: float = 120.0,
    database_url: str | None = None,
) -> ValidationStep:
    """Run the project's pytest suite (or ``tests``) with ``python`` in ``root``; ok when it passes."""
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    with tempfile.TemporaryDirectory(prefix="fastapi-expert-home-") as home:
        env = _environment(Path(home), database_url, source_root)
        code, output, duration = _run(command, root, env, timeout)
    summary = next((line for line in reversed(output.strip().splitlines()) if " in " in line), "").strip("= ")
    if code is None:
        return ValidationStep(name=TESTS_STEP, ok=False, duration_ms=duration, detail=f"timed out after {timeout:g} s")
    if code != 0:
        return ValidationStep(name=TESTS_STEP, ok=False, duration_ms=duration, detail=_tail(output))
    return ValidationStep(
        name=TESTS_STEP, ok=True, duration_ms=duration, detail=f"pytest: {summary} (python: {python})"
    )


def validate_project(
    root: Path,
    app: str,
    *,
    python: Path | None = None,
    source_root: str = ".",
    tests: Sequence[str] = (),
    timeout: float = 120.0,
    database_url: str | None = None,
) -> list[ValidationStep]:
    """``validate_project_copy`` on a fresh copy of ``root`` (the project itself is never touched)."""
    with tempfile.TemporaryDirectory(prefix="fastapi-expert-project-") as folder:
        copy = project_copy(root, Path(folder) / "project")
        return validate_project_copy(
            copy, app, python=python, source_root=source_root, tests=tests, timeout=timeout, database_url=database_url
        )


def validate_project_copy(
    copy: Path,
    app: str,
    *,
    python: Path | None = None,
    source_root: str = ".",
    tests: Sequence[str] = (),
    timeout: float = 120.0,
    database_url: str | None = None,
) -> list[ValidationStep]:
    """The ``app`` and ``tests`` steps in ``copy`` (``python`` defaults to ours); ``tests`` skipped when ``app``
    fails."""
    ours = python is None or Path(python) == Path(sys.executable)
    python = python or Path(sys.executable)
    options = {"python": python, "source_root": source_root, "timeout": timeout, "database_url": database_url}
    steps = [app_step(copy, app, **options)]  # type: ignore[arg-type]
    if steps[0].ok:
        step = suite_step(copy, tests=tests, **options)  # type: ignore[arg-type]
        missing = _MISSING.search(step.detail)
        if not step.ok and missing and ours and not (copy / source_root / missing[1].split(".")[0]).exists():
            detail = (
                f"not run: fastapi-expert's Python lacks {missing[1]!r}, which the project's tests need; give the "
                f"project a virtualenv (.venv) with its dependencies to run them\n{step.detail}"
            )
            step = ValidationStep(name=TESTS_STEP, ok=True, duration_ms=step.duration_ms, detail=detail, skipped=True)
        steps.append(step)
    else:
        steps.append(
            ValidationStep(name=TESTS_STEP, ok=False, duration_ms=0, detail="skipped: app failed", skipped=True)
        )
    return steps
