"""``fastapi-expert validate``: run files in a sandboxed copy of the reference app, like the ``validate_code`` tool.

``validate DIR`` takes every text file under ``DIR`` (hidden folders, virtualenvs and caches skipped) at its path
relative to ``DIR``, so ``DIR`` plays the app's root (``DIR/app/routers/items.py`` -> ``app/routers/items.py``).
``validate FILE...`` takes each file at its path relative to the current folder, which plays the app's root.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi_expert.cli.codes import EXIT_FINDINGS, EXIT_OK
from fastapi_expert.errors import InputError

if TYPE_CHECKING:
    from fastapi_expert.validate.models import ValidationReport

__all__ = ["add_parser", "collect", "format_report"]

_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "venv", "env", "build", "dist"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo", ".db", ".sqlite", ".sqlite3", ".so")


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    validate = verbs.add_parser(
        "validate",
        help="run files in a sandboxed copy of the reference app: syntax, ruff, review, import, start-up, routes",
        description="Lay the files over a copy of the reference FastAPI app and run them in a sandbox. DIR: every "
        "text file under it, at its path relative to DIR (e.g. DIR/app/routers/items.py). FILE...: each file at "
        "its path relative to the current folder. Exit 0 when every step passed, 1 when one failed, 2 on bad input.",
    )
    validate.add_argument("paths", nargs="+", metavar="DIR|FILE", help="one folder, or files under the current one")
    validate.add_argument("--fuzz", action="store_true", help="also fuzz the new routes with schemathesis")
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    validate.add_argument("--timeout", type=float, metavar="S", help="seconds the sandboxed steps may take")
    validate.set_defaults(handler=_validate)


def collect(paths: list[Path], cwd: Path) -> list[tuple[str, str]]:
    """The ``(path in the app, content)`` of each file named on the command line (see the module docstring)."""
    if len(paths) == 1 and paths[0].is_dir():
        root = paths[0].resolve()
        found = sorted(path for path in root.rglob("*") if path.is_file() and _wanted(path.relative_to(root)))
        if not found:
            raise InputError(f"{paths[0]} holds no files to validate", argument="paths")
        return [(path.relative_to(root).as_posix(), _read(path)) for path in found]
    files = []
    for path in paths:
        if path.is_dir():
            raise InputError(f"{path} is a folder: pass one folder alone, or files", argument="paths")
        if not path.is_file():
            raise InputError(f"{path} does not exist", argument="paths")
        resolved = path.resolve()
        if not resolved.is_relative_to(cwd):
            raise InputError(
                f"{path} is outside the current folder; run from the app's root or pass its folder", argument="paths"
            )
        files.append((resolved.relative_to(cwd).as_posix(), _read(path)))
    return files


def _wanted(relative: Path) -> bool:
    if any(part.startswith(".") or part in _SKIPPED_DIRS for part in relative.parts[:-1]):
        return False
    return not relative.name.startswith(".") and not relative.name.endswith(_SKIPPED_SUFFIXES)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start})", argument="paths") from exc
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror}", argument="paths") from exc


def format_report(report: ValidationReport, *, unicode: bool = True) -> str:
    """One line per step (mark, name, milliseconds, summary), the failed step's detail in full, then the verdict."""
    passed, failed = ("✔", "✘") if unicode else ("ok", "FAIL")
    lines = []
    for step in report.steps:
        if step.skipped:
            lines.append(f"{'-':<4} {step.name:<8} {'':>8}  skipped")
            continue
        mark = passed if step.ok else failed
        first, _, rest = step.detail.partition("\n")
        lines.append(f"{mark:<4} {step.name:<8} {step.duration_ms:>6.0f} ms  {first}".rstrip())
        if not step.ok and rest:
            lines.extend(f"       {line}".rstrip() for line in rest.splitlines())
    failure = report.failed_step
    lines.append("valid: every step passed" if failure is None else f"invalid: the {failure.name} step failed")
    return "\n".join(lines) + "\n"


def _validate(args: argparse.Namespace) -> int:
    import anyio

    from fastapi_expert.validate.harness import validate_files
    from fastapi_expert.validate.overlay import checked_files
    from fastapi_expert.validate.sandbox import spares

    spares.enabled = False  # one run, then the process ends: a warm spare would be started only to be killed
    files = checked_files(collect([Path(path) for path in args.paths], Path.cwd().resolve()))
    report = anyio.run(lambda: validate_files(files, fuzz=args.fuzz, timeout=args.timeout))
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        encoding = sys.stdout.encoding or "ascii"
        try:
            "✔✘".encode(encoding)
            unicode = True
        except UnicodeEncodeError:
            unicode = False
        print(format_report(report, unicode=unicode), end="")
    return EXIT_OK if report.ok else EXIT_FINDINGS
