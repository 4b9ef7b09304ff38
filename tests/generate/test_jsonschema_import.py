"""JSON schema import: every keyword it understands, and a clear error (naming json_schema and the place in it) for
what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.jsonschema_import import MAX_INPUT_BYTES, MAX_JSON_DEPTH, import_json_schema
from fastapi_expert.generate.specs import MAX_FIELDS, FieldSpec


def fields(schema: dict[str, Any]) -> dict[str, FieldSpec]:
    return {f.name: f for f in import_json_schema(schema, name="Thing").fields}


def obj(properties: dict[str, Any], required: Any = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or [], **extra}


def test_refs_into_defs_and_definitions_become_models_defined_before_use() -> None:
    schema = obj(
        {
            "a": {"$ref": "#/$defs/A"},
            "bs": {"type": "array", "items": {"$ref": "#/definitions/B"}},
            "a2": {"$ref": "#/$defs/A"},
        },
        ["a"],
        **{
            "$defs": {"A": obj({"b": {"$ref": "#/definitions/B"}}, ["b"])},
            "definitions": {"B": obj({"x": {"type": "integer"}}, ["x"])},
        },
    )
    imported = import_json_schema(schema, name="Thing")
    assert [m.name for m in imported.models] == ["B", "A"]
    by_name = {f.name: f for f in imported.fields}
    assert (by_name["a"].type, by_name["bs"].type, by_name["a2"].type) == ("A", "list[B]", "A")
    assert by_name["a"].required and not by_name["bs"].required


def test_a_root_ref_is_followed() -> None:
    schema = {"$ref": "#/$defs/Thing", "$defs": {"Thing": obj({"x": {"type": "string"}}, ["x"])}}
    assert fields(schema)["x"].type == "str"


@pytest.mark.parametrize(
    "property_schema",
    [
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        {"oneOf": [{"type": "null"}, {"type": "string"}]},
        {"type": ["string", "null"]},
        {"type": "string", "nullable": True},
        {"allOf": [{"type": "string"}], "anyOf": [{"type": "null"}, {"type": "string"}]},
    ],
)
def test_null_branches_make_a_required_field_nullable(property_schema: dict[str, Any]) -> None:
    field = fields(obj({"x": property_schema}, ["x"]))["x"]
    assert (field.type, field.required, field.nullable) == ("str", True, True)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("date-time", "datetime"),
        ("date", "date"),
        ("email", "email"),
        ("uuid", "uuid"),
        ("uri", "url"),
        ("hostname", "str"),
    ],
)
def test_formats(fmt: str, expected: str) -> None:
    assert fields(obj({"x": {"type": "string", "format": fmt}}))["x"].type == expected


def test_constraints_enums_defaults_and_descriptions() -> None:
    got = fields(
        obj(
            {
                "s": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$", "description": " Hi "},
                "n": {"type": "integer", "minimum": 1, "maximum": 9, "default": 3},
                "f": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "old": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 5},
                "e": {"enum": ["a", "b", None]},
                "c": {"const": "only"},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
            }
        )
    )
    assert got["s"].constraints() == {"min_length": 2, "max_length": 5, "pattern": "^[a-z]+$"}
    assert got["s"].description == "Hi"
    assert got["n"].constraints() == {"ge": 1, "le": 9} and got["n"].default == 3 and got["n"].optional
    assert got["f"].constraints() == {"gt": 0, "lt": 1}
    assert got["old"].constraints() == {"gt": 0, "le": 5}
    assert (got["e"].enum, got["e"].nullable) == (["a", "b"], True)
    assert got["c"].enum == ["only"]
    assert (got["tags"].type, got["tags"].min_length, got["tags"].max_length) == ("list[str]", 1, 3)


def test_shapes_no_field_type_expresses_become_json_with_a_note() -> None:
    imported = import_json_schema(
        obj(
            {
                "mixed": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
                "anything": {},
                "free": {"type": "object"},
                "num": {"anyOf": [{"type": "integer"}, {"type": "number"}]},
            }
        ),
        name="Thing",
    )
    by_name = {f.name: f.type for f in imported.fields}
    assert by_name == {"mixed": "json", "matrix": "list[json]", "anything": "json", "free": "dict", "num": "float"}
    assert any("mixed" in note for note in imported.notes) and any("matrix" in note for note in imported.notes)


def test_property_names_become_python_names_with_aliases() -> None:
    got = import_json_schema(
        obj(
            {
                "firstName": {"type": "string"},
                "first_name": {"type": "string"},
                "class": {"type": "string"},
                "2fa": {"type": "boolean"},
                "e-mail": {"type": "string"},
                "json": {"type": "string"},
            }
        ),
        name="Thing",
    ).fields
    assert [(f.name, f.alias) for f in got] == [
        # "first_name" is an attribute name already and keeps it; an alias never equals another field's name.
        ("first_name_", "firstName"),
        ("first_name", None),
        ("class_", "class"),
        ("field_2fa", "2fa"),
        ("e_mail", "e-mail"),
        ("json_", "json"),
    ]


def test_the_top_level_id_is_the_read_models_id() -> None:
    uuid_id = import_json_schema(obj({"id": {"type": "string", "format": "uuid"}, "x": {"type": "string"}}), name="T")
    assert uuid_id.id_type == "uuid" and [f.name for f in uuid_id.fields] == ["x"]
    int_id = import_json_schema(obj({"id": {"type": "integer"}, "x": {"type": "string"}}), name="T")
    assert int_id.id_type == "int"
    nested = import_json_schema(obj({"x": obj({"id": {"type": "integer"}})}), name="T")
    assert [f.name for f in nested.models[0].fields] == ["id"]


@pytest.mark.parametrize(
    ("schema", "argument", "words"),
    [
        ([1, 2], "json_schema", "must be a JSON schema object, not an array"),
        (obj({"me": {"$ref": "#"}}), "json_schema.properties.me.$ref", "recursive"),
        (
            obj(
                {"a": {"$ref": "#/$defs/A"}},
                **{"$defs": {"A": obj({"b": {"$ref": "#/$defs/B"}}), "B": obj({"a": {"$ref": "#/$defs/A"}})}},
            ),
            "json_schema.properties.a.properties.b.properties.a.$ref",
            "#/$defs/A -> #/$defs/B -> #/$defs/A",
        ),
        (obj({"x": {"$ref": "#/$defs/Missing"}}), "json_schema.properties.x.$ref", "does not resolve"),
        (obj({"x": {"$ref": "https://example.com/s.json"}}), "json_schema.properties.x.$ref", "not a local reference"),
        (
            obj({"x": {"$ref": "#/$defs/A"}}, **{"$defs": {"A": {"$ref": "#/$defs/A"}}}),
            "json_schema.properties.x.$ref",
            "recursive",
        ),
        (obj({"x": {"enum": [1, 2], "type": "string"}}), "json_schema.properties.x.enum", "only enums of strings"),
        (obj({"x": {"type": "string", "minLength": -1}}), "json_schema.properties.x.minLength", "non-negative"),
        (obj({"x": {"type": "integer", "minimum": "one"}}), "json_schema.properties.x.minimum", "must be a number"),
        (obj({"x": {"type": "integer", "minimum": 5, "maximum": 1}}), "json_schema.properties.x.ge", "no valid value"),
        (obj({"x": {"type": "string", "pattern": "(?<=a)b"}}), "json_schema.properties.x.pattern", "not a valid regex"),
        (obj({"x": {"type": "frob"}}), "json_schema.properties.x.type", "not a JSON schema type"),
        (obj({}), "json_schema", "no properties"),
        ({"type": "string"}, "json_schema", "must describe an object"),
        (obj({"x": 5}), "json_schema.properties.x", "must be a schema object"),
        (obj({"x": {"type": "string"}}, "x"), "json_schema.required", "array of property names"),
    ],
)
def test_bad_schemas_are_spec_errors_naming_the_place(schema: Any, argument: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        import_json_schema(schema, name="Thing")
    assert info.value.argument == argument, str(info.value)
    assert words in str(info.value)


def test_limits() -> None:
    huge = obj({"x": {"type": "string", "description": "x" * (5 * 1024 * 1024)}})
    with pytest.raises(SpecError, match=f"the limit is {MAX_INPUT_BYTES:,}") as info:
        import_json_schema(huge, name="Thing")
    assert info.value.argument == "json_schema"
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(MAX_JSON_DEPTH):
        deep = {"anyOf": [deep]}
    with pytest.raises(SpecError, match="levels deep"):
        import_json_schema(obj({"x": deep}), name="Thing")
    nested: dict[str, Any] = obj({"leaf": {"type": "string"}})
    for _ in range(12):
        nested = obj({"child": nested})
    with pytest.raises(SpecError, match="more than 8 deep"):
        import_json_schema(nested, name="Thing")
    wide = obj({f"f{i}": {"type": "string"} for i in range(MAX_FIELDS + 1)})
    with pytest.raises(SpecError, match=f"the limit is {MAX_FIELDS}"):
        import_json_schema(wide, name="Thing")
