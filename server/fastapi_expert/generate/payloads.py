"""Request bodies for a resource's generated tests, computed when the tests are generated and written as literals.

``payloads`` gives up to three valid create bodies that differ in every field that can differ (so unique fields do
not collide); ``invalid_bodies`` gives one body per rule a create must refuse (a missing required field, a wrong
type, null, each constraint just past its bound, a value outside the enum), each checked against the field's own
pydantic validation before it is kept; ``patch_change`` a one-field partial update. The values are JSON, and the
comparable fields are those whose JSON survives a round trip through any database unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue, TypeAdapter, ValidationError

from fastapi_expert.generate.render import py_literal
from fastapi_expert.generate.specs import FieldSpec, SchemaSpec, python_type
from fastapi_expert.validate.examples import UnsatisfiableSchema, example_for

__all__ = ["COMPARABLE_TYPES", "InvalidBody", "invalid_bodies", "patch_change", "payloads", "python_source"]

#: Types whose value comes back from every database exactly as it was sent.
COMPARABLE_TYPES = frozenset({"str", "int", "bool", "email", "uuid", "date"})
_WANTED = 3
#: Strings and lists longer than this, of one repeated item, are written as a product.
_LONG = 20


@dataclass(frozen=True, slots=True)
class InvalidBody:
    """A create body that must be a 422, and why (``title-too-long``)."""

    case: str
    body: dict[str, JsonValue]


def _adapter(field: FieldSpec) -> TypeAdapter[Any]:
    return _cached_adapter(field.model_dump_json(exclude_unset=True))


@cache
def _cached_adapter(field_json: str) -> TypeAdapter[Any]:
    field = FieldSpec.model_validate_json(field_json)
    base: Any = Literal[tuple(field.enum)] if field.enum is not None else python_type(field.field_type)
    constraints: dict[str, Any] = field.constraints()
    annotated: Any = Annotated[base, Field(**constraints)] if constraints else base
    if field.allows_null:
        annotated = annotated | None
    return TypeAdapter(annotated)


def _valid(field: FieldSpec, value: object) -> bool:
    try:
        _adapter(field).validate_json(json.dumps(value))
    except (ValidationError, TypeError, ValueError):
        return False
    return True


def _first(field: FieldSpec) -> JsonValue:
    if field.enum is not None:
        return field.enum[0]
    if field.type == "json":
        return "example"
    schema = _adapter(field).json_schema(mode="validation")
    try:
        value: JsonValue = example_for(schema, root=schema)  # type: ignore[assignment]
    except UnsatisfiableSchema:
        value = None
    if value is None or not _valid(field, value):
        raise ValueError(f"no example value for field {field.name!r}")
    return value


def _candidates(field: FieldSpec, value: JsonValue) -> list[JsonValue]:
    """Other values of the same type, simplest first."""
    kind = field.field_type
    if field.enum is not None:
        return [v for v in field.enum if v != value]
    if kind.kind == "list":
        return [[], [*value, *value] if isinstance(value, list) else []]
    if kind.kind == "dict":
        return [{"key": "value"}, {}]
    item = kind.item
    if item == "bool":
        return [not value]
    if item in {"int", "float", "decimal"}:
        number = Decimal(str(value))
        steps = [Decimal(n) for n in (1, -1, 2, -2, 3, -3, "0.5", "-0.5")]
        out: list[JsonValue] = []
        for step in steps:
            candidate = number + step
            out.append(int(candidate) if item == "int" else float(candidate) if item == "float" else str(candidate))
        return out
    if item == "uuid":
        return [str(uuid.UUID(int=n)) for n in (0x1111, 0x2222, 0x3333)]
    if item == "date":
        day = dt.date.fromisoformat(str(value))
        return [(day + dt.timedelta(days=n)).isoformat() for n in (1, 2, 3)]
    if item == "datetime":
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return [(moment + dt.timedelta(hours=n)).isoformat() for n in (1, 2, 3)]
    if item == "email":
        return [f"user{n}@example.com" for n in (2, 3, 4)]
    if item == "url":
        return [f"https://example.com/{n}" for n in (2, 3, 4)]
    text = str(value)
    out = []
    for replacement in "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if text:
            out.append(text[:-1] + replacement)
            out.append(replacement + text[1:])
        out.append(text + replacement)
    return out


def _distinct(field: FieldSpec, used: list[JsonValue]) -> JsonValue | None:
    """A valid value not in ``used`` (``None`` when there is none to be found)."""
    for candidate in _candidates(field, used[-1]):
        if candidate not in used and _valid(field, candidate):
            return candidate
    return None


def payloads(spec: SchemaSpec) -> list[dict[str, JsonValue]]:
    """Up to three valid create bodies; the second and third differ from the others in every field that can differ,
    and always in the unique ones (fewer bodies when a unique field has fewer distinct values)."""
    values = {field.name: [_first(field)] for field in spec.fields}
    bodies = [{_wire(field): values[field.name][0] for field in spec.fields}]
    for _ in range(_WANTED - 1):
        body: dict[str, JsonValue] = {}
        for field in spec.fields:
            other = _distinct(field, values[field.name])
            if other is None and field.unique:
                return bodies
            if other is not None:
                values[field.name].append(other)
            body[_wire(field)] = other if other is not None else values[field.name][0]
        bodies.append(body)
    return bodies


def patch_change(spec: SchemaSpec, body: dict[str, JsonValue]) -> tuple[str, JsonValue] | None:
    """A field (comparable, not write-only) and a new valid value for it, for a one-field PATCH."""
    for field in spec.fields:
        if field.type in COMPARABLE_TYPES and not field.write_only:
            other = _distinct(field, [body[_wire(field)]])
            if other is not None:
                return _wire(field), other
    return None


def invalid_bodies(spec: SchemaSpec, body: dict[str, JsonValue]) -> list[InvalidBody]:
    """Create bodies that break one rule each (checked to be invalid for the field)."""
    found: list[InvalidBody] = []
    for field in spec.fields:
        name = field.name
        wire = _wire(field)
        if not field.optional:
            found.append(InvalidBody(f"{_slug(name)}-missing", {k: v for k, v in body.items() if k != wire}))
        for case, value in _violations(field):
            if not _valid(field, value):
                found.append(InvalidBody(f"{_slug(name)}-{case}", {**body, wire: value}))
    return found


def _violations(field: FieldSpec) -> list[tuple[str, JsonValue]]:
    kind = field.field_type
    cases: list[tuple[str, JsonValue]] = []
    if not field.allows_null:
        cases.append(("null", None))
    if field.type == "json":
        return cases
    if kind.kind in {"list", "dict"}:
        cases.append(("wrong-type", "not a collection"))
    elif kind.item in {"str", "email", "url"}:
        cases.append(("wrong-type", 12345))
    else:
        cases.append(("wrong-type", "not-a-value"))
    if field.enum is not None:
        cases.append(("not-in-enum", "not-one-of-the-choices"))
    filler: JsonValue
    if field.min_length is not None and field.min_length > 0:
        filler = ["x"] * (field.min_length - 1) if kind.kind == "list" else "x" * (field.min_length - 1)
        cases.append(("too-short", filler))
    if field.max_length is not None:
        filler = ["x"] * (field.max_length + 1) if kind.kind == "list" else "x" * (field.max_length + 1)
        cases.append(("too-long", filler))
    for bound, delta, label in (("ge", -1, "below-minimum"), ("gt", 0, "at-exclusive-minimum")):
        limit = getattr(field, bound)
        if limit is not None:
            cases.append((label, _number(field, limit + delta)))
    for bound, delta, label in (("le", 1, "above-maximum"), ("lt", 0, "at-exclusive-maximum")):
        limit = getattr(field, bound)
        if limit is not None:
            cases.append((label, _number(field, limit + delta)))
    if field.pattern is not None:
        for text in ("", " ", "!", "~~ no match ~~", "0", "a"):
            if not re.search(field.pattern, text):
                cases.append(("pattern-mismatch", text))
                break
    return cases


def _number(field: FieldSpec, value: float) -> JsonValue:
    if field.type == "int":
        return int(value)
    if field.type == "decimal":
        return str(value)
    return float(value)


def _wire(field: FieldSpec) -> str:
    return field.alias or field.name


def _slug(name: str) -> str:
    return name.replace("_", "-")


def python_source(value: JsonValue) -> str:
    """The Python source of a JSON value, as ``py_literal`` writes it, except that a long string or list of one
    repeated item is written ``"x" * 201`` (a test body past a ``max_length`` stays within the line length)."""
    if isinstance(value, str) and len(value) > _LONG and len(set(value)) == 1:
        return f"{py_literal(value[0])} * {len(value)}"
    if isinstance(value, list):
        if len(value) > _LONG and all(item == value[0] for item in value):
            return f"[{python_source(value[0])}] * {len(value)}"
        return "[" + ", ".join(python_source(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(key)}: {python_source(item)}" for key, item in value.items()) + "}"
    return py_literal(value)
