"""Findings as people and pipelines read them: text for terminals, JSON, and GitHub Actions annotations."""

from __future__ import annotations

from fastapi_expert.findings import Finding, Severity
from fastapi_expert.review.engine import ReviewResult

__all__ = ["format_github", "format_text", "reaches"]

_ORDER = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def reaches(finding: Finding, level: Severity) -> bool:
    """Whether ``finding`` is at or above ``level``."""
    return _ORDER[finding.severity] >= _ORDER[level]


def format_text(result: ReviewResult) -> str:
    """``path:line:column: CODE [severity] message (rule)`` per finding, then a summary line."""
    lines = []
    for f in result.findings:
        fix = f" [fix: {f.fix.safety.value}]" if f.fix else ""
        also = f" (also {', '.join(f.also)})" if f.also else ""
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity.value}] {f.message} ({f.rule}){also}{fix}")
    s = result.summary
    more = " (truncated: more findings exist, raise --max-findings)" if s.truncated else ""
    lines.append(
        f"{s.files} file{'s' * (s.files != 1)} reviewed: {s.errors} errors, {s.warnings} warnings, {s.infos} infos "
        f"in {s.duration_ms} ms{more}"
    )
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(result: ReviewResult) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message``."""
    commands = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for f in result.findings:
        properties = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in (
                ("file", f.path),
                ("line", f.line),
                ("col", f.column),
                ("endLine", f.end_line),
                ("endColumn", f.end_column),
                ("title", f"{f.code} {f.rule}"),
            )
        )
        lines.append(f"::{commands[f.severity]} {properties}::{_escape_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
