"""Deterministic, minimal and valid example instances of JSON Schemas as FastAPI and pydantic 2 emit them.

``example_for(schema, root=openapi)`` returns the same instance for the same schema on every run. Choices:

- ``const``, then a valid ``examples`` entry, then a valid non-null ``default``, then ``enum`` (its first non-null
  value), else a value built from the keywords (``anyOf``/``oneOf`` try non-null branches first, so do ``type``
  lists).
- Objects get their required properties and, for realism, their optional ones too when they can be built (an optional
  property that is recursive or unsatisfiable is left out; ``readOnly`` optional properties are never sent).
- Arrays get one item (or ``minItems``); a recursive or unsatisfiable item schema gives ``[]`` when that is allowed.
- Booleans are ``false`` (so a stand-in user is not ``disabled``). Numbers prefer 1, then the closest value the bounds
  and ``multipleOf`` allow. Strings are ``"example"`` cut or padded to length, a fixed sample for known ``format``
  values, or the simplest match of ``pattern`` drawn by hypothesis' ``from_regex`` (derandomized, cached per pattern
  and length bounds).
- ``$ref`` is a JSON pointer into ``root``; a reference cycle is broken by an optional property, a nullable branch or an
  empty array, else :class:`UnsatisfiableSchema` names where the cycle could not be ended.
"""

from __future__ import annotations

import copy
import json
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import lru_cache

from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

__all__ = ["UnsatisfiableSchema", "example_for", "warm"]

_ANY = "example"
_FORMATS: dict[str, str] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "duration": "P1D",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    # pydantic's UUID1..UUID8 check the version nibble; the variant bits (b3fc) are RFC 4122's.
    **{f"uuid{n}": str(uuid.UUID(int=0x3FA85F6457170562B3FC2C963F66AFA6 | n << 76)) for n in range(1, 9)},
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "ipvanyaddress": "192.0.2.1",
    "ipv4interface": "192.0.2.1/24",
    "ipv6interface": "2001:db8::1/64",
    "ipvanyinterface": "192.0.2.1/24",
    "ipv4network": "192.0.2.0/24",
    "ipv6network": "2001:db8::/32",
    "ipvanynetwork": "192.0.2.0/24",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "name-email": "User <user@example.com>",
    "uri-reference": "/example",
    "multi-host-uri": "postgres://user@localhost:5432/db",
    "path": ".",
    "directory-path": ".",
    "regex": ".*",
    "byte": "ZXhhbXBsZQ==",
    "json-pointer": "/example",
}
#: Formats whose sample can grow to a minimum length: the filler goes before this suffix.
_PADDABLE: dict[str, tuple[str, str]] = {
    "email": ("user", "@example.com"),
    "idn-email": ("user", "@example.com"),
    "uri": ("https://example.com/", ""),
    "iri": ("https://example.com/", ""),
    "password": ("secret", ""),
    "binary": ("example", ""),
}
#: Paddable formats whose sample cannot be cut short.
_STRUCTURED = frozenset({"email", "idn-email", "uri", "iri"})
_NUMERIC_HINTS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
_STRING_HINTS = frozenset({"minLength", "maxLength", "pattern", "format", "contentMediaType"})
_OBJECT_HINTS = frozenset({"properties", "required", "additionalProperties", "minProperties", "maxProperties"})


class UnsatisfiableSchema(ValueError):
    """No example can be built for a schema: ``location`` says where (a JSON pointer into the root, or ``/``)."""

    def __init__(self, reason: str, *, location: str = "") -> None:
        super().__init__(f"{location or '/'}: {reason}")
        self.reason = reason
        self.location = location


class _Recursion(UnsatisfiableSchema):
    """A ``$ref`` cycle reached itself on a required path; the caller may still end it on an optional one."""


def example_for(schema: Mapping[str, object], *, root: Mapping[str, object]) -> object:
    """Return a deterministic, minimal instance that validates against ``schema`` (``$ref``\\ s resolve in ``root``).

    Raises :class:`UnsatisfiableSchema` when the schema cannot be satisfied (contradictory bounds, a reference cycle
    with no optional branch, a pattern with no match of the allowed length, an unresolvable ``$ref``).
    """
    return _Builder(root).build(schema, "")


