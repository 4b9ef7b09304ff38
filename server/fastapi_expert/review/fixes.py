"""Applying a fix: text edits on a source, in one pass, refusing overlaps."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi_expert.review.context import split_lines
from fastapi_expert.review.rule import Edit

__all__ = ["apply_edits"]


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with every edit applied. Edits must not overlap (``ValueError`` otherwise)."""
    lines = split_lines(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        if line < 1:
            return 0
        if line > len(lines):
            return len(text)
        return starts[line - 1] + column

    spans = sorted(((offset(e.line, e.column), offset(e.end_line, e.end_column), e.text) for e in edits), reverse=True)
    result = text
    previous_start = len(text) + 1
    for start, end, replacement in spans:
        if end > previous_start or start > end:
            raise ValueError("overlapping edits")
        result = result[:start] + replacement + result[end:]
        previous_start = start
    return result
