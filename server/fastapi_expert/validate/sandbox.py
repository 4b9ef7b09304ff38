"""Running the dynamic steps in a sandboxed child process, and killing everything it started.

What this machine allows is detected once (``detect_isolation``) and every layer is applied only when it can be:

- **namespaces**: as root, ``unshare --pid --fork --kill-child --mount-proc --net --ipc --uts`` (with ``--user
  --map-root-user`` first when not root and user namespaces are allowed). The child is the init of its own PID
  namespace, so when it dies the kernel kills every process the code started, wherever it moved; the network
  namespace holds only ``lo``; the mount namespace lets the child hide the real home and other runs' folders.
- **fork limit that binds for root**: a per-run pids cgroup with ``pids.max``, and a memory cgroup capping the whole
  run (see ``cgroups.py``). Otherwise ``RLIMIT_NPROC`` when the code does not run as root.
- **unprivileged user**: as root with namespaces, the child drops to uid/gid 65534 after its mounts.
- **rlimits, scrubbed environment, audit hook**: always (see ``confine.py``).

Without any of it (a developer machine without user namespaces, or ``FASTAPI_EXPERT_SANDBOX=minimal``) the child
still runs in its own session with rlimits and the audit hook, and is killed as a process group.

A child is started before its job is known (``SandboxProcess``): it confines itself and loads FastAPI while the
harness lays out and reviews the files, then receives the job on a pipe. The harness keeps one such child waiting
as a spare (``spares``), with the same layers, so a run need not wait for Python to start; each child runs one job.
Each run's folder gets a copy of hypothesis' Unicode tables, built once (see ``unicode_tables.py``).

On timeout, cancellation or after the last step, the whole process group and every process left in the run's
cgroups get SIGKILL, the child is reaped, and the cgroups and the run's folder are removed.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import anyio

from fastapi_expert.errors import SandboxError
from fastapi_expert.validate.cgroups import (
    MEMORY_CGROUP_BYTES,
    PIDS_MAX,
    cgroup_parents,
    empty_and_remove,
    run_cgroups,
    task_count,
)
from fastapi_expert.validate.confine import SandboxConfig
from fastapi_expert.validate.unicode_tables import HYPOTHESIS_ENV, unicode_tables

__all__ = [
    "MAX_CPU_SECONDS",
    "SANDBOX_ENV",
    "SANDBOX_UID",
    "SPARE_ENV",
    "START_TIMEOUT",
    "ChildStep",
    "Isolation",
    "SandboxJob",
    "SandboxOutcome",
    "SandboxProcess",
    "detect_isolation",
    "hand_over",
    "prepare_run_folder",
    "spares",
]

#: ``minimal`` forces the fallback (no namespaces, cgroups or uid drop); ``auto`` (default) uses what works.
SANDBOX_ENV = "FASTAPI_EXPERT_SANDBOX"
#: ``0`` turns the warm spare child off.
SPARE_ENV = "FASTAPI_EXPERT_SANDBOX_SPARE"
#: The unprivileged uid and gid the code runs as when the server runs as root (``nobody`` on most systems).
SANDBOX_UID = 65534
#: Seconds a child may take to confine itself and load the framework before its run counts as timed out.
START_TIMEOUT = 60.0
#: The hard CPU-time limit of a child; each job lowers the soft limit to its own timeout.
MAX_CPU_SECONDS = 1000
_NPROC_HEADROOM = 128
_TAIL_BYTES = 64 * 1024
_NAMESPACE_FLAGS = ("--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--ipc", "--uts")


@dataclass(frozen=True, slots=True)
class Isolation:
    """The layers this machine allows (detected once per mode)."""

    unshare: tuple[str, ...] = ()
    user_namespace: bool = False
    cgroups: tuple[tuple[str, Path], ...] = ()
    uid: int | None = None
    nproc: bool = False

    def describe(self) -> list[str]:
        layers = []
        if self.unshare:
            kind = "user, " if self.user_namespace else ""
            layers.append(f"namespaces: {kind}pid, net, mount, ipc, uts")
        if self.nproc:
            layers.append("RLIMIT_NPROC")
        for name, _ in self.cgroups:
            limit = f"max {PIDS_MAX} tasks" if name == "pids" else f"max {MEMORY_CGROUP_BYTES / 1024**3:g} GiB"
            layers.append(f"{name} cgroup ({limit})")
        if not layers:
            layers.append("no namespaces or cgroups: process group, rlimits and audit hook only")
        return layers


@dataclass(frozen=True, slots=True)
class SandboxJob:
    """What one run asks of a started child: the overlaid files, the time it has, and which steps to run."""

    files: tuple[str, ...]
    timeout: float
    fuzz: bool = False
    new_routes_only: bool = True


@dataclass(frozen=True, slots=True)
class ChildStep:
    """A step the child finished."""

    name: str
    ok: bool
    detail: str
    duration_ms: float


@dataclass(slots=True)
class SandboxOutcome:
    """What happened in the child: finished steps, the one it was in when it stopped, and why it stopped."""

    layers: list[str] = field(default_factory=list)
    ready_ms: float | None = None
    wait_ms: float = 0.0
    limit: float = 0.0
    steps: list[ChildStep] = field(default_factory=list)
    unfinished: str | None = None
    unfinished_ms: float = 0.0
    done: bool = False
    timed_out: bool = False
    returncode: int | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""

    def stopped(self) -> str:
        """Why the child stopped without finishing its step, in words."""
        code = self.returncode
        if code is None:
            return "the process ended without a report"
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
            hint = " (out of memory?)" if number == signal.SIGKILL else ""
            hint = " (CPU time limit)" if number == signal.SIGXCPU else hint
            return f"the process was killed by {name}{hint}"
        return f"the process exited with code {code} (os._exit or a crash)"


@functools.cache
def detect_isolation(mode: str | None = None) -> Isolation:
    """What this machine allows; ``mode`` (default: ``FASTAPI_EXPERT_SANDBOX``) ``minimal`` forces the fallback."""
    mode = mode or os.environ.get(SANDBOX_ENV, "auto")
    if mode not in ("auto", "minimal"):
        raise SandboxError(f"{SANDBOX_ENV} must be 'auto' or 'minimal', not {mode!r}")
    root = os.geteuid() == 0
    if mode == "minimal":
        return Isolation(nproc=not root)
    unshare = _namespaces(root)
    cgroups = cgroup_parents() if root else ()
    uid = SANDBOX_UID if root and unshare else None
    return Isolation(
        unshare=unshare, user_namespace=not root and bool(unshare), cgroups=cgroups, uid=uid, nproc=not root
    )


def _namespaces(root: bool) -> tuple[str, ...]:
    binary = shutil.which("unshare")
    if binary is None or not sys.platform.startswith("linux"):
        return ()
    prefix = (binary,) if root else (binary, "--user", "--map-root-user")
    command = (*prefix, *_NAMESPACE_FLAGS, "--propagation", "private", "--")
    try:
        probe = subprocess.run([*command, "true"], capture_output=True, timeout=20, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return command if probe.returncode == 0 else ()


def _environment(base: Path, database_url: str | None) -> dict[str, str]:
    """A scrubbed environment: nothing of ours (no tokens, keys or proxies) reaches the code."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(base / "home"),
        "TMPDIR": str(base / "tmp"),
        "XDG_CACHE_HOME": str(base / "tmp" / "cache"),
        "XDG_CONFIG_HOME": str(base / "tmp" / "config"),
        "XDG_DATA_HOME": str(base / "tmp" / "data"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONHASHSEED": "0",
        HYPOTHESIS_ENV: str(base / "tmp" / "hypothesis"),
    }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def _database_paths(database_url: str | None) -> list[str]:
    """Folders a database URL points into (a SQLite file, a PostgreSQL Unix socket) that the child must still see."""
    if not database_url:
        return []
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(database_url)
    paths = [value for values in parse_qs(parts.query).values() for value in values if value.startswith("/")]
    if parts.scheme.startswith("sqlite") and parts.path.startswith("//"):
        paths.append(os.path.dirname(parts.path[1:]))
    return [os.path.realpath(path) for path in paths]


