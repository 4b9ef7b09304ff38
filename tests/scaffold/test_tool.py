"""``scaffold_endpoint`` through MCP and the CLI: listed with its schema, bad input an error naming the argument
(nothing written), a standalone project returned validated."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mcp import Client

from fastapi_expert.cli import main
from fastapi_expert.server import build_server
from tests.scaffold.conftest import PROJECT_FIXTURES

pytestmark = pytest.mark.anyio


def listing(root: Path) -> list[Path]:
    return sorted(path.relative_to(root) for path in root.rglob("*"))


FIELDS = [{"name": "title", "type": "str", "max_length": 100, "unique": True}]


async def test_listed_not_read_only_not_destructive(tmp_path: Path) -> None:
    async with Client(build_server(root=tmp_path)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    tool = tools["scaffold_endpoint"]
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is False and tool.annotations.destructive_hint is False
    assert {"resource", "fields", "operations", "persistence", "project_dir", "write", "timestamps"} <= set(
        tool.input_schema["properties"]
    )
    assert tool.output_schema is not None and {"files", "diff", "validation", "written"} <= set(
        tool.output_schema["properties"]
    )


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ({"resource": "class"}, "resource"),
        ({"resource": "1st"}, "resource"),
        ({"resource": "my-resource"}, "resource"),
        ({"operations": ["list", "upsert"]}, "operations[1]"),
        ({"fields": []}, "fields"),
        ({"fields": [{"name": "id", "type": "int"}]}, "fields[0].name"),
        ({"project_dir": "missing"}, "project_dir"),
        ({"project_dir": "not_fastapi"}, "project_dir"),
        ({"project_dir": "/"}, "project_dir"),
        ({"write": True}, "write"),
    ],
)
async def test_bad_input_is_an_error_naming_the_argument(
    tmp_path: Path, arguments: dict[str, object], argument: str
) -> None:
    shutil.copytree(PROJECT_FIXTURES / "not_fastapi", tmp_path / "not_fastapi")
    if isinstance(arguments.get("project_dir"), str) and not arguments["project_dir"].startswith("/"):
        arguments = {**arguments, "project_dir": str(tmp_path / str(arguments["project_dir"]))}
    before = listing(tmp_path)
    async with Client(build_server(root=tmp_path)) as client:
        result = await client.call_tool("scaffold_endpoint", {"resource": "item", "fields": FIELDS, **arguments})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert text.removeprefix("Error executing tool scaffold_endpoint: ").startswith(f"{argument}: "), text
    assert "Traceback" not in text
    assert listing(tmp_path) == before


async def test_a_standalone_project_comes_back_validated(tmp_path: Path) -> None:
    async with Client(build_server(root=tmp_path)) as client:
        result = await client.call_tool(
            "scaffold_endpoint", {"resource": "category", "fields": FIELDS, "persistence": "memory"}
        )
    assert not result.is_error, result.content
    data = result.structured_content
    assert data is not None
    paths = {file["path"] for file in data["files"]}
    assert {"app/main.py", "app/routers/categories.py", "tests/test_categories.py", "pyproject.toml"} <= paths
    steps = {step["name"]: step["ok"] for step in data["validation"]["steps"]}
    assert steps["routes"] and steps["tests"] and data["validation"]["ok"]
    assert data["written"] == [] and "+++ b/app/main.py" in data["diff"]
    assert listing(tmp_path) == []


def test_cli_writes_a_project_and_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "project"
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(FIELDS))
    assert main(["scaffold", "note_item", "--fields", f"@{fields}", "--persistence", "memory", "--out", str(out)]) == 0
    assert (out / "app" / "routers" / "note_items.py").is_file()
    assert main(["scaffold", "my-resource", "--fields", json.dumps(FIELDS)]) == 2
    assert "resource: " in capsys.readouterr().err
    assert main(["scaffold", "item", "--fields", json.dumps(FIELDS), "--ops", "list", "merge"]) == 2
