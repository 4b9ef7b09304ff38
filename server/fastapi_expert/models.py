"""The values every capability shares, as DESIGN.md fixes them: review findings and generated files.

Findings are the standard-library dataclasses of ``fastapi_expert.findings`` (re-exported here), so a warm review
imports no validation framework; a generated file is a pydantic model, validated where a generator hands it out. The
field names are a contract that clients depend on (add fields, never rename).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fastapi_expert.findings import SEVERITY_ORDER, Finding, Fix, FixSafety, Severity, Span, TextEdit

__all__ = [
    "SEVERITY_ORDER",
    "Finding",
    "Fix",
    "FixSafety",
    "GeneratedFile",
    "Severity",
    "Span",
    "TextEdit",
]


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
