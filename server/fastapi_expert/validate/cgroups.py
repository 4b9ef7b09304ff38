"""The per-run cgroups: a fork limit that binds even for root, and a memory cap on the whole run.

As root, ``cgroup_parents`` finds (once) where a run may create its own cgroups: the ``pids`` and ``memory``
hierarchies of cgroup v1, or cgroup v2 when this process sits at its root with the controller enabled, each under a
``fastapi-expert/`` folder (which also clears runs of processes that died without cleaning up). ``run_cgroups``
creates one ``run-<pid>-<token>`` cgroup per controller with ``pids.max`` or the memory limit set, and on exit kills
every process left in them and removes them (``empty_and_remove``). Where no pids cgroup can be made, the fork limit
is ``RLIMIT_NPROC`` instead, counted from what the user runs now (``task_count``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "MEMORY_CGROUP_BYTES",
    "PIDS_MAX",
    "cgroup_parents",
    "empty_and_remove",
    "run_cgroups",
    "task_count",
]

#: The most tasks (processes and threads) a run's pids cgroup allows.
PIDS_MAX = 128
#: The least memory a run's memory cgroup allows (more when the run's own memory limit is higher).
MEMORY_CGROUP_BYTES = 4 * 1024**3
_CGROUP_GROUP = "fastapi-expert"


def cgroup_parents() -> tuple[tuple[str, Path], ...]:
    """Writable places for per-run pids and memory cgroups (v1 hierarchies, or v2 when we are at its root)."""
    mounts: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
        own = Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except OSError:
        return ()
    for line in lines:
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "cgroup":
            for option in parts[3].split(","):
                if option in ("pids", "memory"):
                    mounts[option] = Path(parts[1])
        elif len(parts) >= 4 and parts[2] == "cgroup2":
            mounts.setdefault("unified", Path(parts[1]))
    positions = {}
    for line in own:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else ["unified"]:
            positions[controller] = path
    found = []
    for controller in ("pids", "memory"):
        mount, position = mounts.get(controller), positions.get(controller)
        if mount is None or position is None:
            unified, where = mounts.get("unified"), positions.get("unified")
            if unified is None or where != "/" or not _v2_enabled(unified, controller):
                continue
            mount, position = unified, "/"
        parent = mount / position.lstrip("/") / _CGROUP_GROUP
        try:
            parent.mkdir(exist_ok=True)
            _remove_stale(parent)
            probe = parent / f"probe-{secrets.token_hex(4)}"
            probe.mkdir()
            probe.rmdir()
        except OSError:
            continue
        found.append((controller, parent))
    return tuple(found)


def _remove_stale(parent: Path) -> None:
    """Remove run cgroups left by processes that died without cleaning up (``run-<pid>-<token>``, empty)."""
    for folder in parent.glob("run-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                folder.rmdir()


def _v2_enabled(unified: Path, controller: str) -> bool:
    try:
        return controller in (unified / "cgroup.subtree_control").read_text(encoding="ascii").split()
    except OSError:
        return False


@contextlib.contextmanager
def run_cgroups(parents: tuple[tuple[str, Path], ...], memory_bytes: int) -> Iterator[list[Path]]:
    """Create this run's cgroups (one under each of ``parents``, as ``cgroup_parents`` gives them) with their
    limits; on exit kill whatever is left in them and remove them."""
    created: list[Path] = []
    try:
        for controller, parent in parents:
            folder = parent / f"run-{os.getpid()}-{secrets.token_hex(6)}"
            folder.mkdir()
            created.append(folder)
            if controller == "pids":
                (folder / "pids.max").write_text(str(PIDS_MAX), encoding="ascii")
            elif (folder / "memory.limit_in_bytes").exists():
                (folder / "memory.limit_in_bytes").write_text(str(max(memory_bytes, MEMORY_CGROUP_BYTES)))
            else:
                (folder / "memory.max").write_text(str(max(memory_bytes, MEMORY_CGROUP_BYTES)), encoding="ascii")
        yield created
    finally:
        for folder in created:
            empty_and_remove(folder)


def empty_and_remove(folder: Path) -> None:
    """SIGKILL every process in the cgroup ``folder`` and remove it (retrying while the kernel still lists tasks)."""
    for _ in range(200):
        try:
            pids = [int(pid) for pid in (folder / "cgroup.procs").read_text(encoding="ascii").split()]
        except OSError:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            folder.rmdir()
        except OSError:
            time.sleep(0.01)
        else:
            return


def task_count(uid: int) -> int:
    """How many tasks (processes and threads) ``uid`` runs now: what ``RLIMIT_NPROC`` counts."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if entry.stat().st_uid == uid:
                count += len(os.listdir(f"/proc/{entry.name}/task"))
    return count
