"""``fastapi-expert docs``: text and JSON output, exit codes."""

from __future__ import annotations

import json
from importlib.metadata import version as installed_version

import pytest

from fastapi_expert.cli import EXIT_OK, EXIT_USAGE, main


def test_docs_json(capsys) -> None:
    assert main(["docs", "sqlalchemy", "AsyncSession.execute", "--json", "--offline", "--max-chars", "1500"]) == EXIT_OK
    answer = json.loads(capsys.readouterr().out)
    assert (answer["library"], answer["version"]) == ("SQLAlchemy", installed_version("sqlalchemy"))
    assert answer["sections"][0]["title"] == "sqlalchemy.ext.asyncio.AsyncSession.execute"
    assert sum(len(s["title"]) + len(s["content"]) for s in answer["sections"]) <= 1500


def test_docs_text(capsys) -> None:
    assert main(["docs", "fastapi", "dependencies", "with", "yield", "--offline"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(f"fastapi {installed_version('fastapi')}\n")
    assert "## Dependency Injection > Dependencies with `yield` and `scope`  [bundled: " in out


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["docs", "fastapi", " "], "topic"),
        (["docs", "../x", "lifespan"], "library"),
        (["docs", "fastapi", "lifespan", "--max-chars", "0"], "max_chars"),
        (["docs", "fastapi", "lifespan", "--version", "0.0.1", "--offline"], "version"),
        (["docs", "fastapi_usrs", "lifespan"], "library"),
    ],
)
def test_bad_input_exits_2_naming_the_argument(capsys, argv: list[str], named: str) -> None:
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"fastapi-expert: error: {named}: ")
