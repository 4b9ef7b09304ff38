"""FieldSpec, ModelSpec and SchemaSpec: what they accept, and a clear error naming the part that is wrong."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.layout import plural, regex_literal
from fastapi_expert.generate.specs import (
    MAX_DEPTH,
    FieldSpec,
    ModelSpec,
    SchemaSpec,
    parse_type,
    pascal_case,
    snake_case,
    spec_error,
)


def field_error(**values: object) -> SpecError:
    with pytest.raises(ValidationError) as info:
        TypeAdapter(list[FieldSpec]).validate_python([values])
    return spec_error(info.value, "fields")


@pytest.mark.parametrize(
    ("values", "argument", "words"),
    [
        ({"name": "x", "type": "varchar"}, "fields[0].type", "unknown type 'varchar'"),
        ({"name": "x", "type": "list[list[int]]"}, "fields[0].type", "unknown type"),
        ({"name": "first-name", "type": "str"}, "fields[0].name", "not a Python identifier"),
        ({"name": "2fa", "type": "str"}, "fields[0].name", "not a Python identifier"),
        ({"name": "class", "type": "str"}, "fields[0].name", "Python keyword"),
        ({"name": "_secret", "type": "str"}, "fields[0].name", "private attribute"),
        ({"name": "model_dump", "type": "str"}, "fields[0].name", "reserved"),
        ({"name": "metadata", "type": "str"}, "fields[0].name", "reserved"),
        ({"name": "date", "type": "str", "max_length": 3, "min_length": 4}, "fields[0].min_length", "greater than"),
        ({"name": "n", "type": "int", "ge": 5, "le": 1}, "fields[0].ge", "leave no valid value"),
        ({"name": "n", "type": "int", "gt": 5, "lt": 5}, "fields[0].gt", "leave no valid value"),
        ({"name": "n", "type": "int", "ge": 1, "gt": 0}, "fields[0].gt", "not both"),
        ({"name": "n", "type": "int", "ge": 1.5}, "fields[0].ge", "not a whole number"),
        ({"name": "n", "type": "bool", "ge": 1}, "fields[0].ge", "applies to int, float and decimal"),
        ({"name": "n", "type": "int", "max_length": 3}, "fields[0].max_length", "applies to str"),
        ({"name": "s", "type": "str", "pattern": "(unclosed"}, "fields[0].pattern", "not a valid regex"),
        ({"name": "s", "type": "str", "pattern": "(?=look)ahead"}, "fields[0].pattern", "not a valid regex"),
        ({"name": "s", "type": "int", "pattern": "^a$"}, "fields[0].pattern", "applies to str fields"),
        ({"name": "s", "type": "int", "enum": ["a"]}, "fields[0].enum", "applies to str fields"),
        ({"name": "s", "type": "str", "enum": ["a", "a"]}, "fields[0].enum", "repeats 'a'"),
        ({"name": "s", "type": "str", "enum": ["a"], "default": "b"}, "fields[0].default", "not one of the enum"),
        ({"name": "n", "type": "int", "default": "ten"}, "fields[0].default", "not a valid int"),
        ({"name": "n", "type": "int", "ge": 5, "default": 1}, "fields[0].default", "not a valid int"),
        ({"name": "n", "type": "int", "required": True, "default": 1}, "fields[0].default", "required field"),
        ({"name": "password", "type": "str", "default": "hunter2"}, "fields[0].default", "secret"),
        ({"name": "d", "type": "dict", "unique": True}, "fields[0].unique", "cannot be unique"),
        ({"name": "a", "type": "Address", "default": {"x": 1}}, "fields[0].default", "takes no default"),
    ],
)
def test_a_bad_field_names_its_argument(values: dict[str, object], argument: str, words: str) -> None:
    error = field_error(**values)
    assert error.argument == argument, str(error)
    assert words in str(error)
    assert str(error).startswith(f"{argument}: ")


def test_a_default_implies_optional_and_null_defaults_count() -> None:
    assert FieldSpec(name="n", type="int", default=3).optional
    nullable = FieldSpec(name="n", type="int", default=None)
    assert nullable.has_default and nullable.allows_null
    assert not FieldSpec(name="n", type="int").has_default
    assert FieldSpec(name="hashed_password", type="str").write_only
    assert not FieldSpec(name="password_changed_at", type="datetime").write_only


@pytest.mark.parametrize(
    ("text", "kind", "item"),
    [("str", "scalar", "str"), ("dict", "dict", ""), ("Address", "model", "Address"), ("list[uuid]", "list", "uuid")],
)
def test_types_parse(text: str, kind: str, item: str) -> None:
    parsed = parse_type(text)
    assert (parsed.kind, parsed.item) == (kind, item)


def spec(**values: object) -> SchemaSpec:
    base: dict[str, object] = {"name": "Order", "fields": [{"name": "title", "type": "str"}]}
    return SchemaSpec.model_validate({**base, **values})


@pytest.mark.parametrize(
    ("values", "argument", "words"),
    [
        ({"fields": [{"name": "a", "type": "str"}, {"name": "a", "type": "int"}]}, "fields[1].name", "field 0 too"),
        ({"fields": [{"name": "id", "type": "int"}]}, "fields[0].name", "added by OrderRead"),
        ({"fields": [{"name": "a", "type": "Nope"}]}, "fields[0].type", "no nested model 'Nope'"),
        (
            {"fields": [{"name": "a", "type": "str", "alias": "b"}, {"name": "b", "type": "str"}]},
            "fields[1].alias",
            "wire name",
        ),
        ({"name": "order"}, "name", "PascalCase"),
        ({"name": "OrderCreate"}, "name", "drop the suffix"),
        (
            {
                "fields": [{"name": "a", "type": "A"}],
                "models": [
                    {"name": "A", "fields": [{"name": "b", "type": "B"}]},
                    {"name": "B", "fields": [{"name": "a", "type": "list[A]"}]},
                ],
            },
            "models",
            "cycle (A -> B -> A)",
        ),
        (
            {
                "fields": [{"name": "a", "type": "A"}],
                "models": [{"name": "A", "fields": [{"name": "x", "type": "str", "unique": True}]}],
            },
            "models[0].fields[0].unique",
            "only top-level fields",
        ),
        ({"models": [{"name": "OrderRead", "fields": [{"name": "x", "type": "str"}]}]}, "models[0].name", "already"),
        ({"fields": []}, "fields", "at least 1"),
    ],
)
def test_a_bad_schema_spec_names_its_argument(values: dict[str, object], argument: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        spec(**values)
    error = spec_error(info.value)
    assert error.argument == argument, str(error)
    assert words in str(error)


def test_models_may_not_nest_deeper_than_the_limit() -> None:
    models = [{"name": f"M{i}", "fields": [{"name": "child", "type": f"M{i + 1}"}]} for i in range(MAX_DEPTH)]
    models.append({"name": f"M{MAX_DEPTH}", "fields": [{"name": "leaf", "type": "str"}]})
    with pytest.raises(ValidationError, match=f"the limit is {MAX_DEPTH}"):
        spec(fields=[{"name": "root", "type": "M0"}], models=models)
    assert spec(fields=[{"name": "root", "type": "M2"}], models=models[2:])


def test_enum_classes_are_named_after_model_and_field() -> None:
    built = spec(
        fields=[{"name": "order_status", "type": "str", "enum": ["a"]}, {"name": "a", "type": "A"}],
        models=[ModelSpec(name="A", fields=[FieldSpec(name="kind", type="str", enum=["x"])])],
    )
    assert [name for name, _ in built.enum_classes()] == ["OrderOrderStatus", "AKind"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("order", "orders"),
        ("category", "categories"),
        ("box", "boxes"),
        ("day", "days"),
        ("status", "statuses"),
        ("person", "people"),
        ("blog_post", "blog_posts"),
    ],
)
def test_plural(word: str, expected: str) -> None:
    assert plural(word) == expected


def test_names() -> None:
    assert snake_case("BlogPost") == "blog_post"
    assert snake_case("HTTPServer") == "http_server"
    assert snake_case("firstName") == "first_name"
    assert pascal_case("first_name") == "FirstName"
    assert pascal_case("line-items") == "LineItems"


@pytest.mark.parametrize("pattern", [r"^\d+$", "a'b", 'a"b', "a'\"b", "ends\\", "tab\there", "new\nline"])
def test_regex_literals_spell_the_same_string(pattern: str) -> None:
    literal = regex_literal(pattern)
    assert eval(literal) == pattern  # noqa: S307 - the literal is what the generator writes into code
