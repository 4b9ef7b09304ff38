"""The sandbox's parts without running a validation: layer detection, overlay confinement, the audit hook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastapi_expert.errors import InputError, SandboxError
from fastapi_expert.models import GeneratedFile
from fastapi_expert.validate import confine, sandbox
from fastapi_expert.validate.cgroups import task_count
from fastapi_expert.validate.overlay import MAX_FILES, checked_files, module_name, overlay_files
from fastapi_expert.validate.sandbox import (
    SANDBOX_UID,
    Isolation,
    _database_paths,
    _environment,
    _nproc,
    detect_isolation,
    prepare_run_folder,
)
from fastapi_expert.validate.unicode_tables import HYPOTHESIS_ENV, UnicodeTables


class TestDetection:
    def test_minimal_forces_the_fallback(self) -> None:
        isolation = detect_isolation("minimal")
        assert isolation.unshare == ()
        assert isolation.cgroups == ()
        assert isolation.uid is None
        assert isolation.nproc is (os.geteuid() != 0)
        assert "process group" in isolation.describe()[0]

    def test_the_environment_variable_chooses_the_mode(self, monkeypatch) -> None:
        monkeypatch.setenv("FASTAPI_EXPERT_SANDBOX", "sideways")
        with pytest.raises(SandboxError, match="FASTAPI_EXPERT_SANDBOX"):
            detect_isolation.__wrapped__()

    @pytest.mark.skipif(os.geteuid() != 0, reason="namespaces, cgroups and the uid drop as root")
    def test_root_gets_namespaces_a_pids_cgroup_and_an_unprivileged_uid(self) -> None:
        isolation = detect_isolation("auto")
        if not isolation.unshare:
            pytest.skip("unshare does not work here")
        assert "--net" in isolation.unshare
        assert "--pid" in isolation.unshare
        assert isolation.uid == SANDBOX_UID
        described = " ".join(isolation.describe())
        assert "pid, net, mount" in described
        if any(name == "pids" for name, _ in isolation.cgroups):
            assert "pids cgroup (max 128 tasks)" in described


class TestOverlay:
    @pytest.mark.parametrize("path", ["../outside.py", "/etc/passwd", "app\\routers\\x.py", "app/../../x.py"])
    def test_paths_leaving_the_app_are_refused_naming_the_file(self, path) -> None:
        with pytest.raises(InputError) as info:
            checked_files([("app/ok.py", ""), (path, "x = 1\n")])
        assert info.value.argument == "files[1].path"
        assert str(info.value).startswith("files[1].path: ")

    @pytest.mark.parametrize(
        ("path", "problem"),
        [("app/" + "\u1e70\u033a" * 60 + ".py", "longer than 255 bytes"), ("a/" * 600 + "x.py", "the limit is 1024")],
    )
    def test_names_the_file_system_would_refuse_are_refused_naming_the_file(self, path, problem) -> None:
        """A path component past NAME_MAX (found by fuzzing: it was an OSError, a crash of the tool) is bad input."""
        with pytest.raises(InputError, match=problem) as info:
            checked_files([(path, "x = 1\n")])
        assert info.value.argument == "files[0].path"

    def test_duplicates_nul_bytes_and_nothing_are_refused(self) -> None:
        with pytest.raises(InputError, match=r"files\[1\]\.path: 'a.py' is also files\[0\]"):
            checked_files([("a.py", ""), ("a.py", "")])
        with pytest.raises(InputError, match=r"files\[0\]\.content: contains NUL"):
            checked_files([("a.py", "x\x00")])
        with pytest.raises(InputError, match="files: is empty"):
            checked_files([])
        with pytest.raises(InputError, match=f"more than {MAX_FILES} files"):
            checked_files([(f"m{i}.py", "") for i in range(MAX_FILES + 1)])

    def test_a_symlink_in_the_tree_cannot_lead_a_file_out(self, tmp_path) -> None:
        root = tmp_path / "root"
        outside = tmp_path / "outside"
        (root / "app").mkdir(parents=True)
        outside.mkdir()
        (root / "app" / "link").symlink_to(outside)
        with pytest.raises(InputError, match="leads outside"):
            overlay_files(root, [GeneratedFile(path="app/link/evil.py", content="x = 1\n")])
        assert list(outside.iterdir()) == []

    def test_a_symlinked_file_is_replaced_not_followed(self, tmp_path) -> None:
        root = tmp_path / "root"
        (root / "app").mkdir(parents=True)
        target = tmp_path / "target.py"
        target.write_text("original\n")
        (root / "app" / "main.py").symlink_to(target)
        overlay_files(root, [GeneratedFile(path="app/main.py", content="replaced\n")])
        assert target.read_text() == "original\n"
        assert (root / "app" / "main.py").read_text() == "replaced\n"

    @pytest.mark.parametrize(
        ("path", "module"),
        [
            ("app/routers/items.py", "app.routers.items"),
            ("app/schemas/__init__.py", "app.schemas"),
            ("main.py", "main"),
            ("tests/test_items.py", None),
            ("app/test_items.py", None),
            ("conftest.py", None),
            ("my-scripts/x.py", None),
            ("README.md", None),
        ],
    )
    def test_module_names(self, path, module) -> None:
        assert module_name(path) == module


class TestConfine:
    def test_the_outermost_folders_are_kept(self) -> None:
        assert confine._outermost(["/a/b", "/a", "/c/d", "/c/d/e"]) == ["/a", "/c/d"]

    def test_an_untraversable_ancestor_is_found(self, tmp_path) -> None:
        closed = tmp_path / "closed"
        (closed / "inner").mkdir(parents=True)
        closed.chmod(0o700)
        try:
            found = confine._untraversable_ancestor(str(closed / "inner"), 65534, 65534)
        finally:
            closed.chmod(0o755)
        assert found is not None
        assert str(closed).startswith(found)
        assert confine._untraversable_ancestor(str(closed / "inner"), None, None) is None

    @pytest.mark.parametrize(
        ("attempt", "refused"),
        [
            ("open(os.path.join(os.environ['OUTSIDE'], 'x'), 'w')", "is outside the app folder"),
            ("open(os.path.expanduser('~/x'), 'a')", "is outside the app folder"),
            ("os.mkdir(os.path.join(os.environ['OUTSIDE'], 'd'))", "is outside the app folder"),
            ("socket.create_connection(('192.0.2.1', 80), timeout=1)", "only loopback is reachable"),
            ("socket.getaddrinfo('example.com', 80)", "the sandbox has no network"),
            ("socket.socket().bind(('0.0.0.0', 0))", "only loopback is reachable"),
            ("subprocess.run(['true'])", "starting programs"),
            ("os.system('true')", "starting programs"),
        ],
    )
    def test_the_audit_hook_refuses(self, tmp_path, attempt, refused) -> None:
        """Each attempt, made after the hook is installed in a fresh interpreter, raises PermissionError."""
        root, home, outside = tmp_path / "root", tmp_path / "home", tmp_path / "outside"
        for folder in (root, home, outside):
            folder.mkdir()
        completed = _with_hook(root, home, outside, attempt)
        assert completed.returncode == 3, completed.stderr
        assert refused in completed.stdout

    def test_the_audit_hook_allows_the_app_folder_and_loopback(self, tmp_path) -> None:
        root, home, outside = tmp_path / "root", tmp_path / "home", tmp_path / "outside"
        for folder in (root, home, outside):
            folder.mkdir()
        attempt = (
            "open(os.path.join(os.environ['ROOT'], 'app.db'), 'w').close(); "
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.close(); "
            "open('/dev/null', 'w').close()"
        )
        completed = _with_hook(root, home, outside, attempt)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert (root / "app.db").exists()


def _with_hook(root: Path, home: Path, outside: Path, attempt: str) -> subprocess.CompletedProcess[str]:
    program = textwrap.dedent(
        f"""
        import os, socket, subprocess, sys
        from fastapi_expert.validate.confine import SandboxConfig, install_audit_hook
        config = SandboxConfig(base={str(root.parent)!r}, root={str(root)!r}, home={str(home)!r},
                               tmp={str(root)!r}, files=[], timeout=5)
        install_audit_hook(config)
        try:
            {attempt}
        except PermissionError as exc:
            print(exc)
            sys.exit(3)
        """
    )
    env = {**os.environ, "HOME": str(home), "OUTSIDE": str(outside), "ROOT": str(root)}
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=60)


def test_a_database_url_keeps_its_folder_visible() -> None:
    socket = "postgresql+asyncpg://app@/app?host=/tmp/pg-x/socket"
    assert _database_paths(socket) == [os.path.realpath("/tmp/pg-x/socket")]
    assert _database_paths("sqlite+aiosqlite:////srv/data/app.db") == [os.path.realpath("/srv/data")]
    assert _database_paths("sqlite+aiosqlite:///./app.db") == []
    assert _database_paths(None) == []


def test_rlimit_nproc_leaves_headroom_above_what_the_user_runs_now() -> None:
    """The fallback's fork limit for a non-root user: its current task count plus headroom (never below it)."""
    limit = _nproc(Isolation(nproc=True))
    assert limit is not None
    assert limit > task_count(os.getuid())
    assert _nproc(Isolation(cgroups=(("pids", Path("/x")),), nproc=True)) is None


