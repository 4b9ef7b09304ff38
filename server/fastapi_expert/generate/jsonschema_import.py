"""A JSON schema (draft 4 to 2020-12, and what pydantic or genson write) turned into fields and nested models.

What is understood: ``properties`` and ``required``; ``$ref`` to ``#/$defs/...``, ``#/definitions/...`` or any local
JSON pointer; ``type`` (a list with ``"null"`` too); ``anyOf``/``oneOf`` with a null branch (nullable); ``allOf``
(merged); ``enum``/``const`` of strings; ``format`` (date-time, date, email, uuid, uri); ``minLength``, ``maxLength``,
``pattern``, ``minimum``, ``maximum``, ``exclusiveMinimum``/``exclusiveMaximum`` (numbers, or draft 4's booleans),
``minItems``/``maxItems``; ``default`` and ``description``. An object with properties becomes its own model (named
after its ``$defs`` entry, its ``title``, or the property), one without becomes ``dict``; what no field type expresses
(unions of several types, lists of lists, non-string enums) becomes ``json`` (any JSON value) and is noted.

Property names that are not Python names (``firstName``, ``class``, ``e-mail``) become snake_case attributes with the
original as their ``alias``; the top-level ``id`` is the ``id`` of ``{Name}Read`` (a ``uuid`` format makes it a UUID).
Recursive ``$ref``\\ s, remote ``$ref``\\ s and inputs over ``MAX_INPUT_BYTES`` are refused with an error naming the
argument and the place in it.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import JsonValue, ValidationError

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.specs import (
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_MODELS,
    RESERVED_NAMES,
    FieldSpec,
    ModelSpec,
    is_pascal_case,
    pascal_case,
    snake_case,
    spec_error,
)

__all__ = ["MAX_INPUT_BYTES", "MAX_JSON_DEPTH", "ImportedSchema", "check_size", "import_json_schema", "json_kind"]

#: The largest sample or schema accepted, in bytes of compact JSON (real schemas are a few KB; 1 MB leaves room).
MAX_INPUT_BYTES = 1_000_000
#: How deeply arrays and objects may nest in a sample or schema (8 levels of models take about 30).
MAX_JSON_DEPTH = 100

_FORMATS = {
    "date-time": "datetime",
    "date": "date",
    "email": "email",
    "idn-email": "email",
    "uuid": "uuid",
    "uri": "url",
    "url": "url",
}
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass(frozen=True, slots=True)
class ImportedSchema:
    """The top-level fields, the nested models (each defined before its first use), the ``id`` type the schema's own
    ``id`` property implies (``None`` when it has none), and notes on what was approximated or renamed."""

    fields: list[FieldSpec]
    models: list[ModelSpec]
    id_type: Literal["int", "uuid"] | None = None
    notes: list[str] = field(default_factory=list)


def check_size(value: object, argument: str) -> None:
    """Refuse an input larger than ``MAX_INPUT_BYTES`` of compact JSON or nested deeper than ``MAX_JSON_DEPTH``."""
    try:
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    except RecursionError as exc:
        raise SpecError(f"nests more than {MAX_JSON_DEPTH} levels deep", argument=argument) from exc
    except (TypeError, ValueError) as exc:
        raise SpecError(f"is not JSON ({exc})", argument=argument) from exc
    if size > MAX_INPUT_BYTES:
        raise SpecError(f"is {size:,} bytes of JSON; the limit is {MAX_INPUT_BYTES:,}", argument=argument)
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise SpecError(f"nests more than {MAX_JSON_DEPTH} levels deep", argument=argument)
        children = node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)


def import_json_schema(document: object, *, name: str, argument: str = "json_schema") -> ImportedSchema:
    """The fields and models of the object ``document`` describes; ``SpecError`` naming ``argument`` otherwise."""
    check_size(document, argument)
    if not isinstance(document, Mapping):
        raise SpecError(f"must be a JSON schema object, not {json_kind(document)}", argument=argument)
    return _Importer(document, name=name, argument=argument).run()


def json_kind(value: object) -> str:
    """How an error names a JSON value's kind (`null`, `a number`, `an array`, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


