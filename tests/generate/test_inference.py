"""JSON samples: genson merges the records, string formats are detected, nulls make fields optional."""

from __future__ import annotations

from typing import Any

import pytest

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.inference import import_json_sample, infer_json_schema, string_format


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T08:30:00Z", "date-time"),
        ("2024-05-01T08:30:00+02:00", "date-time"),
        ("2024-05-01 08:30", "date-time"),
        ("2024-05-01", "date"),
        ("2024-02-30", None),
        ("0b5a9f3e-8c1d-4a3b-9f2e-1d2c3b4a5e6f", "uuid"),
        ("ops@example.com", "email"),
        ("not@an email", None),
        ("https://example.com/a?b=c", "uri"),
        ("ftp://example.com", None),
        ("hello", None),
        ("12345", None),
    ],
)
def test_string_formats(value: str, expected: str | None) -> None:
    assert string_format(value) == expected


def test_a_format_is_kept_only_when_every_string_agrees() -> None:
    schema = infer_json_schema([{"when": "2024-05-01"}, {"when": "yesterday"}])
    assert "format" not in schema["properties"]["when"]


def test_records_merge_and_nulls_make_fields_optional() -> None:
    imported = import_json_sample(
        {
            "name": "a",
            "nick": None,
            "items": [{"sku": "x", "qty": 1}, {"sku": "y", "qty": 2.5, "note": "n"}],
            "origin": {"city": "Lyon", "zip": None},
        },
        name="Order",
    )
    by_name = {f.name: f for f in imported.fields}
    assert by_name["name"].required and by_name["name"].type == "str"
    assert not by_name["nick"].required and by_name["nick"].type == "json"
    assert by_name["items"].type == "list[Item]" and by_name["origin"].type == "Origin"
    models = {m.name: {f.name: f for f in m.fields} for m in imported.models}
    assert models["Item"]["qty"].type == "float"
    assert not models["Item"]["note"].required and models["Item"]["sku"].required
    assert not models["Origin"]["zip"].required


def test_a_list_of_records_is_several_samples() -> None:
    imported = import_json_sample([{"a": 1, "b": "x"}, {"a": 2}], name="Thing")
    by_name = {f.name: f for f in imported.fields}
    assert by_name["a"].required and not by_name["b"].required


@pytest.mark.parametrize(
    ("sample", "argument", "words"),
    [
        (42, "json_sample", "must be a JSON object (or a list of objects), not a number"),
        ("text", "json_sample", "not a string"),
        (None, "json_sample", "not null"),
        ([1, 2], "json_sample[0]", "not a number"),
        ([{"a": 1}, "x"], "json_sample[1]", "not a string"),
        ({}, "json_sample", "empty object"),
        ({"id": 1}, "json_sample", "no properties (besides id)"),
    ],
)
def test_bad_samples(sample: Any, argument: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        import_json_sample(sample, name="Thing")
    assert info.value.argument == argument
    assert words in str(info.value)


def test_a_5mb_sample_is_refused() -> None:
    with pytest.raises(SpecError, match="the limit is 1,000,000") as info:
        import_json_sample({"text": "x" * (5 * 1024 * 1024)}, name="Thing")
    assert info.value.argument == "json_sample"


def test_a_key_that_is_an_attribute_name_keeps_it_and_no_alias_is_another_fields_name() -> None:
    """Found by the property test: with keys "S" and "s", "S" became `s` and "s" became `s_` with alias "s", so a
    model validated by name read the wrong field. Keys that are attribute names keep them; aliases never collide."""
    from fastapi_expert.generate.schema import build_schema_spec

    spec, _ = build_schema_spec("Thing", json_sample={"S": 1, "s": 0, "fooBar": 2, "foo_bar": 3})
    fields = {field.name: field.alias for field in spec.fields}
    assert fields == {"s_": "S", "s": None, "foo_bar_": "fooBar", "foo_bar": None}
    names = set(fields)
    assert not names & {alias for alias in fields.values() if alias}
