"""The MCP server through the real SDK client, in memory: tools, resources, prompts and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client, MCPError

from fastapi_expert.server import INSTRUCTIONS, build_server

pytestmark = pytest.mark.anyio


@pytest.fixture
def server(fixture_knowledge: Path, fixture_prompts: Path):
    return build_server(knowledge_dir=fixture_knowledge, prompts_dir=fixture_prompts)


async def test_initialize_reports_name_version_and_instructions(server) -> None:
    async with Client(server) as client:
        assert client.server_info is not None
        assert client.server_info.name == "fastapi-expert"
        assert client.server_info.version
        assert client.instructions == INSTRUCTIONS
        assert "search_knowledge" in INSTRUCTIONS


async def test_tools_have_descriptions_output_schemas_and_hints(server) -> None:
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    tool = tools["search_knowledge"]
    assert len(tool.description or "") >= 40
    assert tool.output_schema is not None
    assert tool.output_schema["properties"]["results"]["type"] == "array"
    assert tool.annotations is not None and tool.annotations.read_only_hint is True
    properties = tool.input_schema["properties"]
    assert properties["query"]["maxLength"] == 1000
    assert properties["limit"]["maximum"] == 50


async def test_search_returns_structured_results(server) -> None:
    async with Client(server) as client:
        result = await client.call_tool("search_knowledge", {"query": "websocket broadcast", "limit": 2})
    assert not result.is_error
    assert result.structured_content is not None
    first = result.structured_content["results"][0]
    assert first["id"] == "websocket-rooms"
    assert first["uri"] == "knowledge://websocket-rooms"
    assert set(first) >= {"id", "title", "uri", "score", "snippet"}


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 5_000_000}, "query"),
        ({"query": "rooms", "limit": -1}, "limit"),
        ({"query": "rooms", "limit": 10**12}, "limit"),
        ({"query": "rooms", "limit": "many"}, "limit"),
        ({}, "query"),
    ],
)
async def test_bad_arguments_are_tool_errors_naming_the_argument(server, arguments, named) -> None:
    async with Client(server) as client:
        result = await client.call_tool("search_knowledge", arguments)
    assert result.is_error
    text = result.content[0].text
    assert named in text
    assert "Traceback" not in text
    assert len(text) < 2000


async def test_every_entry_is_a_concrete_resource(server) -> None:
    async with Client(server) as client:
        listed = (await client.list_resources()).resources
        resources = {str(r.uri): r for r in listed if str(r.uri).startswith("knowledge://")}
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        entry = await client.read_resource("knowledge://websocket-rooms")
        index = await client.read_resource("knowledge://index")
    assert set(resources) == {
        "knowledge://index",
        "knowledge://jwt-login",
        "knowledge://pagination-basics",
        "knowledge://websocket-rooms",
    }
    assert resources["knowledge://websocket-rooms"].mime_type == "text/markdown"
    assert resources["knowledge://websocket-rooms"].description.startswith("Broadcast messages")
    assert "knowledge://{id}" in templates
    assert "line three" in entry.contents[0].text
    assert "knowledge://jwt-login" in index.contents[0].text


async def test_unknown_entry_is_an_error_naming_the_id(server) -> None:
    async with Client(server) as client:
        with pytest.raises(MCPError) as info:
            await client.read_resource("knowledge://websocket-room")
    assert "'websocket-room'" in str(info.value)
    assert "websocket-rooms" in str(info.value)


async def test_prompts_are_listed_with_their_arguments(server) -> None:
    async with Client(server) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    greet = prompts["greet_user"]
    assert greet.title == "Greet a user"
    arguments = {a.name: a for a in greet.arguments or []}
    assert arguments["user"].required is True
    assert arguments["tone"].required is False
    assert "One of: formal, casual." in (arguments["tone"].description or "")


async def test_get_prompt_renders_with_defaults(server) -> None:
    async with Client(server) as client:
        result = await client.get_prompt("greet_user", {"user": "Ada"})
        noted = await client.get_prompt("greet_user", {"user": "Ada", "tone": "formal", "note": "welcome"})
    assert result.messages[0].role == "user"
    assert result.messages[0].content.text == "Greet Ada in a casual tone.\n"
    assert noted.messages[0].content.text == "Greet Ada in a formal tone.\nAdd: welcome\n"


@pytest.mark.parametrize(
    ("arguments", "named"),
    [({}, "user"), ({"user": "Ada", "tone": "rude"}, "tone"), ({"user": "Ada", "colour": "red"}, "colour")],
)
async def test_bad_prompt_arguments_name_the_argument(server, arguments, named) -> None:
    async with Client(server) as client:
        with pytest.raises(MCPError) as info:
            await client.get_prompt("greet_user", arguments)
    assert named in str(info.value)


async def test_a_crash_reaches_the_client_masked(server, monkeypatch) -> None:
    """A bug inside a tool shows the client only the SDK's mask (what the fuzz test treats as a crash)."""
    from fastapi_expert.knowledge import KnowledgeBase

    def crash(self, query, limit=5):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(KnowledgeBase, "search", crash)
    async with Client(server) as client:
        result = await client.call_tool("search_knowledge", {"query": "rooms"})
    assert result.is_error
    assert result.content[0].text == "Error executing tool search_knowledge"


async def test_unknown_prompt_is_invalid_params_naming_it(server) -> None:
    async with Client(server) as client:
        with pytest.raises(MCPError) as info:
            await client.get_prompt("greet_usr", {})
    assert info.value.code == -32602
    assert "'greet_usr'" in info.value.message
    assert "greet_user" in info.value.message