@dataclass(slots=True)
class _Resolved:
    """A subschema with its ``$ref``\\ s followed, ``allOf`` merged and null split off."""

    schema: dict[str, Any]
    nullable: bool
    ref: str | None
    where: str


class _Importer:
    def __init__(self, root: Mapping[str, Any], *, name: str, argument: str) -> None:
        self.root = dict(root)
        self.name = name
        self.argument = argument
        self.models: list[ModelSpec] = []
        self.model_by_ref: dict[str, str] = {}
        self.taken: set[str] = {name, *(f"{name}{s}" for s in ("Base", "Create", "Update", "Read"))}
        self.resolving: list[str] = []
        self.notes: list[str] = []

    def fail(self, where: str, message: str) -> SpecError:
        return SpecError(message, argument=f"{self.argument}{where}")

    # -- references, allOf, nullability ---------------------------------------------------------------------------

    def pointer(self, ref: object, where: str) -> tuple[dict[str, Any], str]:
        if not isinstance(ref, str):
            raise self.fail(f"{where}.$ref", "must be a string")
        if not ref.startswith("#"):
            raise self.fail(f"{where}.$ref", f"{ref!r} is not a local reference (only '#/...' is resolved)")
        node: Any = self.root
        for raw in ref[1:].split("/")[1:] if ref != "#" else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise self.fail(f"{where}.$ref", f"{ref!r} does not resolve (no {part!r})")
        if not isinstance(node, Mapping):
            raise self.fail(f"{where}.$ref", f"{ref!r} points to {json_kind(node)}, not a schema")
        return dict(node), ref

    def resolve(self, schema: object, where: str) -> _Resolved:
        if schema is True or schema == {}:
            return _Resolved({}, False, None, where)
        if not isinstance(schema, Mapping):
            raise self.fail(where, f"must be a schema object, not {json_kind(schema)}")
        current = dict(schema)
        ref: str | None = None
        nullable = current.get("nullable") is True
        followed: list[str] = []
        while "$ref" in current:
            target, ref = self.pointer(current.pop("$ref"), where)
            if ref in followed or ref in self.resolving:
                chain = " -> ".join([*self.resolving, *followed, ref])
                raise self.fail(f"{where}.$ref", f"{ref!r} is recursive ({chain}): recursive models are not supported")
            followed.append(ref)
            current = {**target, **current}  # sibling keywords (description, default) win over the target's
        if "allOf" in current:
            current = self.merge_all_of(current, where)
            if "$ref" in current:
                inner = self.resolve(current, where)
                return _Resolved(inner.schema, nullable or inner.nullable, inner.ref, where)
        types = current.get("type")
        if isinstance(types, list):
            if "null" in types:
                nullable = True
            rest = [t for t in types if t != "null"]
            current["type"] = rest[0] if len(rest) == 1 else rest
        elif types == "null":
            return _Resolved({k: v for k, v in current.items() if k != "type"}, True, ref, where)
        for keyword_ in ("anyOf", "oneOf"):
            branches = current.get(keyword_)
            if branches is None:
                continue
            if not isinstance(branches, list) or not branches:
                raise self.fail(f"{where}.{keyword_}", "must be a non-empty array of schemas")
            kept = [(i, b) for i, b in enumerate(branches) if not _is_null_schema(b)]
            nullable = nullable or len(kept) < len(branches)
            rest_keys = {k: v for k, v in current.items() if k != keyword_}
            if not kept:
                return _Resolved({k: v for k, v in rest_keys.items() if k != "type"}, True, ref, where)
            if len(kept) == 1:
                index, branch = kept[0]
                inner = self.resolve(branch, f"{where}.{keyword_}[{index}]")
                merged = {
                    **inner.schema,
                    **{k: v for k, v in rest_keys.items() if k != "type" or "type" not in inner.schema},
                }
                return _Resolved(merged, nullable or inner.nullable, inner.ref or ref, where)
            resolved = [self.resolve(b, f"{where}.{keyword_}[{i}]").schema.get("type") for i, b in kept]
            if resolved and all(t in {"integer", "number"} for t in resolved):
                return _Resolved({**rest_keys, "type": "number"}, nullable, ref, where)
            self.note(where, "is a union of several types: typed as any JSON value")
            return _Resolved(
                {k: v for k, v in rest_keys.items() if k not in {"type", "properties"}}, nullable, ref, where
            )
        enum = current.get("enum")
        if isinstance(enum, list) and None in enum:
            nullable = True
            current["enum"] = [v for v in enum if v is not None]
        return _Resolved(current, nullable, ref, where)

    def merge_all_of(self, schema: dict[str, Any], where: str) -> dict[str, Any]:
        parts = schema.pop("allOf")
        if not isinstance(parts, list) or not parts:
            raise self.fail(f"{where}.allOf", "must be a non-empty array of schemas")
        if len(parts) == 1 and isinstance(parts[0], Mapping):
            return {**parts[0], **schema}
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for index, part in enumerate(parts):
            inner = self.resolve(part, f"{where}.allOf[{index}]").schema
            if inner.get("type", "object") != "object":
                raise self.fail(f"{where}.allOf[{index}]", "allOf merges object schemas only")
            merged["properties"].update(_mapping(inner.get("properties")))
            merged["required"] += [r for r in _list(inner.get("required")) if r not in merged["required"]]
        return {**merged, **{k: v for k, v in schema.items() if k not in {"properties", "required"}}}

    def count(self, value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(where, f"must be a non-negative integer, not {value!r}")
        return value

    def note(self, where: str, message: str) -> None:
        if len(self.notes) < 50:
            self.notes.append(f"{self.argument}{where} {message}")

    # -- objects and fields ---------------------------------------------------------------------------------------

    def run(self) -> ImportedSchema:
        top = self.resolve(self.root, "")
        self.resolving = ["#", *([top.ref] if top.ref else [])]  # a reference back to the top is a cycle too
        properties = self.object_properties(top, depth=1)
        id_type: Literal["int", "uuid"] | None = None
        if "id" in properties:
            id_schema = self.resolve(properties.pop("id"), ".properties.id").schema
            id_type = "uuid" if id_schema.get("format") == "uuid" else "int"
            if id_schema.get("type") not in {"integer", None} and id_type == "int":
                self.note(".properties.id", "is not an integer or a uuid: the Read model's id is an int")
        if not properties:
            raise self.fail("", "describes no properties (besides id): there are no fields to generate")
        fields = self.fields(properties, top, where="", depth=1)
        return ImportedSchema(fields, self.models, id_type, self.notes)

    def object_properties(self, resolved: _Resolved, *, depth: int) -> dict[str, Any]:
        schema = resolved.schema
        kind = schema.get("type", "object" if "properties" in schema else None)
        if kind != "object":
            raise self.fail(resolved.where, f"must describe an object (type {kind!r})")
        properties = schema.get("properties", {})
        if not isinstance(properties, Mapping):
            raise self.fail(f"{resolved.where}.properties", "must be an object")
        if len(properties) > MAX_FIELDS:
            raise self.fail(
                f"{resolved.where}.properties", f"has {len(properties)} properties; the limit is {MAX_FIELDS}"
            )
        if depth > MAX_DEPTH:
            raise self.fail(resolved.where, f"nests objects more than {MAX_DEPTH} deep")
        return dict(properties)

    def fields(self, properties: dict[str, Any], parent: _Resolved, *, where: str, depth: int) -> list[FieldSpec]:
        required = parent.schema.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise self.fail(f"{where}.required", "must be an array of property names")
        # Keys that are attribute names already keep them; the others are named around them and around every key:
        # an attribute equal to another field's key (its alias) would be read as that field under validate_by_name.
        own = {key for key in properties if _usable(key) and self.base(key) == key}
        taken: set[str] = own | set(properties)
        result = []
        for key, subschema in properties.items():
            path = f"{where}.properties.{key}"
            attribute = key if key in own else self.attribute(key, taken)
            if attribute != key:
                self.note(path, f"is the attribute {attribute!r} (alias {key!r})")
            spec = self.field(attribute, key, subschema, required=key in required, where=path, depth=depth)
            result.append(spec)
        return result

    @staticmethod
    def base(key: str) -> str:
        """The snake_case attribute a key would like to be."""
        base = snake_case(re.sub(r"[^0-9A-Za-z_]+", "_", key)).strip("_") or "field"
        return f"field_{base}" if base[0].isdigit() else base

    def attribute(self, key: str, taken: set[str]) -> str:
        base = self.base(key)
        for candidate in (base, f"{base}_", f"field_{base}"):
            if _usable(candidate) and candidate not in taken:
                taken.add(candidate)
                return candidate
        number = 2
        while not _usable(f"{base}_{number}") or f"{base}_{number}" in taken:
            number += 1
        taken.add(f"{base}_{number}")
        return f"{base}_{number}"

    def field(
        self, attribute: str, key: str, subschema: object, *, required: bool, where: str, depth: int
    ) -> FieldSpec:
        resolved = self.resolve(subschema, where)
        schema = resolved.schema
        values: dict[str, Any] = {"name": attribute, "required": required, "nullable": resolved.nullable}
        if attribute != key:
            values["alias"] = key
        description = _text(schema.get("description"))
        if description is not None:
            values["description"] = description
        values.update(self.typed(resolved, key=key, where=where, depth=depth))
        if "default" in schema and (values["type"] not in {"dict"} and not is_pascal_case(values["type"])):
            values["default"] = schema["default"]
            values.pop("required")
        if values.get("type") == "json":
            values.pop("nullable")
        try:
            return FieldSpec.model_validate(values)
        except ValidationError as exc:
            raise spec_error(exc, argument=f"{self.argument}{where}") from exc

    def typed(self, resolved: _Resolved, *, key: str, where: str, depth: int) -> dict[str, Any]:
        schema = resolved.schema
        kind = schema.get("type")
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else None
            enum = schema.get("enum", [schema["const"]] if "const" in schema else None)
            if kind is None and isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
                kind = "string"
        if isinstance(kind, list):
            kind = "number" if kind and all(k in {"integer", "number"} for k in kind) else None
            if kind is None:
                self.note(where, "may have several types: typed as any JSON value")
                return {"type": "json"}
        if kind == "string":
            return self.string(schema, where)
        if kind in {"integer", "number"}:
            return {"type": _SCALARS[kind], **self.bounds(schema, where)}
        if kind == "boolean":
            return {"type": "bool"}
        if kind == "object":
            if not _mapping(schema.get("properties")):
                return {"type": "dict"}
            return {"type": self.model(resolved, key=key, depth=depth + 1)}
        if kind == "array":
            return self.array(schema, key=key, where=where, depth=depth)
        if kind is not None:
            raise self.fail(f"{where}.type", f"{kind!r} is not a JSON schema type")
        return {"type": "json"}

    def string(self, schema: dict[str, Any], where: str) -> dict[str, Any]:
        enum = schema.get("enum", [schema["const"]] if "const" in schema else None)
        if enum is not None:
            if not isinstance(enum, list) or not all(isinstance(v, str) for v in enum):
                raise self.fail(f"{where}.enum", "only enums of strings are supported")
            return {"type": "str", "enum": list(dict.fromkeys(enum))}
        fmt = schema.get("format")
        kind = _FORMATS.get(fmt, "str") if isinstance(fmt, str) else "str"
        values: dict[str, Any] = {"type": kind}
        if kind in {"str", "email", "url"}:
            for source, target in (("minLength", "min_length"), ("maxLength", "max_length")):
                if source in schema:
                    values[target] = self.count(schema[source], f"{where}.{source}")
        if kind == "str" and "pattern" in schema:
            values["pattern"] = schema["pattern"]
        return values

    def bounds(self, schema: dict[str, Any], where: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for source, inclusive, exclusive, flag in (
            ("minimum", "ge", "gt", "exclusiveMinimum"),
            ("maximum", "le", "lt", "exclusiveMaximum"),
        ):
            bound, flag_value = schema.get(source), schema.get(flag)
            if isinstance(flag_value, bool):  # draft 4: the flag makes `minimum` exclusive
                if bound is not None:
                    values[exclusive if flag_value else inclusive] = _number(bound, self, f"{where}.{source}")
            else:
                if bound is not None:
                    values[inclusive] = _number(bound, self, f"{where}.{source}")
                if flag_value is not None:
                    values[exclusive] = _number(flag_value, self, f"{where}.{flag}")
                    values.pop(inclusive, None)
        if "multipleOf" in schema:
            self.note(where, "has multipleOf, which the generated field does not check")
        return values

    def array(self, schema: dict[str, Any], *, key: str, where: str, depth: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for source, target in (("minItems", "min_length"), ("maxItems", "max_length")):
            if source in schema:
                values[target] = self.count(schema[source], f"{where}.{source}")
        items = schema.get("items")
        if items is None or items is True or items == {} or isinstance(items, list):
            return {"type": "list[json]", **values}
        item = self.resolve(items, f"{where}.items")
        if item.schema.get("type") == "array" or "items" in item.schema:
            self.note(f"{where}.items", "is a list of lists: items typed as any JSON value")
            return {"type": "list[json]", **values}
        item_type = self.typed(item, key=_singular(key), where=f"{where}.items", depth=depth)
        if item.nullable or item_type["type"] in {"dict", "json"} or item_type["type"].startswith("list["):
            self.note(f"{where}.items", "is not one scalar or object type: items typed as any JSON value")
            return {"type": "list[json]", **values}
        if set(item_type) - {"type"}:
            self.note(f"{where}.items", "has constraints or an enum that the generated list does not check")
        return {"type": f"list[{item_type['type']}]", **values}

    def model(self, resolved: _Resolved, *, key: str, depth: int) -> str:
        if resolved.ref is not None and resolved.ref in self.model_by_ref:
            return self.model_by_ref[resolved.ref]
        properties = self.object_properties(resolved, depth=depth)
        title = resolved.schema.get("title")
        hint = resolved.ref.rsplit("/", 1)[-1] if resolved.ref else title if isinstance(title, str) else key
        name = self.class_name(hint)
        if len(self.models) >= MAX_MODELS:
            raise self.fail(resolved.where, f"needs more than {MAX_MODELS} nested models")
        if resolved.ref is not None:
            self.resolving.append(resolved.ref)
        try:
            fields = self.fields(properties, resolved, where=resolved.where, depth=depth)
        finally:
            if resolved.ref is not None:
                self.resolving.pop()
        description = resolved.schema.get("description")
        try:
            spec = ModelSpec(
                name=name,
                fields=fields,
                description=_text(description),
            )
        except ValidationError as exc:
            raise spec_error(exc, argument=f"{self.argument}{resolved.where}") from exc
        self.models.append(spec)
        if resolved.ref is not None:
            self.model_by_ref[resolved.ref] = name
        return name

    def class_name(self, hint: str) -> str:
        base = pascal_case(hint) or "Model"
        if not base[0].isalpha():
            base = f"Model{base}"
        base = base[0].upper() + base[1:]
        if base in {"I", "O"}:  # ambiguous class names (pycodestyle E742)
            base = f"{base}Model"
        name, number = base, 2
        while name in self.taken:
            name, number = f"{base}{number}", number + 1
        self.taken.add(name)
        return name


def _usable(name: str) -> bool:
    return (
        name.isidentifier()
        and name not in {"l", "I", "O"}  # ambiguous names (pycodestyle E741)
        and not keyword.iskeyword(name)
        and not name.startswith("_")
        and name not in RESERVED_NAMES
        and not name.startswith(("model_validate", "model_dump"))
    )


def _is_null_schema(schema: object) -> bool:
    return isinstance(schema, Mapping) and (
        schema.get("type") == "null" or ("const" in schema and schema["const"] is None) or schema.get("enum") == [None]
    )


def _mapping(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _list(value: object) -> list[JsonValue]:
    return list(value) if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value.strip()[:2000] if isinstance(value, str) and value.strip() else None


def _number(value: object, importer: _Importer, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise importer.fail(where, f"must be a number, not {value!r}")
    return value


def _singular(word: str) -> str:
    """``addresses`` -> ``address``, ``categories`` -> ``category``, ``items`` -> ``item`` (simple English rules)."""
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if lower.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith("ss") and len(word) > 1:
        return word[:-1]
    return word
