"""Review findings as DESIGN.md fixes them: plain, frozen dataclasses that need nothing but the standard library.

The review runs on every keystroke and every commit, and a warm run (every file's result cached) must not pay for
importing a validation framework: these classes check themselves in ``__post_init__`` (a bad value is a
``ValueError`` naming the field), serialize with ``to_dict``/``from_dict``, and pydantic still reads them wherever
they cross a boundary (the MCP tools' output schemas come from the types and the attribute docstrings below). The
field names are a contract that clients depend on: add fields, never rename.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, Literal, Self, TypeVar

__all__ = ["SEVERITY_ORDER", "Finding", "Fix", "FixSafety", "Severity", "Span", "TextEdit"]

_RULE_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_CODE = re.compile(r"[A-Z]+[0-9]+")
_SOURCES = ("fastapi-expert", "ruff")
#: Read by pydantic where these classes appear in a schema: attribute docstrings become field descriptions.
_PYDANTIC_CONFIG: dict[str, Any] = {"use_attribute_docstrings": True}
_E = TypeVar("_E", bound=StrEnum)


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


def _check_span(owner: object, line: int, column: int, end_line: int, end_column: int) -> None:
    name = type(owner).__name__
    for label, value in (("line", line), ("column", column), ("end_line", end_line), ("end_column", end_column)):
        if type(value) is not int or value < 1:
            raise ValueError(f"{name}.{label} must be an integer >= 1, not {value!r}")
    if (end_line, end_column) < (line, column):
        raise ValueError(f"{name}: the span ends before it starts")


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """A region of a file, 1-based and inclusive of the start, like editors and SARIF count."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _PYDANTIC_CONFIG

    line: int
    column: int
    end_line: int
    end_column: int

    def __post_init__(self) -> None:
        _check_span(self, self.line, self.column, self.end_line, self.end_column)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextEdit(Span):
    """Replace the text from (line, column) up to, not including, (end_line, end_column) with ``text``; 1-based."""

    text: str

    def __post_init__(self) -> None:
        Span.__post_init__(self)  # not super(): slots dataclasses are rebuilt, and zero-argument super() breaks
        if not isinstance(self.text, str):
            raise ValueError(f"TextEdit.text must be a string, not {type(self.text).__name__}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Fix:
    """What a fix changes (its edits, applied together) and whether it is safe."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _PYDANTIC_CONFIG

    title: str
    """What the fix does, in the imperative."""
    safety: FixSafety
    edits: list[TextEdit] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title:
            raise ValueError("Fix.title must be a non-empty string")
        object.__setattr__(self, "safety", _member(FixSafety, self.safety, "Fix.safety"))
        edits = [edit if isinstance(edit, TextEdit) else TextEdit(**edit) for edit in self.edits]
        object.__setattr__(self, "edits", edits)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "safety": self.safety.value, "edits": [_plain(edit) for edit in self.edits]}


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One problem found in one place, by our rules (``fastapi-expert``) or by ruff."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _PYDANTIC_CONFIG

    rule: str
    """Stable kebab-case rule name."""
    code: str
    """Stable short code (ruff's own for ruff findings)."""
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    fix: Fix | None = None
    source: Literal["fastapi-expert", "ruff"]
    also: list[str] = field(default_factory=list)
    """Codes of other rules that flag the same problem."""

    def __post_init__(self) -> None:
        if not isinstance(self.rule, str) or not _RULE_NAME.fullmatch(self.rule):
            raise ValueError(f"Finding.rule must be a kebab-case name, not {self.rule!r}")
        if not isinstance(self.code, str) or not _CODE.fullmatch(self.code):
            raise ValueError(f"Finding.code must be letters then digits (FE001, B904), not {self.code!r}")
        object.__setattr__(self, "severity", _member(Severity, self.severity, "Finding.severity"))
        if not isinstance(self.path, str):
            raise ValueError(f"Finding.path must be a string, not {type(self.path).__name__}")
        _check_span(self, self.line, self.column, self.end_line, self.end_column)
        if not isinstance(self.message, str) or not self.message:
            raise ValueError("Finding.message must be a non-empty string")
        if isinstance(self.fix, Mapping):
            object.__setattr__(self, "fix", Fix(**self.fix))
        elif self.fix is not None and not isinstance(self.fix, Fix):
            raise ValueError(f"Finding.fix must be a Fix or None, not {type(self.fix).__name__}")
        if self.source not in _SOURCES:
            raise ValueError(f"Finding.source must be one of {', '.join(_SOURCES)}, not {self.source!r}")
        if not isinstance(self.also, list) or not all(isinstance(code, str) for code in self.also):
            raise ValueError("Finding.also must be a list of codes")

    @property
    def sort_key(self) -> tuple[int, str, int, int, str]:
        """Severity first (errors first), then path, line, column and code."""
        return (SEVERITY_ORDER[self.severity], self.path, self.line, self.column, self.code)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, field for field (what ``--format json`` and the result cache hold)."""
        data = _plain(self)
        data["severity"] = self.severity.value
        data["fix"] = None if self.fix is None else self.fix.to_dict()
        data["also"] = list(self.also)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The finding ``to_dict`` gave; a ``ValueError`` or ``TypeError`` when ``data`` is not one."""
        return cls(**data)


def _member(enum: type[_E], value: object, label: str) -> _E:
    if isinstance(value, str) and value in enum._value2member_map_:
        return enum(value)
    choices = ", ".join(member.value for member in enum)
    raise ValueError(f"{label} must be one of {choices}, not {value!r}")


def _plain(instance: Span | TextEdit | Finding) -> dict[str, Any]:
    return {f.name: getattr(instance, f.name) for f in fields(instance)}