class _Builder:
    __slots__ = ("_root", "_stack")

    def __init__(self, root: Mapping[str, object]) -> None:
        self._root = root
        self._stack: list[str] = []

    def build(self, schema: object, where: str) -> object:
        if schema is True:
            return _ANY
        if not isinstance(schema, Mapping):
            raise UnsatisfiableSchema("the schema accepts nothing", location=where)
        if "$ref" in schema:
            return self._build_ref(schema, where)
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        for sample in (*_as_list(schema.get("examples")), schema.get("default")):
            if sample is not None and self._accepts(schema, sample):
                return copy.deepcopy(sample)
        enum = schema.get("enum")
        if isinstance(enum, list):
            if not enum:
                raise UnsatisfiableSchema("enum is empty", location=where)
            return copy.deepcopy(next((value for value in enum if value is not None), enum[0]))
        if "allOf" in schema:
            return self._build_merged(schema, where)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return self._build_branches(schema, keyword, where)
        if "not" in schema and schema["not"] in ({}, True):
            raise UnsatisfiableSchema("'not: {}' accepts nothing", location=where)
        return self._build_typed(schema, where)

    # -- references and combinators ------------------------------------------------------------------------------

    def _resolve(self, ref: object, where: str) -> object:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise UnsatisfiableSchema(f"only local references are supported, not {ref!r}", location=where)
        node: object = self._root
        for token in ref[1:].split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise UnsatisfiableSchema(f"unresolvable reference {ref!r}", location=where)
        return node

    def _build_ref(self, schema: Mapping[str, object], where: str) -> object:
        ref = str(schema["$ref"])
        target = self._resolve(schema["$ref"], where)
        if ref in self._stack:
            cycle = " -> ".join([*self._stack[self._stack.index(ref) :], ref])
            raise _Recursion(f"recursive schema with no optional or nullable branch to end it: {cycle}", location=ref)
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        self._stack.append(ref)
        try:
            if siblings and isinstance(target, Mapping):
                return self.build(
                    {**target, **siblings} if "allOf" not in siblings else _merge([target, siblings]), ref
                )
            return self.build(target, ref)
        finally:
            self._stack.pop()

    def _build_merged(self, schema: Mapping[str, object], where: str) -> object:
        parts: list[Mapping[str, object]] = [{key: value for key, value in schema.items() if key != "allOf"}]
        followed: list[str] = []
        for part in _as_list(schema["allOf"]):
            while isinstance(part, Mapping) and "$ref" in part and isinstance(part["$ref"], str):
                ref = part["$ref"]
                if ref in self._stack or ref in followed:
                    raise _Recursion(f"recursive allOf through {ref}", location=ref)
                followed.append(ref)
                rest = {key: value for key, value in part.items() if key != "$ref"}
                target = self._resolve(ref, where)
                part = _merge([target, rest]) if isinstance(target, Mapping) else target
            if not isinstance(part, Mapping):
                raise UnsatisfiableSchema("allOf holds a schema that accepts nothing", location=where)
            parts.append(part)
        self._stack.extend(followed)
        try:
            return self.build(_merge(parts), where)
        finally:
            del self._stack[len(self._stack) - len(followed) :]

    def _build_branches(self, schema: Mapping[str, object], keyword: str, where: str) -> object:
        siblings = {key: value for key, value in schema.items() if key != keyword}
        branches = [branch for branch in _as_list(schema[keyword]) if isinstance(branch, Mapping)]
        branches.sort(key=_is_null_schema)  # stable: non-null branches first, in their order
        problem: UnsatisfiableSchema | None = None
        for index, branch in enumerate(branches):
            candidate = _merge([branch, siblings]) if siblings else branch
            try:
                value = self.build(candidate, f"{where}/{keyword}/{index}")
            except UnsatisfiableSchema as exc:
                problem = problem if isinstance(problem, _Recursion) else exc
                continue
            if keyword == "anyOf" or len(branches) == 1:
                return value
            for instance in (value, *_alternatives(value)):  # exactly one oneOf branch must match
                if self._accepts(schema, instance):
                    return instance
        if problem is not None:
            raise problem
        raise UnsatisfiableSchema(f"no {keyword} branch can be satisfied", location=where)

    def _accepts(self, schema: Mapping[str, object], value: object) -> bool:
        wrapper: dict[str, object] = {key: self._root[key] for key in ("components", "$defs") if key in self._root}
        wrapper["allOf"] = [schema]
        return bool(Draft202012Validator(wrapper).is_valid(value))

    # -- typed values -----------------------------------------------------------------------------------------------

    def _build_typed(self, schema: Mapping[str, object], where: str) -> object:
        types = [kind for kind in _as_list(schema.get("type")) if isinstance(kind, str)] or _infer_types(schema)
        types.sort(key=lambda kind: kind == "null")
        problem: UnsatisfiableSchema | None = None
        for kind in types:
            try:
                return self._build_kind(kind, schema, where)
            except UnsatisfiableSchema as exc:
                problem = problem or exc
        if problem is not None:
            raise problem
        return _ANY

    def _build_kind(self, kind: str, schema: Mapping[str, object], where: str) -> object:
        match kind:
            case "null":
                return None
            case "boolean":
                return False
            case "integer":
                return _integer(schema, where)
            case "number":
                return _number(schema, where)
            case "string":
                return self._string(schema, where)
            case "array":
                return self._array(schema, where)
            case "object":
                return self._object(schema, where)
        raise UnsatisfiableSchema(f"unknown type {kind!r}", location=where)

    def _string(self, schema: Mapping[str, object], where: str) -> str:
        low, high = _count(schema, "minLength"), _limit(schema, "maxLength")
        if high is not None and low > high:
            raise UnsatisfiableSchema(f"minLength {low} > maxLength {high}", location=where)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            return _pattern_example(pattern, low, high, where)
        fmt = schema.get("format")
        content = schema.get("contentSchema")
        if isinstance(content, Mapping | bool) and schema.get("contentMediaType") == "application/json":
            text = json.dumps(self.build(content, f"{where}/contentSchema"))
            if low <= len(text) and (high is None or len(text) <= high):
                return text
            raise UnsatisfiableSchema("the JSON content does not fit the length bounds", location=where)
        if isinstance(fmt, str) and fmt in _FORMATS:
            text = _FORMATS[fmt]
            if low <= len(text) and (high is None or len(text) <= high):
                return text
            raise UnsatisfiableSchema(f"a {fmt!r} string does not fit length {low}..{high}", location=where)
        head, tail = _PADDABLE.get(fmt if isinstance(fmt, str) else "", ("example", ""))
        text = head + "x" * max(0, low - len(head) - len(tail)) + tail
        if high is not None and len(text) > high:
            if fmt in _STRUCTURED:
                raise UnsatisfiableSchema(f"a {fmt!r} string does not fit maxLength {high}", location=where)
            text = text[:high]
        return text

    def _array(self, schema: Mapping[str, object], where: str) -> list[object]:
        low, high = _count(schema, "minItems"), _limit(schema, "maxItems")
        if high is not None and low > high:
            raise UnsatisfiableSchema(f"minItems {low} > maxItems {high}", location=where)
        prefix = _as_list(schema.get("prefixItems"))
        items = schema.get("items", True)
        wanted = max(low, 0 if items is False else 1)
        wanted = wanted if high is None else min(wanted, high)
        values: list[object] = []
        for index, sub in enumerate(prefix[:wanted] if high is None else prefix[: min(high, len(prefix))]):
            values.append(self.build(sub, f"{where}/prefixItems/{index}"))
        while len(values) < wanted and items is not False:
            try:
                values.append(self._item(items, values, schema.get("uniqueItems") is True, f"{where}/items"))
            except UnsatisfiableSchema:
                if len(values) >= low:
                    break
                raise
        if len(values) < low:
            raise UnsatisfiableSchema(f"cannot build the {low} items minItems asks for", location=where)
        return values

    def _item(self, items: object, previous: list[object], unique: bool, where: str) -> object:
        value = self.build(items, where)
        if not unique or value not in previous:
            return value
        for step in range(1, 1 + len(previous) + 8):
            candidate = _varied(value, step)
            if candidate not in previous and isinstance(items, Mapping) and self._accepts(items, candidate):
                return candidate
        if isinstance(items, Mapping) and isinstance(items.get("enum"), list):
            for candidate in items["enum"]:
                if candidate not in previous:
                    return copy.deepcopy(candidate)
        raise UnsatisfiableSchema("cannot build distinct items for uniqueItems", location=where)

    def _object(self, schema: Mapping[str, object], where: str) -> dict[str, object]:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = [name for name in _as_list(schema.get("required")) if isinstance(name, str)]
        extra = schema.get("additionalProperties", True)
        value: dict[str, object] = {}
        for name, sub in properties.items():
            location = f"{where}/properties/{name}"
            if name in required:
                value[name] = self.build(sub, location)
            elif not (isinstance(sub, Mapping) and sub.get("readOnly") is True):
                try:
                    value[name] = self.build(sub, location)
                except UnsatisfiableSchema:
                    continue  # optional: leaving it out is valid, and ends reference cycles
        for name in required:
            if name not in value:
                value[name] = self.build(extra, f"{where}/additionalProperties")
        low, high = _count(schema, "minProperties"), _limit(schema, "maxProperties")
        wants_extra = not properties and isinstance(extra, Mapping) and (high is None or high > len(value))
        while extra is not False and (len(value) < low or wants_extra):
            try:
                value[f"key{len(value) or ''}"] = self.build(extra, f"{where}/additionalProperties")
            except UnsatisfiableSchema:
                if len(value) >= low:
                    break
                raise
            wants_extra = False
        if high is not None:
            for name in [name for name in value if name not in required][: max(0, len(value) - high)]:
                del value[name]
        if len(value) < low or (high is not None and len(value) > high):
            raise UnsatisfiableSchema(f"cannot build {low}..{high} properties", location=where)
        return value


