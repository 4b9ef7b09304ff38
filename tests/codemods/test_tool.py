"""``add_auth`` through the MCP client (in memory) and the command line."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from mcp import Client
from pwdlib import PasswordHash

from fastapi_expert.cli import main
from fastapi_expert.server import build_server
from tests.codemods.test_project import FIXTURE
from tests.codemods.test_single import USER_APP

pytestmark = pytest.mark.anyio


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def server(fixture_knowledge: Path, fixture_prompts: Path, tmp_path: Path):
    return build_server(knowledge_dir=fixture_knowledge, prompts_dir=fixture_prompts, root=tmp_path)


async def test_listed_with_its_annotations_and_schemas(server) -> None:
    async with Client(server) as client:
        tool = {tool.name: tool for tool in (await client.list_tools()).tools}["add_auth"]
    assert "codemod" in (tool.description or "")
    assert tool.annotations is not None
    assert (tool.annotations.read_only_hint, tool.annotations.destructive_hint) == (False, False)
    assert tool.annotations.idempotent_hint is True
    assert tool.output_schema is not None
    assert set(tool.output_schema["properties"]) >= {"files", "diff", "validation", "written"}
    assert set(tool.input_schema["properties"]) == {
        "source",
        "filename",
        "project_dir",
        "scheme",
        "protect",
        "write",
        "neighbours",
    }


async def test_one_module_is_edited_and_validated(server) -> None:
    async with Client(server) as client:
        result = await client.call_tool("add_auth", {"source": USER_APP, "scheme": "api-key"})
    assert not result.is_error, result.content
    content = result.structured_content
    assert [file["path"] for file in content["files"]] == ["main.py", "auth.py"]
    assert content["validation"]["ok"] is True
    assert [step["name"] for step in content["validation"]["steps"]][-1] == "routes"
    assert content["written"] == []
    assert '+@app.post("/notes", status_code=201, dependencies=[Depends(require_auth)])' in content["diff"]


async def test_a_project_is_written_and_a_second_run_changes_nothing(server, project: Path) -> None:
    async with Client(server) as client:
        first = await client.call_tool("add_auth", {"project_dir": "project", "scheme": "api-key", "write": True})
        second = await client.call_tool("add_auth", {"project_dir": "project", "scheme": "api-key", "write": True})
    assert not first.is_error, first.content
    assert sorted(first.structured_content["written"]) == [
        "app/auth.py",
        "app/routers/admin.py",
        "app/routers/notes.py",
        "tests/conftest.py",
    ]
    assert "require_auth" in (project / "app" / "routers" / "notes.py").read_text()
    assert (second.structured_content["files"], second.structured_content["written"]) == ([], [])
    # Validated before it was written: the auth module in the reference app, then the project itself (a copy with the
    # changes applied): its app imports and builds its OpenAPI, and its own tests pass with the auth fixture.
    steps = {step["name"]: step for step in first.structured_content["validation"]["steps"]}
    assert list(steps) == ["syntax", "ruff", "review", "import", "startup", "openapi", "routes", "app", "tests"]
    assert all(step["ok"] and not step["skipped"] for step in steps.values())
    assert "passed" in steps["tests"]["detail"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"source": USER_APP, "scheme": "saml"}, "scheme: unknown scheme 'saml'"),
        ({"source": USER_APP, "protect": ["/nowhere"]}, "protect: '/nowhere' matches no route"),
        ({"source": "def f(:\n"}, "main.py:1:7: does not parse"),
        ({"source": "x = 1\n"}, "source: main.py defines no FastAPI app or APIRouter"),
        ({"project_dir": "../.."}, "project_dir: '../..' is outside the server's working directory"),
        ({"source": USER_APP, "write": True}, "write: write needs project_dir"),
        ({}, "pass exactly one of source"),
    ],
)
async def test_bad_input_is_a_tool_error_naming_the_argument(
    server, arguments: dict[str, object], message: str
) -> None:
    async with Client(server) as client:
        result = await client.call_tool("add_auth", arguments)
    assert result.is_error
    assert message in result.content[0].text  # type: ignore[union-attr]


def test_cli_diff_write_and_check(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auth", str(project), "--scheme", "http-basic", "--check"]) == 1
    assert "+++ b/app/auth.py" in capsys.readouterr().out
    assert not (project / "app" / "auth.py").exists()
    assert main(["auth", str(project), "--scheme", "http-basic", "--write"]) == 0
    assert "wrote app/auth.py" in capsys.readouterr().out
    assert main(["auth", str(project), "--scheme", "http-basic", "--check"]) == 0


def test_cli_one_module_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = tmp_path / "main.py"
    module.write_text(USER_APP)
    assert main(["auth", str(module), "--scheme", "api-key", "--protect", "POST /notes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# --- main.py ---\n")
    module_part, auth_part = out.split("# --- auth.py ---\n")
    assert module_part.count("dependencies=[Depends(require_auth)]") == 1
    assert "APIKeyHeader" in auth_part
    assert main(["auth", str(module), "--protect", "/missing"]) == 2
    assert "error: protect: '/missing' matches no route" in capsys.readouterr().err
    assert main(["auth", str(tmp_path / "nope.py")]) == 2


def test_cli_hash_password_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert main(["auth", "hash-password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("$argon2id$")
    assert PasswordHash.recommended().verify("correct horse", printed)
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["auth", "hash-password"]) == 2


def test_cli_one_module_next_to_the_users_auth_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The user's auth.py next to the module is neither overwritten nor shadowed: ours is security.py. An auth.py of
    ours (a previous run's) does not count."""
    module = tmp_path / "main.py"
    module.write_text(USER_APP)
    (tmp_path / "auth.py").write_text('"""My own auth helpers."""\n')
    assert main(["auth", str(module), "--scheme", "api-key"]) == 0
    out = capsys.readouterr().out
    assert "# --- security.py ---\n" in out
    assert "from security import require_auth" in out
    assert "# --- auth.py ---" not in out
    (tmp_path / "auth.py").write_text('"""Added by fastapi-expert (`add_auth`, scheme `api-key`)."""\n')
    assert main(["auth", str(module), "--scheme", "api-key"]) == 0
    assert "# --- auth.py ---\n" in capsys.readouterr().out
