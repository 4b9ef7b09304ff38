"""Schema-driven fuzzing of every tool the server has, now and later: arguments are generated from each tool's own
``inputSchema`` (valid ones, and invalid ones: wrong types, unknown keys, missing keys), and every call must end as a
structured result that matches the tool's ``outputSchema`` or as a clear tool error — never an internal error, never a
traceback, never a hang."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from mcp import Client
from mcp.types import CallToolResult, Tool

from fastapi_expert.server import build_server

#: Per call: a call still running after this is a hang (not a performance threshold).
CALL_TIMEOUT = 60

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


def list_tools() -> list[Tool]:
    async def listing() -> list[Tool]:
        async with Client(build_server()) as client:
            return (await client.list_tools()).tools

    return anyio.run(listing)


TOOLS = {tool.name: tool for tool in list_tools()}


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as portal:
        yield portal


@pytest.fixture(scope="module")
def client(portal: BlockingPortal) -> Iterator[Client]:
    # The tools that may write (scaffold_endpoint, add_auth with write=true) are confined to this root, never the repo.
    with (
        tempfile.TemporaryDirectory() as root,
        portal.wrap_async_context_manager(Client(build_server(root=Path(root)))) as client,
    ):
        yield client


def call(portal: BlockingPortal, client: Client, name: str, arguments: dict[str, Any]) -> CallToolResult:
    async def bounded() -> CallToolResult:
        with anyio.fail_after(CALL_TIMEOUT):
            return await client.call_tool(name, arguments)

    return portal.call(bounded)


def assert_well_ended(tool: Tool, result: CallToolResult) -> None:
    text = "".join(getattr(block, "text", "") for block in result.content)
    if result.is_error:
        assert "Traceback" not in text
        # The SDK's mask for a crash is exactly "Error executing tool <name>": anything else carries a reason.
        assert text.strip() != f"Error executing tool {tool.name}", "the tool crashed"
        assert ": " in text
        return
    assert result.structured_content is not None
    assert tool.output_schema is not None
    jsonschema.validate(result.structured_content, tool.output_schema)


def invalid_arguments(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = list(schema.get("properties", {}))
    valid = from_schema(schema)
    wrong_value = (
        st.tuples(valid, st.sampled_from(properties), JSON).map(lambda t: {**t[0], t[1]: t[2]}) if properties else valid
    )
    unknown_key = st.tuples(valid, st.text(min_size=1, max_size=12), JSON).map(lambda t: {**t[0], "x" + t[1]: t[2]})
    missing_key = (
        st.tuples(valid, st.sampled_from(properties)).map(lambda t: {k: v for k, v in t[0].items() if k != t[1]})
        if properties
        else valid
    )
    return st.one_of(wrong_value, unknown_key, missing_key, st.dictionaries(st.text(max_size=12), JSON, max_size=5))


#: Tools whose every valid call runs code in the validation sandbox (seconds a call): fewer examples, same checks.
SANDBOXED = {"add_auth", "scaffold_endpoint", "validate_code", "write_schema"}


def fuzz(name: str) -> settings:
    return settings(
        deadline=None,
        max_examples=12 if name in SANDBOXED else 60,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_valid_arguments_end_well(name: str, portal: BlockingPortal, client: Client) -> None:
    tool = TOOLS[name]

    @fuzz(name)
    @given(arguments=from_schema(tool.input_schema))
    def run(arguments: dict[str, Any]) -> None:
        assert_well_ended(tool, call(portal, client, name, arguments))

    run()


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_invalid_arguments_end_well(name: str, portal: BlockingPortal, client: Client) -> None:
    tool = TOOLS[name]

    @fuzz(name)
    @given(arguments=invalid_arguments(tool.input_schema))
    def run(arguments: dict[str, Any]) -> None:
        assert_well_ended(tool, call(portal, client, name, arguments))

    run()


def test_every_tool_is_fuzzed() -> None:
    """The parametrization above comes from the server's own tool list, so a new tool is fuzzed without new code."""
    assert "search_knowledge" in TOOLS
    assert SANDBOXED.issubset(TOOLS)
    assert all(tool.input_schema.get("type") == "object" for tool in TOOLS.values())