def test_isolation_describes_every_layer() -> None:
    isolation = Isolation(unshare=("unshare",), cgroups=(("pids", Path("/x")),), uid=65534, nproc=False)
    assert isolation.describe() == ["namespaces: pid, net, mount, ipc, uts", "pids cgroup (max 128 tasks)"]


def test_hypothesis_unicode_tables_are_built_once_and_copied_into_each_run(tmp_path, monkeypatch) -> None:
    """The child draws pattern strings with hypothesis, which builds its Unicode tables (seconds of CPU) when its
    storage has none: they are built once in our cache folder and each run's ``tmp/hypothesis`` gets a copy."""
    import unicodedata

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tables = UnicodeTables()
    assert tables.storage == tmp_path / "cache" / "fastapi-expert" / "hypothesis"
    assert tables.build()
    built = tables.storage / "unicode_data" / unicodedata.unidata_version
    names = sorted(path.name for path in built.iterdir())
    assert names
    monkeypatch.setattr(sandbox, "unicode_tables", tables)
    base = prepare_run_folder()
    try:
        storage = base / "tmp" / "hypothesis"
        copied = storage / "unicode_data" / unicodedata.unidata_version
        assert sorted(path.name for path in copied.iterdir()) == names
        for name in names:
            assert (copied / name).read_bytes() == (built / name).read_bytes()
        assert _environment(base, None)[HYPOTHESIS_ENV] == str(storage)
        # With the copy, a draw in a fresh interpreter reads the tables and writes none (a read-only copy works).
        for path in [copied, *copied.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        program = "from fastapi_expert.validate import examples; examples.warm()"
        env = {**os.environ, HYPOTHESIS_ENV: str(storage)}
        subprocess.run([sys.executable, "-c", program], check=True, env=env, cwd=base, timeout=120)
        assert sorted(path.name for path in copied.iterdir()) == names
        assert not (base / ".hypothesis").exists()
    finally:
        for path in (base / "tmp").rglob("*"):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(base)


def test_without_built_tables_a_run_folder_starts_the_build_and_has_none(tmp_path, monkeypatch) -> None:
    started: list[bool] = []
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tables = UnicodeTables()
    monkeypatch.setattr(tables, "build", lambda: started.append(True) or False)
    monkeypatch.setattr(sandbox, "unicode_tables", tables)
    base = prepare_run_folder()
    try:
        assert not (base / "tmp" / "hypothesis").exists()
        assert tables._building is not None
        tables._building.join(10)
        assert started == [True]
        assert tables.ready() is None
        assert started == [True]  # one build attempt per process
    finally:
        shutil.rmtree(base)