def _integer(schema: Mapping[str, object], where: str) -> int:
    low, high = _bounds(schema)
    low_int = None if low is None else (math.floor(low[0]) + 1 if low[1] else math.ceil(low[0]))
    high_int = None if high is None else (math.ceil(high[0]) - 1 if high[1] else math.floor(high[0]))
    step = 1
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and not isinstance(multiple, bool) and multiple > 0:
        step = Fraction(str(multiple)).numerator  # the smallest integer multiple of p/q (reduced) is p
    target = 1
    if low_int is not None and low_int > 1:
        target = low_int
    elif high_int is not None and high_int < 1:
        target = high_int
    value = -(-target // step) * step
    if high_int is not None and value > high_int:
        value = (target // step) * step
    if (low_int is not None and value < low_int) or (high_int is not None and value > high_int):
        raise UnsatisfiableSchema(f"no integer in {low_int}..{high_int} is a multiple of {step}", location=where)
    return value


def _number(schema: Mapping[str, object], where: str) -> int | float:
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int) and not isinstance(multiple, bool):
        return _integer(schema, where)
    low, high = _bounds(schema)

    def fits(value: float) -> bool:
        above = low is None or value > low[0] or (value == low[0] and not low[1])
        below = high is None or value < high[0] or (value == high[0] and not high[1])
        return above and below

    if isinstance(multiple, float) and multiple > 0:
        step = Fraction(str(multiple))
        target = Fraction(1)
        if low is not None and low[0] >= 1:
            target = Fraction(str(low[0]))
        elif high is not None and high[0] <= 1:
            target = Fraction(str(high[0]))
        center = round(target / step)
        for offset in range(128):  # center, center+1, center-1, center+2, ...
            value = float((center + (offset + 1) // 2 * (1 if offset % 2 else -1)) * step)
            quotient = value / multiple
            if fits(value) and int(quotient) == quotient:
                return value
        raise UnsatisfiableSchema(f"no multiple of {multiple} fits the bounds", location=where)
    candidates: list[float] = [1]
    if low is not None:
        candidates.append(math.floor(low[0]) + 1 if low[1] else math.ceil(low[0]))
    if high is not None:
        candidates.append(math.ceil(high[0]) - 1 if high[1] else math.floor(high[0]))
    if low is not None and high is not None:
        candidates.append((low[0] + high[0]) / 2)
    for value in candidates:
        if fits(value):
            return value
    raise UnsatisfiableSchema(f"no number fits the bounds {low}..{high}", location=where)


def _bounds(schema: Mapping[str, object]) -> tuple[tuple[float, bool] | None, tuple[float, bool] | None]:
    """(value, exclusive) of the tightest lower and upper bound."""
    found: dict[str, tuple[float, bool]] = {}
    for key, side, exclusive in (
        ("minimum", "low", False),
        ("exclusiveMinimum", "low", True),
        ("maximum", "high", False),
        ("exclusiveMaximum", "high", True),
    ):
        bound = schema.get(key)
        if not isinstance(bound, int | float) or isinstance(bound, bool):
            continue
        current = found.get(side)
        tighter = current is None or (bound > current[0] if side == "low" else bound < current[0])
        if tighter or (current is not None and bound == current[0] and exclusive):
            found[side] = (bound, exclusive)
    return found.get("low"), found.get("high")


@lru_cache(maxsize=512)
def _pattern_sample(pattern: str, low: int, high: int | None) -> tuple[str | None, str]:
    """The simplest string matching ``pattern`` within the length bounds, or ``None`` and why there is none."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import FailedHealthCheck, HypothesisException, InvalidArgument

    bounds = f" of length {low}..{'' if high is None else high}" if low or high is not None else ""
    try:
        strategy = st.from_regex(pattern, fullmatch=True)
        return find(
            strategy,
            lambda text: low <= len(text) and (high is None or len(text) <= high),
            settings=settings(
                database=None,
                derandomize=True,
                max_examples=200,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            ),
        ), ""
    except FailedHealthCheck:
        raise  # called inside a @given test that does not suppress HealthCheck.nested_given: its setup is the problem
    except (re.error, InvalidArgument) as exc:
        return None, f"pattern {pattern!r} is not a regular expression Python can match: {exc}"
    except (HypothesisException, ValueError, TypeError, OverflowError):
        return None, f"found no string{bounds} matching pattern {pattern!r}"


def warm() -> None:
    """Draw one string for a pattern: hypothesis loads (or builds and stores) its Unicode tables
    (``unicode_tables.py`` runs this once to build them for the sandboxed children)."""
    text, reason = _pattern_sample(r"^\w[A-Z]{2}-\d{4}.$", 0, None)
    if text is None:
        raise UnsatisfiableSchema(reason, location="warm")


def _pattern_example(pattern: str, low: int, high: int | None, where: str) -> str:
    text, reason = _pattern_sample(pattern, low, high)
    if text is None:
        raise UnsatisfiableSchema(reason, location=where)
    return text


def _merge(parts: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """One schema requiring what every part requires (the common cases of ``allOf``: objects, bounds, types)."""
    merged: dict[str, object] = {}
    for part in parts:
        for key, value in part.items():
            if key not in merged:
                merged[key] = copy.copy(value) if isinstance(value, dict | list) else value
                continue
            current = merged[key]
            if key == "properties" and isinstance(current, dict) and isinstance(value, Mapping):
                for name, sub in value.items():
                    current[name] = {"allOf": [current[name], sub]} if name in current else sub
            elif key == "required" and isinstance(current, list):
                current.extend(name for name in _as_list(value) if name not in current)
            elif key == "type":
                common = [kind for kind in _as_list(current) if kind in _as_list(value)]
                merged[key] = common or ["__none__"]
            elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
                merged[key] = max(current, value)  # type: ignore[call-overload]
            elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
                merged[key] = min(current, value)  # type: ignore[call-overload]
            elif key == "allOf" and isinstance(current, list):
                current.extend(_as_list(value))
            elif current == value:
                continue
            elif key in ("items", "additionalProperties", "contentSchema"):
                merged[key] = {"allOf": [current, value]}
            elif key in ("anyOf", "oneOf"):
                merged[key] = [{"allOf": [left, right]} for left in _as_list(current) for right in _as_list(value)]
            elif key == "enum":
                merged[key] = [item for item in _as_list(current) if item in _as_list(value)]
            elif key in ("const", "pattern", "format", "multipleOf"):
                raise UnsatisfiableSchema(f"allOf combines two different {key} values: {current!r} and {value!r}")
            else:
                merged[key] = value
    return merged


def _varied(value: object, step: int) -> object:
    if isinstance(value, bool):
        return not value if step == 1 else value
    if isinstance(value, int | float):
        return value + step
    if isinstance(value, str):
        return f"{value[:-1]}{step}" if value else str(step)
    return value


def _alternatives(value: object) -> list[object]:
    """Nearby values, for a oneOf whose first example matched several branches."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [value + 0.5, -value, -value - 1, value + 1]
    if isinstance(value, str):
        return [f"{value}1", ""]
    return []


def _is_null_schema(schema: Mapping[str, object]) -> bool:
    return schema.get("type") == "null" or schema.get("const", 0) is None or schema.get("enum") == [None]


def _infer_types(schema: Mapping[str, object]) -> list[str]:
    keys = schema.keys()
    if keys & _OBJECT_HINTS:
        return ["object"]
    if "items" in keys or "prefixItems" in keys:
        return ["array"]
    if keys & _STRING_HINTS:
        return ["string"]
    if keys & _NUMERIC_HINTS:
        return ["number"]
    return []


def _count(schema: Mapping[str, object], key: str) -> int:
    value = _limit(schema, key)
    return 0 if value is None else value


def _limit(schema: Mapping[str, object], key: str) -> int | None:
    value = schema.get(key)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _as_list(value: object) -> list[object]:
    if isinstance(value, list | tuple):
        return list(value)
    return [] if value is None else [value]
