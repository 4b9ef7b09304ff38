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

STEPS: list[tuple[str, list[str]]] = [
    ("pytest", ["-m", "pytest"]),
    ("ruff check", ["-m", "ruff", "check", "."]),
    ("ruff format", ["-m", "ruff", "format", "--check", "."]),
    ("mypy --strict (package)", ["-m", "mypy", "--strict", "server/fastapi_expert"]),
    ("mypy (knowledge examples)", ["-m", "mypy", "knowledge/examples"]),
    ("rules page up to date", ["scripts/rules_page.py", "--check"]),
]


def main() -> int:
    failed = []
    for name, arguments in STEPS:
        print(f"==> {name}", flush=True)
        result = subprocess.run([sys.executable, *arguments], cwd=REPO, check=False)
        if result.returncode != 0:
            failed.append(f"{name} (exit {result.returncode})")
    if failed:
        print("FAILED: " + ", ".join(failed), flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
