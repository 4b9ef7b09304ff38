"""The command in ``.mcp.json`` (what Claude Code runs for the plugin) starts a server that answers ``initialize``."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import REPO

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def resolve(value: str) -> str:
    return value.replace("${CLAUDE_PLUGIN_ROOT}", str(REPO))


async def test_mcp_json_command_answers_initialize(tmp_path: Path) -> None:
    config = json.loads((REPO / ".mcp.json").read_text())
    server = config["mcpServers"]["fastapi-expert"]
    # uv comes from the test extra (PyPI's `uv`), in the same bin folder as this interpreter.
    command = shutil.which(server["command"], path=str(Path(sys.executable).parent)) or server["command"]
    env = {**os.environ, "CLAUDE_PLUGIN_ROOT": str(REPO)}
    env.pop("FASTAPI_EXPERT_TOKEN", None)
    params = StdioServerParameters(
        command=command, args=[resolve(arg) for arg in server["args"]], env=env, cwd=str(tmp_path)
    )
    async with Client(params, read_timeout_seconds=600) as client:
        assert client.server_info is not None
        assert client.server_info.name == "fastapi-expert"
        tools = {tool.name for tool in (await client.list_tools()).tools}
    assert "search_knowledge" in tools