def prepare_run_folder() -> Path:
    """A fresh folder for one run: ``root/`` (the app goes there), ``home/`` (a read-only ``HOME``), ``tmp/`` (with
    a copy of hypothesis' Unicode tables in ``tmp/hypothesis/``, the child's ``HYPOTHESIS_STORAGE_DIRECTORY``)."""
    base = Path(tempfile.mkdtemp(prefix="fastapi-expert-validate-")).resolve()
    base.chmod(0o711)
    (base / "root").mkdir()
    (base / "tmp").mkdir(mode=0o700)
    (base / "home").mkdir(mode=0o555)
    tables = unicode_tables.ready()
    if tables is not None:
        with contextlib.suppress(OSError):
            shutil.copytree(tables, base / "tmp" / "hypothesis" / tables.name)
    return base


def hand_over(base: Path, isolation: Isolation) -> None:
    """Give the app folder and ``tmp/`` to the sandbox user (when the code runs as one)."""
    if isolation.uid is None:
        return
    for top in (base / "root", base / "tmp"):
        os.chown(top, isolation.uid, isolation.uid)
        for folder, dirs, names in os.walk(top):
            for name in [*dirs, *names]:
                os.chown(os.path.join(folder, name), isolation.uid, isolation.uid, follow_symlinks=False)


