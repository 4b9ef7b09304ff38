"""ChangeSet: a diff that ``git apply`` applies, and a write that is all or nothing and refuses stale changes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from fastapi_expert.errors import InputError
from fastapi_expert.models import GeneratedFile
from fastapi_expert.project import changes as changes_module
from fastapi_expert.project.changes import ChangeSet, FileChange, files_from

MAIN = '''"""The app."""

from fastapi import FastAPI

# routers are included below
app = FastAPI()


@app.get("/")
def root() -> dict[str, str]:
    return {"status": "ok"}
'''

EDITED = MAIN.replace("# routers are included below\n", "# routers are included below\nfrom app import items\n")
EDITED += "\n\napp.include_router(items.router)\n"
ROUTER = 'from fastapi import APIRouter\n\nrouter = APIRouter(prefix="/items")\n'

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="the git binary is not installed")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "main.py").write_text(MAIN)
    return root


def git(root: Path, *arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert GIT is not None
    return subprocess.run(
        [GIT, *arguments], cwd=root, input=stdin, capture_output=True, text=True, check=False, env=_git_env()
    )


def _git_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent", "GIT_CONFIG_GLOBAL": os.devnull})
    return env


def test_compute_keeps_originals_hashes_and_skips_unchanged_files(project: Path) -> None:
    change_set = ChangeSet.compute(project, {"app/main.py": EDITED, "app/items.py": ROUTER, "app/__init__.py": ""})
    assert change_set.paths == ("app/items.py", "app/main.py")  # sorted; the unchanged __init__.py is left out
    new, edit = change_set.changes
    assert new == FileChange("app/items.py", None, None, ROUTER)
    assert new.is_new
    assert edit.original == MAIN
    assert edit.original_sha256 is not None
    assert len(edit.original_sha256) == 64
    assert not edit.is_new


def test_nothing_to_change_is_an_empty_change_set(project: Path) -> None:
    change_set = ChangeSet.compute(project, {"app/main.py": MAIN})
    assert not change_set
    assert change_set.diff() == ""
    assert change_set.write() == []


def test_files_from_gives_the_new_contents(project: Path) -> None:
    change_set = ChangeSet.compute(project, {"app/main.py": EDITED, "app/items.py": ROUTER})
    assert files_from(change_set) == [
        GeneratedFile(path="app/items.py", content=ROUTER),
        GeneratedFile(path="app/main.py", content=EDITED),
    ]


def test_diff_has_git_headers(project: Path) -> None:
    diff = ChangeSet.compute(project, {"app/main.py": EDITED, "app/items.py": ROUTER}).diff()
    assert diff.startswith(
        "diff --git a/app/items.py b/app/items.py\nnew file mode 100644\n--- /dev/null\n+++ b/app/items.py\n"
        "@@ -0,0 +1,3 @@\n+from fastapi import APIRouter\n"
    )
    assert "diff --git a/app/main.py b/app/main.py\n--- a/app/main.py\n+++ b/app/main.py\n@@ " in diff
    assert "+from app import items\n" in diff
    assert "+app.include_router(items.router)\n" in diff


@needs_git
@pytest.mark.parametrize(
    ("name", "original", "new"),
    [
        ("app/main.py", MAIN, EDITED),
        ("app/no_newline.py", "x = 1\ny = 2", "x = 1\ny = 3"),  # no newline at the end, before and after
        ("app/adds_newline.py", "x = 1", "x = 1\n"),
        ("app/crlf.py", "a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n"),
        ("app/form_feed.py", "a = 1\x0c\nb = 2\n", "a = 1\x0c\nb = 2\nc = 3\n"),
        ("app/ünïcode name.py", "x = 'é'\n", "x = 'è'\n"),
        ("app/new/deep/module.py", None, "VALUE = 1\n"),
        ("app/new_without_newline.py", None, "VALUE = 1"),
        ("app/empty_new.py", None, ""),
    ],
)
def test_diff_applies_with_git_apply(project: Path, name: str, original: str | None, new: str) -> None:
    target = project / name
    if original is not None:
        target.write_bytes(original.encode())
    git(project, "init", "-q")
    diff = ChangeSet.compute(project, {name: new, "app/main.py": EDITED}).diff()
    checked = git(project, "apply", "--check", "-v", "-", stdin=diff)
    assert checked.returncode == 0, checked.stderr + "\n" + diff
    applied = git(project, "apply", "-", stdin=diff)
    assert applied.returncode == 0, applied.stderr
    assert target.read_bytes() == new.encode()
    assert (project / "app" / "main.py").read_text() == EDITED


def test_write_edits_and_creates(project: Path) -> None:
    change_set = ChangeSet.compute(project, {"app/main.py": EDITED, "app/routers/items.py": ROUTER})
    assert change_set.write() == ["app/main.py", "app/routers/items.py"]
    assert (project / "app" / "main.py").read_text() == EDITED
    assert (project / "app" / "routers" / "items.py").read_text() == ROUTER
    assert [p.name for p in (project / "app").iterdir() if p.name.endswith(".tmp")] == []


def test_write_into_another_root(project: Path, tmp_path: Path) -> None:
    """Validation applies the changes to a copy of the project: the same change set writes into the copy."""
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    change_set = ChangeSet.compute(project, {"app/main.py": EDITED})
    assert change_set.write(copy) == ["app/main.py"]
    assert (copy / "app" / "main.py").read_text() == EDITED
    assert (project / "app" / "main.py").read_text() == MAIN


def test_originals_given_by_the_caller_are_what_write_checks(project: Path) -> None:
    """A tool that read a file, then computed its edit, passes what it read: a change in between is caught."""
    stale = MAIN.replace("The app.", "An older app.")
    change_set = ChangeSet.compute(project, {"app/main.py": EDITED}, originals={"app/main.py": stale})
    assert change_set.changes[0].original == stale
    with pytest.raises(InputError, match=r"app/main\.py \(changed\)"):
        change_set.write()


def test_write_refuses_a_file_changed_since_computed(project: Path) -> None:
    change_set = ChangeSet.compute(project, {"app/main.py": EDITED, "app/items.py": ROUTER})
    (project / "app" / "main.py").write_text(MAIN + "# edited meanwhile\n")
    with pytest.raises(InputError) as caught:
        change_set.write()
    assert caught.value.argument == "project_dir"
    assert "app/main.py (changed)" in str(caught.value)
    assert "app/items.py" not in str(caught.value)
    assert not (project / "app" / "items.py").exists()  # nothing written
    assert (project / "app" / "main.py").read_text() == MAIN + "# edited meanwhile\n"


def test_write_refuses_a_deleted_file(project: Path) -> None:
    change_set = ChangeSet.compute(project, {"app/main.py": EDITED})
    (project / "app" / "main.py").unlink()
    with pytest.raises(InputError, match=r"app/main\.py \(deleted\)"):
        change_set.write()
    assert not (project / "app" / "main.py").exists()


def test_write_refuses_to_create_over_a_new_file_and_names_each(project: Path) -> None:
    change_set = ChangeSet.compute(project, {"app/items.py": ROUTER, "app/users.py": ROUTER, "app/main.py": EDITED})
    (project / "app" / "items.py").write_text("# mine\n")
    (project / "app" / "users.py").write_text("# mine too\n")
    with pytest.raises(InputError) as caught:
        change_set.write()
    message = str(caught.value)
    assert "app/items.py (now exists; it would be overwritten)" in message
    assert "app/users.py (now exists; it would be overwritten)" in message
    assert (project / "app" / "items.py").read_text() == "# mine\n"
    assert (project / "app" / "main.py").read_text() == MAIN


def test_a_file_created_between_the_check_and_the_rename_is_not_overwritten(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    change_set = ChangeSet.compute(project, {"app/main.py": EDITED, "app/items.py": ROUTER})
    real_stage = changes_module._stage

    def stage_then_race(change: FileChange, target: Path) -> object:
        staged = real_stage(change, target)
        if change.path == "app/main.py":  # staged last (sorted): the other process creates items.py now
            monkeypatch.setattr(changes_module, "_check_unchanged", lambda targets: None)
            (project / "app" / "items.py").write_text("# raced\n")
        return staged

    monkeypatch.setattr(changes_module, "_stage", stage_then_race)
    with pytest.raises(InputError, match=r"app/items\.py now exists"):
        change_set.write()
    assert (project / "app" / "items.py").read_text() == "# raced\n"
    assert (project / "app" / "main.py").read_text() == MAIN
    assert sorted(p.name for p in (project / "app").iterdir()) == ["__init__.py", "items.py", "main.py"]


def test_write_is_all_or_nothing_when_a_rename_fails(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "app" / "other.py").write_text("OTHER = 1\n")
    change_set = ChangeSet.compute(
        project,
        {
            "app/main.py": EDITED,
            "app/new/items.py": ROUTER,  # created (with its folder) before the failing rename
            "app/other.py": "OTHER = 2\n",  # sorted last: its rename fails
        },
    )
    real_replace = os.replace
    calls: list[str] = []

    def failing_replace(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> None:
        calls.append(Path(destination).name)
        if Path(destination).name == "other.py" and Path(source).name.startswith(".other.py."):
            raise OSError(28, "No space left on device")
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        change_set.write()
    assert "main.py" in calls  # main.py had been replaced before the failure, and was restored
    assert (project / "app" / "main.py").read_text() == MAIN
    assert (project / "app" / "other.py").read_text() == "OTHER = 1\n"
    assert not (project / "app" / "new").exists()
    assert sorted(p.name for p in (project / "app").iterdir()) == ["__init__.py", "main.py", "other.py"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_write_keeps_the_mode_of_edited_files_and_applies_the_umask_to_new_ones(project: Path) -> None:
    script = project / "app" / "main.py"
    script.chmod(0o750)
    previous = os.umask(0o027)
    try:
        ChangeSet.compute(project, {"app/main.py": EDITED, "app/items.py": ROUTER}).write()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(script.stat().st_mode) == 0o750
    assert stat.S_IMODE((project / "app" / "items.py").stat().st_mode) == 0o640


@pytest.mark.parametrize(
    "path", ["../outside.py", "/etc/passwd", "app/../../x.py", "app\\main.py", "./app/main.py", "app//x.py", ""]
)
def test_paths_are_confined_to_the_root(project: Path, path: str) -> None:
    with pytest.raises(InputError) as caught:
        ChangeSet.compute(project, {path: "x = 1\n"})
    assert caught.value.argument == "project_dir"


def test_a_symlink_escaping_the_root_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "app" / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError, match="outside the project"):
        ChangeSet.compute(project, {"app/link/evil.py": "x = 1\n"})
    assert list(outside.iterdir()) == []


def test_write_checks_confinement_against_the_root_it_writes_to(project: Path, tmp_path: Path) -> None:
    change_set = ChangeSet.compute(project, {"app/items.py": ROUTER})
    other = tmp_path / "other"
    outside = tmp_path / "outside"
    outside.mkdir()
    other.mkdir()
    (other / "app").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError, match="outside the project"):
        change_set.write(other)
    assert list(outside.iterdir()) == []


def test_a_symlinked_file_inside_the_root_is_edited_through_the_link(project: Path) -> None:
    real = project / "app" / "real.py"
    real.write_text("A = 1\n")
    (project / "app" / "alias.py").symlink_to(real)
    ChangeSet.compute(project, {"app/alias.py": "A = 2\n"}).write()
    assert (project / "app" / "alias.py").is_symlink()
    assert real.read_text() == "A = 2\n"


def test_two_paths_to_the_same_file_are_refused(project: Path) -> None:
    (project / "app" / "alias.py").symlink_to(project / "app" / "main.py")
    change_set = ChangeSet.compute(project, {"app/alias.py": "A = 2\n", "app/main.py": EDITED})
    with pytest.raises(InputError, match="are the same file"):
        change_set.write()
    assert (project / "app" / "main.py").read_text() == MAIN


def test_a_missing_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a directory"):
        ChangeSet.compute(tmp_path / "missing", {"a.py": ""})


def test_a_file_that_is_not_utf8_is_refused(project: Path) -> None:
    (project / "app" / "latin1.py").write_bytes(b"# caf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8"):
        ChangeSet.compute(project, {"app/latin1.py": "# cafe\n"})
