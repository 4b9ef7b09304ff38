"""``review --diff BASE``: the lines each file changed since a git revision, from ``git diff --unified=0``."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from fastapi_expert.errors import InputError
from fastapi_expert.findings import Finding

__all__ = ["changed_lines", "only_changed"]

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@", re.MULTILINE)
_FILE = re.compile(r"^\+\+\+ b/(?P<path>.+)$", re.MULTILINE)
_REVISION = re.compile(r"^[A-Za-z0-9_./~^@{}-]{1,200}$")


def changed_lines(base: str, root: Path) -> dict[str, set[int]]:
    """For each file changed since ``base`` (committed or not), the set of its new or changed line numbers.

    Paths are relative to ``root``; a file added since ``base`` counts every line as changed.
    """
    if not _REVISION.match(base) or base.startswith("-"):
        raise InputError(f"{base!r} is not a git revision", argument="--diff")
    git = shutil.which("git")
    if git is None:
        raise InputError("needs git, which is not installed", argument="--diff")
    try:
        top = subprocess.run(  # noqa: S603 - fixed arguments
            [git, "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        diff = subprocess.run(  # noqa: S603 - the revision is checked against _REVISION and cannot be an option
            [git, "diff", "--unified=0", "--no-color", "--no-ext-diff", base, "--"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        raise InputError(f"git cannot diff against {base!r}: {exc.stderr.strip()}", argument="--diff") from exc
    changed: dict[str, set[int]] = {}
    top_path = Path(top).resolve()
    for section in diff.split("\ndiff --git "):
        file_match = _FILE.search(section)
        if file_match is None:
            continue
        absolute = top_path / file_match.group("path")
        try:
            relative = absolute.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        lines = changed.setdefault(relative, set())
        for hunk in _HUNK.finditer(section):
            start, count = int(hunk.group("start")), int(hunk.group("count") or "1")
            lines.update(range(start, start + count))
    return changed


def only_changed(findings: Sequence[Finding], changed: dict[str, set[int]]) -> list[Finding]:
    """The findings whose span touches a changed line."""
    return [f for f in findings if any(line in changed.get(f.path, ()) for line in range(f.line, f.end_line + 1))]