class SandboxProcess:
    """One confined child for one run: started ahead (it confines itself and loads the framework while the static
    steps run, or while it waits as the warm spare), then given its job, then killed with everything it started."""

    def __init__(self, isolation: Isolation, database_url: str | None, memory_bytes: int) -> None:
        self.isolation = isolation
        self.database_url = database_url
        self.base = prepare_run_folder()
        self.root = self.base / "root"
        self._stack = contextlib.ExitStack()
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: _EventReader | None = None
        self._control = -1
        self._cgroups: list[Path] = []
        #: True when this child waited as the spare before its run.
        self.was_spare = False
        self.layers: list[str] = []
        self.ready_ms: float | None = None
        try:
            self._start(memory_bytes)
        except BaseException:
            self.discard()
            raise

    def _start(self, memory_bytes: int) -> None:
        isolation = self.isolation
        cgroups = self._stack.enter_context(run_cgroups(isolation.cgroups, memory_bytes))
        self._cgroups = cgroups
        report_read, report_write = os.pipe()
        control_read, control_write = os.pipe()
        self._control = control_write
        self._stack.callback(os.close, report_read)
        self._reader = _EventReader(report_read)
        config = SandboxConfig(
            base=str(self.base),
            root=str(self.root),
            home=str(self.base / "home"),
            tmp=str(self.base / "tmp"),
            files=[],
            timeout=0,
            report_fd=report_write,
            control_fd=control_read,
            cgroup_procs=[str(folder / "cgroup.procs") for folder in cgroups],
            loopback=bool(isolation.unshare),
            mounts=bool(isolation.unshare),
            hide=_hidden_folders() if isolation.unshare else [],
            binds=_database_paths(self.database_url),
            uid=isolation.uid,
            gid=isolation.uid,
            memory_bytes=memory_bytes,
            cpu_seconds=MAX_CPU_SECONDS,
            nproc=_nproc(isolation),
        )
        config.dump(self.base / "config.json")
        stdout = self._stack.enter_context(open(self.base / "stdout.log", "w+b"))  # noqa: SIM115
        stderr = self._stack.enter_context(open(self.base / "stderr.log", "w+b"))  # noqa: SIM115
        self._stdout, self._stderr = stdout, stderr
        command = [
            *isolation.unshare,
            sys.executable,
            "-I",  # isolated: no user site, no PYTHON* variables, no script folder on sys.path
            "-B",
            "-u",  # unbuffered: what the code printed survives os._exit and SIGKILL
            "-m",
            "fastapi_expert.validate.child",
            str(self.base / "config.json"),
            str(self.root),
        ]
        self._spawned = time.perf_counter()
        try:
            self._process = subprocess.Popen(  # noqa: S603
                command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                cwd=self.base,
                env=_environment(self.base, self.database_url),
                start_new_session=True,
                pass_fds=(report_write, control_read),
            )
        except OSError as exc:
            raise SandboxError(f"could not start the sandbox: {exc}") from exc
        finally:
            os.close(report_write)
            os.close(control_read)

    def exited(self) -> bool:
        return self._process is None or self._process.poll() is not None

    def hand_over(self) -> None:
        """Give the laid-out app folder to the sandbox user."""
        hand_over(self.base, self.isolation)

    async def run(self, job: SandboxJob, on_step: Callable[[str], Awaitable[None]] | None = None) -> SandboxOutcome:
        """Send ``job`` and collect the report until the child is done, stops, or runs out of time; then kill it."""
        if self._process is None or self._reader is None:
            raise SandboxError("the sandbox was not started")
        outcome = SandboxOutcome()
        try:
            waited = time.perf_counter()
            with anyio.move_on_after(START_TIMEOUT) as starting:
                while self.ready_ms is None:
                    event = await self._reader.next()
                    if event is None:
                        break
                    self._on_setup_event(event)
            outcome.wait_ms = (time.perf_counter() - waited) * 1000
            outcome.layers, outcome.ready_ms = self.layers, self.ready_ms
            if starting.cancelled_caught:
                outcome.timed_out = True
                outcome.limit = START_TIMEOUT
            elif self.ready_ms is not None and self._send(job):
                outcome.limit = job.timeout
                with anyio.move_on_after(job.timeout) as scope:
                    await _collect(self._reader, outcome, on_step)
                outcome.timed_out = scope.cancelled_caught
        finally:
            with anyio.CancelScope(shield=True):
                self._kill()
                await anyio.to_thread.run_sync(self._process.wait)
        outcome.returncode = self._process.returncode
        outcome.stdout_tail = _tail(self._stdout)
        outcome.stderr_tail = _tail(self._stderr)
        return outcome

    def _on_setup_event(self, event: dict[str, Any]) -> None:
        if event.get("event") == "error":
            raise SandboxError(f"the sandbox could not be set up: {str(event.get('detail', ''))[-2000:]}")
        if event.get("event") == "ready":
            reported = [str(layer) for layer in event.get("layers", [])]
            self.layers = [*self.isolation.describe(), *reported, "audit hook"]
            self.ready_ms = (time.perf_counter() - self._spawned) * 1000

    def _send(self, job: SandboxJob) -> bool:
        line = json.dumps(
            {"files": list(job.files), "timeout": job.timeout, "fuzz": job.fuzz, "new_routes_only": job.new_routes_only}
        )
        try:
            with os.fdopen(self._control, "wb") as control:
                self._control = -1
                control.write(line.encode() + b"\n")
        except BrokenPipeError:
            return False
        return True

    def _kill(self) -> None:
        if self._process is not None:
            _kill_group(self._process.pid)
        for folder in self._cgroups:
            empty_and_remove(folder)

    def discard(self) -> None:
        """Kill the child (if any) and everything it started, and remove the run's cgroups and folder (blocking)."""
        self._kill()
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=10)
        if self._control >= 0:
            os.close(self._control)
            self._control = -1
        self._stack.close()
        shutil.rmtree(self.base, ignore_errors=True)


