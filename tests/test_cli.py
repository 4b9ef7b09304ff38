"""The command line: verbs, output, and the one table of exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fastapi_expert import __version__
from fastapi_expert.cli import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exit_code_for, main
from fastapi_expert.errors import (
    InputError,
    KnowledgeFormatError,
    PatternNotFound,
    RuffError,
    SourceParseError,
    SpecError,
)


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"fastapi-expert {__version__}"


def test_python_dash_m_is_the_same_command() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "fastapi_expert", "--version"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"fastapi-expert {__version__}"


def test_no_command_prints_help_and_exits_2(capsys) -> None:
    assert main([]) == EXIT_USAGE
    assert "serve" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == EXIT_USAGE
    assert "invalid choice" in capsys.readouterr().err


def test_knowledge_search_text(capsys) -> None:
    assert main(["knowledge", "search", "close", "the", "database", "session"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("1. ")
    assert "score" in out


def test_knowledge_search_json(capsys) -> None:
    assert main(["knowledge", "search", "websocket rooms", "--json", "--limit", "2"]) == EXIT_OK
    payload = json.loads(capsys.readouterr().out)
    assert payload["query"] == "websocket rooms"
    assert len(payload["results"]) == 2
    assert payload["results"][0]["id"] == "websockets"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["knowledge", "search", " "], "query: is empty"),
        (["knowledge", "search", "rooms", "--limit", "0"], "limit: must be between 1 and 50"),
        (["knowledge", "show", "websocket"], "id: no knowledge entry 'websocket'; did you mean 'websockets'"),
    ],
)
def test_bad_input_exits_2_with_a_message_naming_the_argument(capsys, argv, message) -> None:
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("fastapi-expert: error: ")
    assert message in err
    assert "Traceback" not in err


def test_knowledge_show_inlines_examples(capsys) -> None:
    assert main(["knowledge", "show", "websockets"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("# ")
    assert "```python" in out
    assert "<!-- example" not in out


def test_knowledge_list(capsys) -> None:
    assert main(["knowledge", "list", "--json"]) == EXIT_OK
    entries = json.loads(capsys.readouterr().out)
    assert len(entries) >= 30
    assert all(entry["uri"] == f"knowledge://{entry['id']}" for entry in entries)


def test_an_internal_error_exits_3_without_a_traceback(capsys, monkeypatch) -> None:
    from fastapi_expert.knowledge import KnowledgeBase

    def crash(self, query, limit=5):
        raise RuntimeError("boom")

    monkeypatch.delenv("FASTAPI_EXPERT_DEBUG", raising=False)
    monkeypatch.setattr(KnowledgeBase, "search", crash)
    assert main(["knowledge", "search", "rooms"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error (please report it" in err
    assert "RuntimeError: boom" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("is empty", argument="query"), EXIT_USAGE),
        (PatternNotFound(pattern_id="x"), EXIT_USAGE),
        (SpecError("bad", argument="fields"), EXIT_USAGE),
        (SourceParseError("bad", path="a.py", line=1, column=2), EXIT_USAGE),
        (KnowledgeFormatError("bad", path="k.md"), EXIT_INTERNAL),
        (RuffError("crashed", returncode=2), EXIT_INTERNAL),
        (ValueError("x"), EXIT_INTERNAL),
    ],
)
def test_exit_code_table(error, code) -> None:
    assert exit_code_for(error) == code


def test_a_reader_that_goes_away_is_not_an_internal_error(tmp_path) -> None:
    """``fastapi-expert review . --format json | head -1``: the closed pipe ends the command quietly, with the
    shell's SIGPIPE code (the output, 400 findings, is larger than a pipe's buffer)."""
    (tmp_path / "app.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n" * 400)
    with subprocess.Popen(
        [sys.executable, "-m", "fastapi_expert", "review", "app.py", "--format", "json", "--no-cache"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(1) == b"{"
        process.stdout.close()
        error = process.stderr.read().decode()
        assert process.wait(timeout=120) == 141
    assert error == ""
