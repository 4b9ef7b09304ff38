"""``review --fix``: apply the findings' fixes to the files, safely.

Safe fixes only unless unsafe ones are asked for. Each round applies every non-overlapping fix of a file at once,
re-parses the result, and writes it atomically (a temporary file in the same folder, the original's mode, then a
rename), so an interrupted or failing write leaves the original intact. A round whose result does not parse is
retried fix by fix, and a fix that breaks the file is dropped and reported. Rounds repeat until no fix applies.
"""

from __future__ import annotations

import ast
import contextlib
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastapi_expert.findings import Finding, FixSafety
from fastapi_expert.review.engine import ReviewRequest, ReviewResult, review_paths
from fastapi_expert.review.fixes import apply_edits
from fastapi_expert.review.rule import Edit

__all__ = ["MAX_ROUNDS", "FixOutcome", "apply_fixes", "fix_paths", "write_atomically"]

#: Fixes can enable other fixes; this many rounds at most (a fix that keeps re-triggering is a bug, not a loop).
MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    """What ``fix_paths`` did: fixes applied per file, fixes dropped (with why), and the review after fixing."""

    result: ReviewResult
    applied: dict[str, int] = field(default_factory=dict)
    dropped: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.applied.values())


def _edits(finding: Finding) -> list[Edit]:
    edits = finding.fix.edits if finding.fix is not None else []
    return [Edit(e.line, e.column - 1, e.end_line, e.end_column - 1, e.text) for e in edits]


def _parses(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError):
            return False
    return True


Span = tuple[tuple[int, int], tuple[int, int]]


def _overlap(a: Span, b: Span) -> bool:
    """Whether two edits touch the same text (two insertions at one position count: their order would matter)."""
    return (a[0] < b[1] and b[0] < a[1]) or a[0] == b[0]


def apply_fixes(text: str, findings: Sequence[Finding]) -> tuple[str, list[Finding], list[tuple[Finding, str]]]:
    """``text`` with each fix of ``findings`` that overlaps no earlier one; returns (text, applied, dropped)."""
    chosen: list[Finding] = []
    taken: list[Span] = []
    for finding in sorted(findings, key=lambda f: (f.line, f.column)):
        spans = [((e.line, e.column), (e.end_line, e.end_column)) for e in _edits(finding)]
        if any(_overlap(span, other) for span in spans for other in taken):
            continue  # overlaps a fix already chosen: the next round gets it
        chosen.append(finding)
        taken += spans
    try:
        fixed = apply_edits(text, [edit for finding in chosen for edit in _edits(finding)])
    except ValueError:
        fixed = None
    if fixed is not None and _parses(fixed):
        return fixed, chosen, []
    # Something broke the file: apply the fixes one at a time, last first (so earlier positions stay valid), and
    # drop the ones that break it.
    applied: list[Finding] = []
    dropped: list[tuple[Finding, str]] = []
    current = text
    for finding in reversed(chosen):
        candidate = apply_edits(current, _edits(finding))
        if _parses(candidate):
            current = candidate
            applied.insert(0, finding)
        else:
            dropped.insert(0, (finding, "the fix would leave code that does not parse"))
    return current, applied, dropped


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path``'s content with ``text``: temporary file in the same folder, same mode, fsync, rename."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def fix_paths(paths: Sequence[Path], root: Path, request: ReviewRequest, *, unsafe: bool = False) -> FixOutcome:
    """Fix the files under ``paths`` round after round until no fix applies; return what changed and the review."""
    applied_per_file: dict[str, int] = {}
    all_dropped: list[tuple[Finding, str]] = []
    allowed = {FixSafety.SAFE, FixSafety.UNSAFE} if unsafe else {FixSafety.SAFE}
    dropped_keys: set[tuple[str, str, int, int]] = set()
    everything = ReviewRequest(
        config=request.config,
        select=request.select,
        ignore=request.ignore,
        target_version=request.target_version,
        max_findings=10**9,
    )
    result = review_paths(paths, root, everything)
    for _ in range(MAX_ROUNDS):
        by_file: dict[str, list[Finding]] = {}
        for finding in result.findings:
            key = (finding.path, finding.code, finding.line, finding.column)
            if finding.fix is not None and finding.fix.safety in allowed and key not in dropped_keys:
                by_file.setdefault(finding.path, []).append(finding)
        changed = False
        for relative, findings in by_file.items():
            path = root / relative
            text = path.read_text(encoding="utf-8")
            fixed, applied, dropped = apply_fixes(text, findings)
            for finding, reason in dropped:
                dropped_keys.add((finding.path, finding.code, finding.line, finding.column))
                all_dropped.append((finding, reason))
            if applied and fixed != text:
                write_atomically(path, fixed)
                applied_per_file[relative] = applied_per_file.get(relative, 0) + len(applied)
                changed = True
        if not changed:
            break
        result = review_paths(paths, root, everything)
    truncated = len(result.findings) > request.max_findings
    final = replace(
        result, findings=result.findings[: request.max_findings], summary=replace(result.summary, truncated=truncated)
    )
    return FixOutcome(result=final, applied=applied_per_file, dropped=all_dropped)