class _Spares:
    """At most one idle, already confined and loaded child, so a run does not wait for Python and FastAPI to load.

    Only runs with the default database and the detected isolation use it; ``FASTAPI_EXPERT_SANDBOX_SPARE=0`` turns
    it off. The spare leaves by itself when this process dies (its job channel closes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spare: SandboxProcess | None = None
        #: False in one-shot processes (the CLI), where a spare would only be started to be killed.
        self.enabled = True
        atexit.register(self.discard)

    def take(self, isolation: Isolation, database_url: str | None, memory_bytes: int) -> SandboxProcess:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            if spare.isolation == isolation and database_url is None and not spare.exited():
                spare.was_spare = True
                return spare
            spare.discard()
        return SandboxProcess(isolation, database_url, memory_bytes)

    def replenish(self, isolation: Isolation, memory_bytes: int) -> None:
        if not self.enabled or os.environ.get(SPARE_ENV, "1") == "0":
            return
        with self._lock:
            if self._spare is not None:
                return
        spare = SandboxProcess(isolation, None, memory_bytes)
        with self._lock:
            if self._spare is None:
                self._spare, spare = spare, None  # type: ignore[assignment]
        if spare is not None:
            spare.discard()

    @property
    def folder(self) -> Path | None:
        """The run folder of the idle spare, if there is one (its processes name it on their command line)."""
        spare = self._spare
        return None if spare is None else spare.base

    def discard(self) -> None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.discard()


spares = _Spares()


class _EventReader:
    """The JSON objects the child writes, one per line; anything else on the channel is ignored."""

    def __init__(self, descriptor: int) -> None:
        os.set_blocking(descriptor, False)
        self._fd = descriptor
        self._buffer = b""
        self._closed = False

    async def next(self) -> dict[str, Any] | None:
        while True:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    return event
            if self._closed:
                return None
            await anyio.wait_readable(self._fd)
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self._closed = True
            self._buffer += chunk


async def _collect(
    reader: _EventReader, outcome: SandboxOutcome, on_step: Callable[[str], Awaitable[None]] | None
) -> None:
    started_at = time.perf_counter()
    try:
        while (event := await reader.next()) is not None:
            kind = event.get("event")
            if kind == "start":
                outcome.unfinished = str(event.get("step"))
                started_at = time.perf_counter()
                if on_step is not None and outcome.unfinished != "import":
                    await on_step(outcome.unfinished)
            elif kind == "end" and outcome.unfinished is not None and outcome.unfinished == event.get("step"):
                outcome.steps.append(
                    ChildStep(
                        name=outcome.unfinished,
                        ok=event.get("ok") is True,
                        detail=str(event.get("detail", "")),
                        duration_ms=float(event.get("duration_ms", 0.0)),
                    )
                )
                outcome.unfinished = None
            elif kind == "done":
                outcome.done = True
    finally:
        if outcome.unfinished is not None:
            outcome.unfinished_ms = (time.perf_counter() - started_at) * 1000


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _tail(handle: BinaryIO) -> str:
    handle.flush()
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - _TAIL_BYTES))
    text = handle.read().decode("utf-8", "replace")
    return text if size <= _TAIL_BYTES else "[...]" + text


def _hidden_folders() -> list[str]:
    """What the child covers with empty mounts: the real home, the temp folder (other runs), shared memory."""
    folders = [os.path.expanduser("~"), tempfile.gettempdir(), "/dev/shm", "/var/tmp"]  # noqa: S108
    return [os.path.realpath(folder) for folder in folders if folder and os.path.isdir(folder)]


def _nproc(isolation: Isolation) -> int | None:
    if any(name == "pids" for name, _ in isolation.cgroups):
        return None
    if isolation.uid is not None:
        return task_count(isolation.uid) + _NPROC_HEADROOM
    if isolation.nproc:
        return task_count(os.getuid()) + _NPROC_HEADROOM
    return None
