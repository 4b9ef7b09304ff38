"""README.md: the two set-up commands at the top, and client config snippets that parse and start our server."""

from __future__ import annotations

import json
import re

from tests.conftest import REPO

README = (REPO / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)\n```", README, flags=re.S)


def test_opens_with_exactly_two_setup_commands() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", setup, flags=re.S)
    assert len(commands) == 2
    run, test = commands
    assert run.startswith("python3 -m venv .venv && ") and run.endswith("fastapi-expert serve")
    assert "'.[test]'" in test and test.endswith("scripts/check.py")
    assert "\n" not in run and "\n" not in test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert "blocks[1]" in ci  # .ci/run extracts the second command block and runs it as written


def test_client_config_snippets_parse_and_start_our_server() -> None:
    configs = [json.loads(body) for language, body in BLOCKS if language == "json"]
    assert len(configs) == 2
    cursor, vscode = configs
    for server in (cursor["mcpServers"]["fastapi-expert"], vscode["servers"]["fastapi-expert"]):
        assert server["command"] == "uvx"
        assert server["args"][-2:] == ["fastapi-expert", "serve"]
        assert server["args"][0] == "--from"
    assert vscode["servers"]["fastapi-expert"]["type"] == "stdio"
    # The same command as the plugin's .mcp.json, with the checkout path in place of the plugin root.
    plugin = json.loads((REPO / ".mcp.json").read_text())["mcpServers"]["fastapi-expert"]
    assert plugin["args"][0] == "--from"
    assert plugin["args"][2:] == cursor["mcpServers"]["fastapi-expert"]["args"][2:]


def test_tool_table_names_every_tool() -> None:
    import anyio
    from mcp import Client

    from fastapi_expert.server import build_server

    async def names() -> set[str]:
        async with Client(build_server()) as client:
            return {tool.name for tool in (await client.list_tools()).tools}

    for name in anyio.run(names):
        assert f"`{name}(" in README
