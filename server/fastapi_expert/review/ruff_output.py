"""ruff's ``--output-format json``, validated: the fields of a diagnostic this package reads, and nothing else.

Imported only once ruff has run, so a review served from the cache never loads pydantic.
"""

from __future__ import annotations

from pydantic import BaseModel, TypeAdapter, ValidationError

from fastapi_expert.errors import RuffError

__all__ = ["Diagnostic", "parse_diagnostics"]


class _Location(BaseModel):
    row: int
    column: int


class _Edit(BaseModel):
    content: str
    location: _Location
    end_location: _Location


class _Fix(BaseModel):
    applicability: str
    message: str | None = None
    edits: list[_Edit]


class Diagnostic(BaseModel):
    code: str | None
    name: str | None = None
    message: str
    filename: str
    location: _Location
    end_location: _Location
    fix: _Fix | None = None


_DIAGNOSTICS = TypeAdapter(list[Diagnostic])


def parse_diagnostics(output: bytes) -> list[Diagnostic]:
    """ruff's JSON array of diagnostics; ``RuffError`` when the output is not that."""
    try:
        return _DIAGNOSTICS.validate_json(output)
    except ValidationError as exc:
        raise RuffError(f"unexpected output: {exc}") from exc
