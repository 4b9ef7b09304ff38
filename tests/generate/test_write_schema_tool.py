"""``write_schema`` through the MCP SDK's in-memory client: its schema and description, a full run validated in the
reference app (end to end, with the real harness), and bad input as tool errors naming the argument."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from fastapi_expert.server import build_server
from fastapi_expert.validate.models import ValidationReport, ValidationStep

pytestmark = pytest.mark.anyio


async def call(arguments: dict[str, Any]) -> Any:
    async with Client(build_server()) as client:
        return await client.call_tool("write_schema", arguments)


async def test_the_tool_is_listed_with_its_schema() -> None:
    async with Client(build_server()) as client:
        tool = {t.name: t for t in (await client.list_tools()).tools}["write_schema"]
    assert tool.annotations is not None and tool.annotations.read_only_hint is True
    assert "json_sample" in (tool.description or "") and "validated" in (tool.description or "")
    properties = tool.input_schema["properties"]
    assert {"name", "fields", "models", "json_sample", "json_schema", "orm", "id_type", "enum_style"} <= set(properties)
    assert tool.output_schema is not None
    assert {"files", "validation", "classes", "notes"} <= set(tool.output_schema["properties"])


@pytest.mark.slow
async def test_a_schema_is_generated_and_validated_end_to_end() -> None:
    """The real harness: syntax, ruff, review, import, start-up, OpenAPI, and the probe's create and update routes."""
    result = await call(
        {
            "name": "Book",
            "orm": True,
            "json_sample": {
                "id": 1,
                "title": "Dune",
                "isbn": "9780441013593",
                "published": "1965-08-01",
                "tags": ["sf"],
            },
        }
    )
    assert not result.is_error, result.content
    content = result.structured_content
    assert [f["path"] for f in content["files"]] == ["app/schemas/book.py", "app/models/book.py"]
    assert content["validation"]["ok"] is True
    steps = {step["name"]: step for step in content["validation"]["steps"]}
    assert {"syntax", "ruff", "review", "import", "startup", "openapi", "routes"} <= set(steps)
    assert "POST /probe/book/" in steps["routes"]["detail"] and "PATCH" in steps["routes"]["detail"]
    assert content["classes"] == ["BookBase", "BookCreate", "BookUpdate", "BookRead"]
    assert all("probe" not in f["path"] for f in content["files"])


async def test_a_failed_validation_is_a_tool_error_naming_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    async def failing(files: Any, **_: Any) -> ValidationReport:
        assert any(f.path == "app/routers/probe_book.py" for f in files)
        step = ValidationStep(name="routes", ok=False, duration_ms=1.0, detail="POST /probe/book/ answered 500")
        return ValidationReport(ok=False, steps=[step])

    monkeypatch.setattr("fastapi_expert.validate.harness.validate_files", failing)
    result = await call({"name": "Book", "fields": [{"name": "title", "type": "str"}]})
    assert result.is_error
    text = result.content[0].text
    assert "step 'routes'" in text and "answered 500" in text


FIVE_MB = "x" * (5 * 1024 * 1024)


@pytest.mark.parametrize(
    ("arguments", "named", "words"),
    [
        ({"name": "Book", "fields": [{"name": "x", "type": "varchar"}]}, "fields", "unknown type 'varchar'"),
        ({"name": "Book", "fields": [{"name": "first name", "type": "str"}]}, "fields", "not a Python identifier"),
        ({"name": "Book", "fields": [{"name": "class", "type": "str"}]}, "fields", "Python keyword"),
        (
            {"name": "Book", "fields": [{"name": "a", "type": "str"}, {"name": "a", "type": "int"}]},
            "fields[1].name",
            "field 0 too",
        ),
        ({"name": "Book", "fields": [{"name": "n", "type": "int", "ge": 5, "le": 1}]}, "fields", "no valid value"),
        ({"name": "Book", "fields": [{"name": "s", "type": "str", "pattern": "(a"}]}, "fields", "not a valid regex"),
        ({"name": "Book", "json_sample": 42}, "json_sample", "must be a JSON object"),
        ({"name": "Book", "json_sample": [1, 2]}, "json_sample[0]", "must be a JSON object"),
        ({"name": "Book", "json_sample": "not json"}, "json_sample", "not JSON text"),
        (
            {"name": "Book", "json_schema": {"type": "object", "properties": {"me": {"$ref": "#"}}}},
            "json_schema.properties.me.$ref",
            "recursive",
        ),
        (
            {"name": "Book", "json_schema": {"type": "object", "properties": {"x": {"$ref": "#/$defs/Nope"}}}},
            "json_schema.properties.x.$ref",
            "does not resolve",
        ),
        (
            {"name": "Book", "json_schema": {"type": "object", "properties": {"x": {"description": FIVE_MB}}}},
            "json_schema",
            "the limit is 1,000,000",
        ),
        ({"name": "Book", "json_sample": {"text": FIVE_MB}}, "json_sample", "the limit is 1,000,000"),
        ({"name": "book", "fields": [{"name": "a", "type": "str"}]}, "name", "PascalCase"),
        ({"name": "Book"}, "fields", "exactly one of"),
        ({"name": "Book", "fields": [{"name": "a", "type": "str"}], "json_sample": {"a": 1}}, "fields", "exactly one"),
        (
            {
                "name": "Book",
                "json_sample": {"a": 1},
                "models": [{"name": "A", "fields": [{"name": "b", "type": "str"}]}],
            },
            "models",
            "go with",
        ),
    ],
)
async def test_bad_input_is_a_tool_error_naming_the_argument(arguments: dict[str, Any], named: str, words: str) -> None:
    result = await call(arguments)
    assert result.is_error
    text = result.content[0].text
    assert named in text and words in text, text
    assert "Traceback" not in text
    assert len(text) < 5000
