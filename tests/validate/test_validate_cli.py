"""``fastapi-expert validate DIR|FILE...``: what it reads, what it prints, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fastapi_expert.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from fastapi_expert.cli.validate import collect
from fastapi_expert.errors import InputError
from tests.validate.samples import BOOK_FILES


def write(root: Path, mapping: dict[str, str]) -> None:
    for path, content in mapping.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def test_a_folder_is_the_app_root(tmp_path, capsys) -> None:
    write(tmp_path, BOOK_FILES)
    assert main(["validate", str(tmp_path), "--timeout", "60"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "✔    routes" in out
    assert "5 of 5 routes passed" in out
    assert out.rstrip().endswith("valid: every step passed")


def test_json_output(tmp_path, capsys) -> None:
    write(tmp_path, BOOK_FILES)
    assert main(["validate", str(tmp_path), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["steps"][-1]["name"] == "routes"


def test_files_are_taken_relative_to_the_current_folder_and_a_failure_exits_1(tmp_path, monkeypatch, capsys) -> None:
    write(tmp_path, BOOK_FILES)
    monkeypatch.chdir(tmp_path)
    # The router alone: its model module is missing, so the import fails.
    assert main(["validate", "app/routers/books.py"]) == EXIT_FINDINGS
    out = capsys.readouterr().out
    assert "✘    import" in out
    assert "No module named 'app.models.book'" in out
    assert "-    startup" in out
    assert out.rstrip().endswith("invalid: the import step failed")


def test_a_folder_skips_caches_hidden_folders_and_databases(tmp_path) -> None:
    write(tmp_path, {"app/x.py": "", ".git/config": "", "app/__pycache__/x.pyc": "", "app.db": "", "README.md": "#"})
    assert [path for path, _ in collect([tmp_path], tmp_path)] == ["README.md", "app/x.py"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["validate", "missing.py"], "does not exist"),
        (["validate", "inside", "inside/a.py"], "is a folder"),
        (["validate", "../outside.py"], "outside the current folder"),
        (["validate", "inside/a.py", "--timeout", "-1"], "timeout: "),
        (["validate", "latin1.py"], "is not UTF-8"),
        (["validate", "empty"], "holds no files"),
    ],
)
def test_bad_input_exits_2(tmp_path, monkeypatch, capsys, arguments, message) -> None:
    work = tmp_path / "work"
    write(work, {"inside/a.py": "x = 1\n"})
    (work / "empty").mkdir()
    (work / "latin1.py").write_bytes("café = 1\n".encode("latin-1"))
    (tmp_path / "outside.py").write_text("x = 1\n")
    monkeypatch.chdir(work)
    assert main(arguments) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("fastapi-expert: error: ")
    assert message in err


def test_collect_refuses_a_mix_of_folder_and_files(tmp_path) -> None:
    write(tmp_path, {"a/b.py": ""})
    with pytest.raises(InputError, match=r"^paths: "):
        collect([tmp_path / "a", tmp_path / "a" / "b.py"], tmp_path)
