"""The project's whole gate, as CI runs it: pytest, ruff (lint and format), mypy, generated pages.

Run from anywhere with the test virtualenv's interpreter: ``.venv/bin/python scripts/check.py``. Every step runs even
when an earlier one fails, so one run shows everything that is wrong; the exit code is non-zero if any step failed
(pytest's exit 5, "no tests collected", counts as a failure).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The reference app is a project of its own (validate_code runs copies of it): its tests import it as ``app``.
REFERENCE_APP = REPO / "server/fastapi_expert/validate/reference_app"

#: (name, arguments of ``python``, working directory)
STEPS: list[tuple[str, list[str], Path]] = [
    ("pytest", ["-m", "pytest"], REPO),
    ("ruff check", ["-m", "ruff", "check", "."], REPO),
    ("ruff format", ["-m", "ruff", "format", "--check", "."], REPO),
    # The package run sees the reference app's `app` as fastapi_expert.validate.reference_app.app (its imports are
    # relative); the app's tests import it as `app`, which only resolves from the app's folder: the next step.
    (
        "mypy --strict (package)",
        [
            "-m",
            "mypy",
            "--strict",
            "--exclude",
            "^server/fastapi_expert/validate/reference_app/tests/",
            "server/fastapi_expert",
        ],
        REPO,
    ),
    (
        "mypy --strict (reference app)",
        ["-m", "mypy", "--strict", "--explicit-package-bases", "app", "tests"],
        REFERENCE_APP,
    ),
    ("mypy (knowledge examples)", ["-m", "mypy", "knowledge/examples"], REPO),
    ("rules page up to date", ["scripts/rules_page.py", "--check"], REPO),
]


def main() -> int:
    failed = []
    for name, arguments, cwd in STEPS:
        print(f"==> {name}", flush=True)
        result = subprocess.run([sys.executable, *arguments], cwd=cwd, check=False)
        if result.returncode != 0:
            failed.append(f"{name} (exit {result.returncode})")
    if failed:
        print("FAILED: " + ", ".join(failed), flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
