"""The values every capability shares, as DESIGN.md fixes them: review findings and generated files.

Pydantic models, because they cross the boundary (MCP structured output, ``--json``) and are validated there; the
field names are a contract that clients depend on (add fields, never rename).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "SEVERITY_ORDER",
    "Finding",
    "Fix",
    "FixSafety",
    "GeneratedFile",
    "Line",
    "Severity",
    "Span",
    "TextEdit",
]

#: A 1-based line or column number.
Line = Annotated[int, Field(ge=1)]


class Severity(StrEnum):
    """How bad a finding is: a bug or hole, something deprecated or risky, or a better way."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


#: Sort order of severities, worst first.
SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class FixSafety(StrEnum):
    """Whether applying a fix keeps the program's behaviour (safe) or may change it (unsafe)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Span(BaseModel):
    """A region of a file, 1-based and inclusive of the start, like editors and SARIF count."""

    model_config = ConfigDict(frozen=True)

    line: Line
    column: Line
    end_line: Line
    end_column: Line

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if (self.end_line, self.end_column) < (self.line, self.column):
            raise ValueError("the span ends before it starts")
        return self


class TextEdit(BaseModel):
    """Replace the text from (line, column) up to, not including, (end_line, end_column) with ``text``; 1-based."""

    model_config = ConfigDict(frozen=True)

    line: Line
    column: Line
    end_line: Line
    end_column: Line
    text: str


class Fix(BaseModel):
    """What a fix changes (its edits, applied together) and whether it is safe."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(min_length=1, description="What the fix does, in the imperative.")
    safety: FixSafety
    edits: list[TextEdit] = Field(default_factory=list)


class Finding(BaseModel):
    """One problem found in one place, by our rules (``fastapi-expert``) or by ruff."""

    model_config = ConfigDict(frozen=True)

    rule: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="Stable kebab-case rule name.")
    code: str = Field(pattern=r"^[A-Z]+[0-9]+$", description="Stable short code (ruff's own for ruff findings).")
    severity: Severity
    path: str
    line: Line
    column: Line
    end_line: Line
    end_column: Line
    message: str = Field(min_length=1)
    fix: Fix | None = None
    source: Literal["fastapi-expert", "ruff"]
    also: list[str] = Field(default_factory=list, description="Codes of other rules that flag the same problem.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        Span(line=self.line, column=self.column, end_line=self.end_line, end_column=self.end_column)
        return self

    @property
    def sort_key(self) -> tuple[int, str, int, int, str]:
        """Severity first (errors first), then path, line, column and code."""
        return (SEVERITY_ORDER[self.severity], self.path, self.line, self.column, self.code)


class GeneratedFile(BaseModel):
    """A file a generator returns: a relative POSIX path inside the project, and its whole content."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(min_length=1, description="Relative to the project root, with forward slashes.")
    content: str

    @field_validator("path")
    @classmethod
    def _relative_and_inside(cls, path: str) -> str:
        pure = PurePosixPath(path)
        if "\\" in path or pure.is_absolute() or ".." in pure.parts or path != pure.as_posix():
            raise ValueError(f"{path!r} must be a relative POSIX path inside the project (no '..', no '\\')")
        return path
