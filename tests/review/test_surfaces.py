"""review_code and explain_rule through the real MCP client, the rules:// resources, and the CLI verbs."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from mcp import Client, MCPError

from fastapi_expert.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from fastapi_expert.review.registry import all_rules
from fastapi_expert.server import build_server

REGEX = "from fastapi import Query\nq = Query(regex='^a')\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(REGEX)
    (tmp_path / "app" / "ok.py").write_text("x = 1\n")
    return tmp_path


@pytest.mark.anyio
async def test_review_code_snippet_and_paths(project: Path) -> None:
    async with Client(build_server(root=project)) as client:
        snippet = await client.call_tool("review_code", {"code": REGEX, "filename": "routes/items.py"})
        files = await client.call_tool("review_code", {"paths": ["app"]})
    assert not snippet.is_error
    content = snippet.structured_content
    assert content is not None
    assert list(content) == ["summary", "findings"]  # the summary first
    assert content["findings"][0]["code"] == "FE002"
    assert content["findings"][0]["path"] == "routes/items.py"
    assert content["findings"][0]["fix"]["edits"][0]["text"] == "pattern='^a'"
    assert files.structured_content is not None
    assert files.structured_content["summary"]["files"] == 2
    assert [f["path"] for f in files.structured_content["findings"]] == ["app/main.py"]
    assert (project / "app" / "main.py").read_text() == REGEX  # nothing is written


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({}, "code"),
        ({"code": REGEX, "paths": ["app"]}, "code"),
        ({"paths": []}, "paths"),
        ({"paths": ["../outside"]}, "paths"),
        ({"paths": ["/etc/passwd"]}, "paths"),
        ({"code": REGEX, "filename": "../../etc/x.py"}, "filename"),
        ({"code": REGEX, "filename": "notes.txt"}, "filename"),
        ({"code": REGEX, "select": ["FE999"]}, "select"),
        ({"code": "x\x00y"}, "code"),
        ({"code": "x" * (3 * 1024 * 1024)}, "code"),
        ({"code": REGEX, "max_findings": 0}, "max_findings"),
    ],
)
async def test_review_code_bad_input_names_the_argument(project: Path, arguments, named: str) -> None:
    async with Client(build_server(root=project)) as client:
        result = await client.call_tool("review_code", arguments)
    assert result.is_error
    text = result.content[0].text
    assert named in text
    assert "Traceback" not in text


@pytest.mark.anyio
async def test_a_broken_snippet_is_a_finding(project: Path) -> None:
    async with Client(build_server(root=project)) as client:
        result = await client.call_tool("review_code", {"code": "def f(:\n"})
    assert not result.is_error
    assert result.structured_content is not None
    assert [f["rule"] for f in result.structured_content["findings"]] == ["syntax-error"]


@pytest.mark.anyio
async def test_explain_rule_and_rule_resources() -> None:
    async with Client(build_server()) as client:
        explained = await client.call_tool("explain_rule", {"code": "deprecated-query-regex"})
        unknown = await client.call_tool("explain_rule", {"code": "FE02"})
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        page = await client.read_resource("rules://FE018")
        with pytest.raises(MCPError) as info:
            await client.read_resource("rules://FE9999")
    assert explained.structured_content is not None
    assert explained.structured_content["code"] == "FE002"
    assert "## Why is this bad?" in explained.structured_content["documentation"]
    assert unknown.is_error
    assert "FE002" in unknown.content[0].text
    assert {f"rules://{rule.CODE}" for rule in all_rules()} <= resources
    assert page.contents[0].text.startswith("# FE018 depends-called")
    assert "FE9999" in str(info.value)


def run_cli(monkeypatch, capsys, argv: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_review_text_and_exit_codes(project: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(project)
    code, out, _ = run_cli(monkeypatch, capsys, ["review", "app"])
    assert code == EXIT_FINDINGS
    assert out.splitlines()[0].startswith("app/main.py:2:11: FE002 [warning]")
    assert out.splitlines()[-1].startswith("2 files reviewed: 0 errors, 1 warnings, 0 infos")
    assert run_cli(monkeypatch, capsys, ["review", "app", "--fail-on", "error"])[0] == EXIT_OK
    assert run_cli(monkeypatch, capsys, ["review", "app", "--exit-zero"])[0] == EXIT_OK
    assert run_cli(monkeypatch, capsys, ["review", "app/ok.py"])[0] == EXIT_OK


def test_cli_review_json_and_github(project: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(project)
    _, out, _ = run_cli(monkeypatch, capsys, ["review", "app", "--format", "json"])
    payload = json.loads(out)
    assert payload["summary"]["warnings"] == 1
    _, out, _ = run_cli(monkeypatch, capsys, ["review", "app", "--format", "github"])
    assert out == (
        "::warning file=app/main.py,line=2,col=11,endLine=2,endColumn=21,title=FE002 deprecated-query-regex"
        "::`regex=` is deprecated\n"
    )


def test_cli_review_stdin(project: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(project)
    code, out, _ = run_cli(monkeypatch, capsys, ["review", "--stdin-filename", "x.py"], stdin=REGEX.encode())
    assert code == EXIT_FINDINGS
    assert out.startswith("x.py:2:11: FE002")
    code, _, err = run_cli(monkeypatch, capsys, ["review", "-"], stdin=b"caf\xe9 = 1\n")
    assert code == EXIT_USAGE
    assert "stdin: is not UTF-8" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["review", "missing.py"], "paths:"),
        (["review", "app", "--select", "FE999"], "select: unknown rule"),
        (["review", "app", "--max-findings", "0"], "--max-findings"),
        (["rules", "nope"], "code: no rule 'nope'"),
    ],
)
def test_cli_bad_input_exits_2(project: Path, monkeypatch, capsys, argv, message) -> None:
    monkeypatch.chdir(project)
    code, _, err = run_cli(monkeypatch, capsys, argv)
    assert code == EXIT_USAGE
    assert message in err


def test_cli_rules(monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, ["rules"])
    assert code == EXIT_OK
    assert len(out.splitlines()) == len(all_rules())
    code, out, _ = run_cli(monkeypatch, capsys, ["rules", "FE002"])
    assert out.startswith("# FE002 deprecated-query-regex")


@pytest.mark.anyio
async def test_review_code_bad_files_are_findings_and_the_rest_is_reviewed(project: Path) -> None:
    (project / "app" / "binary.py").write_bytes(b"\x00\xff" * 10)
    (project / "app" / "latin1.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (project / "app" / "huge.py").write_text("x = 1\n" * (10 * 1024 * 1024 // 6))
    async with Client(build_server(root=project)) as client:
        result = await client.call_tool("review_code", {"paths": ["app"]})
    assert not result.is_error
    assert result.structured_content is not None
    codes = {(f["path"], f["code"]) for f in result.structured_content["findings"]}
    assert codes == {
        ("app/binary.py", "FE900"),
        ("app/latin1.py", "FE900"),
        ("app/huge.py", "FE900"),
        ("app/main.py", "FE002"),
    }
