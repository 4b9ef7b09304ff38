"""The fetch_docs MCP tool through the SDK's in-memory client: schema, structured result, errors."""

from __future__ import annotations

from importlib.metadata import version as installed_version

import pytest
from mcp import Client

from fastapi_expert.server import build_server

pytestmark = pytest.mark.anyio


async def test_the_tool_is_listed_with_its_schema_and_hints() -> None:
    async with Client(build_server()) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    tool = tools["fetch_docs"]
    assert len(tool.description or "") >= 40
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is True and tool.annotations.open_world_hint is True
    properties = tool.input_schema["properties"]
    assert set(tool.input_schema["required"]) == {"library", "topic"}
    assert properties["library"]["maxLength"] == 100
    assert properties["topic"]["minLength"] == 1
    assert (properties["max_chars"]["minimum"], properties["max_chars"]["maximum"]) == (200, 100_000)
    assert tool.output_schema is not None
    assert {"library", "version", "sections"} <= set(tool.output_schema["properties"])


async def test_a_call_returns_structured_sections() -> None:
    async with Client(build_server()) as client:
        result = await client.call_tool("fetch_docs", {"library": "pydantic", "topic": "field_validator"})
    assert not result.is_error
    content = result.structured_content
    assert content is not None
    assert (content["library"], content["version"]) == ("pydantic", installed_version("pydantic"))
    first = content["sections"][0]
    assert (first["title"], first["source"]) == ("pydantic.field_validator", "installed")
    assert set(first) >= {"title", "source", "url", "content"}


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"library": "fastapi", "topic": ""}, "topic"),
        ({"library": "fastapi", "topic": "   "}, "topic"),
        ({"library": "../etc", "topic": "lifespan"}, "library"),
        ({"library": "x" * 500, "topic": "lifespan"}, "library"),
        ({"library": "fastapi", "topic": "lifespan", "max_chars": 0}, "max_chars"),
        ({"library": "fastapi", "topic": "lifespan", "max_chars": 10**12}, "max_chars"),
        ({"library": "fastapi", "topic": "lifespan", "version": "0.0.1"}, "version"),
        ({"library": "no-such-library-here", "topic": "lifespan"}, "library"),
        ({"topic": "lifespan"}, "library"),
    ],
)
async def test_bad_input_is_a_tool_error_naming_the_argument(arguments: dict[str, object], named: str) -> None:
    async with Client(build_server()) as client:
        result = await client.call_tool("fetch_docs", arguments)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert named in text
    assert "Traceback" not in text
    assert len(text) < 2000
