"""Confinement the sandboxed child applies to itself before any user code runs (standard library only).

The parent (``sandbox.py``) starts the child inside fresh namespaces when it can; this module does the rest from the
inside, in this order, each layer only when the parent's ``SandboxConfig`` asks for it, and records what it applied:

1. **cgroups**: join the per-run pids (and memory) cgroups the parent created, so ``pids.max`` bounds every process
   and thread the code starts, root or not (``RLIMIT_NPROC`` never binds for uid 0).
2. **loopback**: bring ``lo`` up in the new network namespace: the only interface there, so nothing leaves the host.
3. **mounts** (private mount namespace): cover the real home, the temp folder that holds other runs, ``/dev/shm``,
   ``/var/tmp`` and every folder the sandbox user could not traverse with empty tmpfs mounts, then bind back, at their
   own paths, read-only only what the interpreter needs (its prefix, ``sys.path``) and read-write only this run's
   folder and the folders ``DATABASE_URL`` points into (a SQLite file, a PostgreSQL Unix socket).
4. **rlimits**: address space (a 10 GB allocation is a ``MemoryError``), CPU seconds, file size, open files, no core
   dumps, and ``RLIMIT_NPROC`` when the code will not run as root.
5. **privileges**: drop to an unprivileged uid/gid with no supplementary groups and ``no_new_privs`` (which also
   clears every capability), then re-arm the parent-death signal that a uid change clears.
6. **audit hook** (``sys.addaudithook``, installed last, right before user code): refuses sockets that connect, send
   or bind to anything but loopback or a Unix socket, name lookups of non-local hosts, starting programs, and writes,
   renames and deletions outside this run's folder (the sandbox ``HOME`` is read-only).

What it does not stop: the audit hook is defence in depth only: code using ``ctypes`` or a C extension bypasses it,
so without namespaces (the fallback) a determined program can still reach the network or write where the process
user may write. Without a pids cgroup and as root there is no fork limit; without namespaces a process that leaves
the process group (``setsid``) survives the group kill. The namespaces, the cgroup and the uid drop are what contain
hostile code; the rest keeps honest mistakes from touching the host.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import ipaddress
import json
import os
import resource
import signal
import socket
import stat
import struct
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SandboxConfig", "apply_confinement", "install_audit_hook"]

_MS_NOSUID = 2
_MS_NODEV = 4
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_RDONLY = 1
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


@dataclass(slots=True)
class SandboxConfig:
    """Everything the child needs to know, written by the parent as JSON next to the run's folder."""

    base: str
    root: str
    home: str
    tmp: str
    files: list[str]
    timeout: float
    fuzz: bool = False
    new_routes_only: bool = True
    report_fd: int = 3
    control_fd: int = 4
    cgroup_procs: list[str] = field(default_factory=list)
    loopback: bool = False
    mounts: bool = False
    hide: list[str] = field(default_factory=list)
    binds: list[str] = field(default_factory=list)
    uid: int | None = None
    gid: int | None = None
    memory_bytes: int = 3 * 1024**3
    cpu_seconds: int = 60
    fsize_bytes: int = 64 * 1024**2
    nofile: int = 512
    nproc: int | None = None

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SandboxConfig:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(**data)


def apply_confinement(config: SandboxConfig) -> list[str]:
    """Apply layers 1-5 to this process; returns what was applied (and what could not be, with the reason)."""
    layers: list[str] = []
    for procs in config.cgroup_procs:
        Path(procs).write_text("0", encoding="ascii")
    if config.loopback:
        layers.append(_loopback_up())
    mounted = False
    if config.mounts:
        try:
            hidden = _hide_and_bind_back(config)
        except OSError as exc:
            layers.append(f"mounts failed ({exc}): no private filesystem view")
        else:
            mounted = True
            layers.append(f"filesystem: {', '.join(hidden)} hidden" if hidden else "filesystem: nothing to hide")
    os.chdir(config.root)
    layers.extend(_set_limits(config))
    if config.uid is not None and config.gid is not None:
        if mounted or not config.mounts:
            layers.append(_drop_privileges(config.uid, config.gid))
        else:
            layers.append("kept uid 0: without the private mounts the interpreter may be unreachable")
    return layers


def _loopback_up() -> str:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            request = struct.pack("16sh22x", b"lo", 0)
            flags = struct.unpack("16sh22x", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
            fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | _IFF_UP))
    except OSError as exc:
        return f"loopback down ({exc.strerror})"
    return "loopback up"


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount(libc: ctypes.CDLL, source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    result = libc.mount(
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        flags,
        data.encode() if data else None,
    )
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"mount {target}: {os.strerror(code)}")


