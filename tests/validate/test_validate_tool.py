"""``validate_code`` through the real MCP client, in memory; and who may call it."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client

from fastapi_expert import transport
from fastapi_expert.cli import main
from fastapi_expert.server import build_server
from fastapi_expert.tools.validate_code import DISABLED_MESSAGE
from tests.validate.samples import BOOK_FILES, router_module
from tests.validate.test_harness import alive, eventually, forking_run, runs

pytestmark = pytest.mark.anyio


def as_arguments(mapping: dict[str, str]) -> list[dict[str, str]]:
    return [{"path": path, "content": content} for path, content in mapping.items()]


@pytest.fixture
def server(fixture_knowledge: Path, fixture_prompts: Path):
    return build_server(knowledge_dir=fixture_knowledge, prompts_dir=fixture_prompts, validate_timeout=60)


async def test_listed_with_schema_hints_and_description(server) -> None:
    async with Client(server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    tool = tools["validate_code"]
    assert len(tool.description or "") >= 40
    assert "sandbox" in (tool.description or "")
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is False
    assert tool.annotations.destructive_hint is False
    assert tool.annotations.idempotent_hint is True
    assert tool.annotations.open_world_hint is False
    assert tool.output_schema is not None
    assert set(tool.output_schema["properties"]) >= {"ok", "steps"}
    properties = tool.input_schema["properties"]
    assert set(properties) == {"files", "fuzz"}
    assert properties["files"]["maxItems"] == 200
    assert tool.input_schema["required"] == ["files"]


async def test_a_resource_validates_with_structured_steps_and_progress(server) -> None:
    seen: list[str] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    async with Client(server) as client:
        result = await client.call_tool(
            "validate_code", {"files": as_arguments(BOOK_FILES)}, progress_callback=progress
        )
    assert not result.is_error, result.content
    report = result.structured_content
    assert report is not None
    assert report["ok"] is True
    names = [s["name"] for s in report["steps"]]
    assert names == ["syntax", "ruff", "review", "import", "startup", "openapi", "routes"]
    assert all({"name", "ok", "duration_ms", "detail"} <= set(s) for s in report["steps"])
    assert "import..." in seen
    assert "routes..." in seen


async def test_a_failed_validation_is_a_normal_result(server) -> None:
    async with Client(server) as client:
        result = await client.call_tool("validate_code", {"files": [{"path": "app/x.py", "content": "def (:\n"}]})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["ok"] is False
    assert result.structured_content["steps"][0]["name"] == "syntax"


@pytest.mark.parametrize("path", ["../escape.py", "/etc/cron.d/x", "app\\routers\\x.py", "app/../../x.py", ""])
async def test_bad_paths_are_tool_errors_naming_files(server, path) -> None:
    async with Client(server) as client:
        result = await client.call_tool("validate_code", {"files": [{"path": path, "content": "x = 1\n"}]})
    assert result.is_error
    text = result.content[0].text
    assert "files" in text
    assert "Traceback" not in text


async def test_too_many_files_is_a_tool_error(server) -> None:
    many = [{"path": f"app/m{i}.py", "content": ""} for i in range(201)]
    async with Client(server) as client:
        result = await client.call_tool("validate_code", {"files": many})
    assert result.is_error
    assert "files" in result.content[0].text


async def test_refused_without_code_execution_but_still_listed(fixture_knowledge, fixture_prompts) -> None:
    server = build_server(knowledge_dir=fixture_knowledge, prompts_dir=fixture_prompts, allow_code_execution=False)
    async with Client(server) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        result = await client.call_tool("validate_code", {"files": as_arguments(BOOK_FILES)})
    assert "validate_code" in names
    assert result.is_error
    assert DISABLED_MESSAGE in result.content[0].text
    assert "--allow-code-execution" in DISABLED_MESSAGE


def test_http_builds_the_server_without_code_execution_unless_allowed(monkeypatch) -> None:
    built: list[bool] = []

    def spy(**kwargs):
        built.append(kwargs["allow_code_execution"])
        return build_server(**kwargs)

    monkeypatch.setattr("fastapi_expert.server.build_server", spy)
    transport.http_app(transport.HttpOptions())
    transport.http_app(transport.HttpOptions(allow_code_execution=True))
    assert built == [False, True]


def test_serve_passes_the_flag_to_the_http_transport(monkeypatch) -> None:
    served: list[transport.HttpOptions] = []
    monkeypatch.setattr(transport, "run_http", lambda options, log_level: served.append(options))
    monkeypatch.setattr(transport, "configure_logging", lambda level: None)
    assert main(["serve", "--transport", "http"]) == 0
    assert main(["serve", "--transport", "http", "--allow-code-execution"]) == 0
    assert [options.allow_code_execution for options in served] == [False, True]


async def test_client_cancellation_kills_the_sandbox(server) -> None:
    body = "for _ in range(3):\n    if os.fork() == 0:\n        break\nwhile True:\n    pass"
    hostile = as_arguments({"app/routers/probe.py": router_module(body, imports="import os")})
    async with Client(server) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: client.call_tool("validate_code", {"files": hostile}))
            folder = await forking_run(3)
            await anyio.sleep(0.3)
            running = runs()[folder]
            group.cancel_scope.cancel()
        await eventually(lambda: not any(alive(pid) for pid in running))
        answer = await client.call_tool("search_knowledge", {"query": "websocket rooms"})
    assert not answer.is_error
    assert len(running) >= 4
    await eventually(lambda: not folder.exists())