def _needed_paths(config: SandboxConfig) -> list[str]:
    """What the interpreter still reads after the mounts: its prefixes and every ``sys.path`` folder or zip."""
    candidates = [sys.base_prefix, sys.prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    candidates += [entry for entry in sys.path if entry]
    found = {os.path.realpath(path) for path in candidates if os.path.exists(path)}
    return sorted(path for path in found if not _inside(path, config.base))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _untraversable_ancestor(path: str, uid: int | None, gid: int | None) -> str | None:
    """The outermost folder above ``path`` that ``uid`` may not enter (``None`` when it may reach ``path``)."""
    if uid is None:
        return None
    current = "/"
    for part in Path(path).parts[1:]:
        info = os.stat(current)
        if info.st_uid == uid:
            bit = stat.S_IXUSR
        elif info.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return current
        current = os.path.join(current, part)
    return None


def _outermost(paths: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(_inside(path, outer) for outer in chosen):
            chosen.append(path)
    return sorted(chosen)


def _hide_and_bind_back(config: SandboxConfig) -> list[str]:
    needed = _needed_paths(config)
    writable = _outermost([config.base, *(path for path in config.binds if os.path.exists(path))])
    hide = [path for path in config.hide if os.path.isdir(path)]
    hide += [a for p in [*needed, *writable] if (a := _untraversable_ancestor(p, config.uid, config.gid))]
    hide = [path for path in _outermost(hide) if path != "/"]
    covered = [path for path in _outermost([*needed, *writable]) if any(_inside(path, folder) for folder in hide)]
    # Open the folders to bring back before the tmpfs mounts cover them.
    handles = {path: os.open(path, os.O_PATH) for path in covered}
    libc = _libc()
    try:
        for folder in hide:
            _mount(libc, "tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=16m")
        for path, handle in handles.items():
            if os.path.isdir(f"/proc/self/fd/{handle}"):
                os.makedirs(path, mode=0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
                Path(path).touch()
            _mount(libc, f"/proc/self/fd/{handle}", path, None, _MS_BIND | _MS_REC)
            if path not in writable:
                _mount(libc, None, path, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    finally:
        for handle in handles.values():
            os.close(handle)
    return hide


def _set_limits(config: SandboxConfig) -> list[str]:
    limits = [
        (resource.RLIMIT_AS, config.memory_bytes),
        (resource.RLIMIT_CPU, config.cpu_seconds),
        (resource.RLIMIT_FSIZE, config.fsize_bytes),
        (resource.RLIMIT_NOFILE, config.nofile),
        (resource.RLIMIT_CORE, 0),
    ]
    if config.nproc is not None:
        limits.append((resource.RLIMIT_NPROC, config.nproc))
    for which, value in limits:
        _, hard = resource.getrlimit(which)
        capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (capped, capped))
    text = (
        f"rlimits: address space {config.memory_bytes / 1024**3:g} GiB, cpu time (the job's timeout + 5 s), "
        f"file size {config.fsize_bytes // 1024**2} MiB, {config.nofile} open files, no core dumps"
    )
    if config.nproc is not None:
        text += f", {config.nproc} processes for the user"
    return [text]


def _drop_privileges(uid: int, gid: int) -> str:
    libc = _libc()
    parent = os.getppid()
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    # A uid change clears the parent-death signal `unshare --kill-child` set: re-arm it, then make sure the parent
    # did not die in between (in a PID namespace getppid() is 0 throughout; there the parent kills the cgroup too).
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(137)
    return f"uid {uid} (no capabilities, no_new_privs)"


def install_audit_hook(config: SandboxConfig) -> None:
    """Layer 6: refuse network access off loopback, starting programs, and writes outside this run's folder."""
    writable = tuple(os.path.realpath(path) for path in (config.root, config.tmp, *config.binds))
    path_events = {
        "os.mkdir": (0,),
        "os.remove": (0,),
        "os.rmdir": (0,),
        "os.rename": (0, 1),
        "os.symlink": (1,),
        "os.link": (1,),
        "os.truncate": (0,),
        "os.chmod": (0,),
        "os.chown": (0,),
        "os.utime": (0,),
        "shutil.rmtree": (0,),
    }
    programs = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.forkpty"})

    def refuse(message: str) -> None:
        raise PermissionError(errno.EACCES, f"sandbox: {message}")

    def check_path(target: object, what: str) -> None:
        if isinstance(target, int) or target is None:
            return
        name = os.fsdecode(target) if isinstance(target, str | bytes | os.PathLike) else str(target)
        if name in ("/dev/null", "/dev/stdout", "/dev/stderr"):
            return
        resolved = os.path.realpath(name)
        if not any(_inside(resolved, folder) for folder in writable):
            refuse(f"{what} {name!r} is outside the app folder")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = args
            if mode is not None:
                writing = any(ch in str(mode) for ch in "wax+")
            else:
                writing = bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC))
            if writing:
                check_path(path, "writing")
        elif event in path_events:
            for index in path_events[event]:
                check_path(args[index], "changing")
        elif event in ("socket.connect", "socket.sendto", "socket.bind"):
            _check_address(args[0], args[1], refuse)
        elif event == "socket.getaddrinfo":
            host = args[0]
            name = os.fsdecode(host) if isinstance(host, bytes) else str(host) if host is not None else ""
            if not _local_host(name) and not _is_address(name):
                refuse(f"looking up {name!r}: the sandbox has no network")
        elif event in programs:
            refuse(f"starting programs ({event}) is not allowed")

    sys.addaudithook(hook)


def _local_host(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain", "testserver", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


def _check_address(sock: object, address: object, refuse: Any) -> None:
    family = getattr(sock, "family", None)
    if family == socket.AF_UNIX:
        return
    if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address:
        host = address[0]
        if isinstance(host, str) and _local_host(host) and host != "":
            return
        refuse(f"network access to {address!r} refused: only loopback is reachable")
    refuse(f"sockets of family {family!r} are not allowed")
