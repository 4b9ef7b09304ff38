"""A throwaway PostgreSQL cluster for tests: ``initdb`` in a temporary folder, served on a Unix socket only.

``with start_postgres() as cluster:`` gives a running cluster whose ``cluster.url`` is a
``postgresql+asyncpg://`` URL of an empty database owned by a login role; leaving the block (or ``cluster.stop()``)
stops the server and deletes every file. The server listens on no TCP port at all (``listen_addresses=''``): only on
a socket in the cluster's folder, which also works from a sandbox with its own network namespace.

PostgreSQL refuses to run as root, so under root (CI) ``initdb`` and the server run as the ``postgres`` system user
through ``runuser``, in a folder that user owns. Clients authenticate with ``trust`` over the socket.

When PostgreSQL cannot be run here, ``start_postgres`` raises ``PostgresUnavailable``; ``start_postgres_or_skip``
turns that into a skip with the reason, or into a failure when the ``CI`` variable is set (CI must run these tests).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from types import TracebackType

import pytest

__all__ = [
    "PostgresCluster",
    "PostgresUnavailable",
    "find_postgres_bin",
    "start_postgres",
    "start_postgres_or_skip",
]

#: The login role and database ``PostgresCluster.url`` points at.
ROLE = "app"
DATABASE = "app"
#: The system user the server runs as when we are root.
SYSTEM_USER = "postgres"
#: Seconds a PostgreSQL command (initdb, start, stop, psql) may take.
TIMEOUT = 120
#: Server settings for a test cluster: no TCP, and durability traded for speed (the data is thrown away).
SERVER_OPTIONS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
)
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be run here; the message says why."""


def find_postgres_bin() -> Path:
    """The folder holding ``initdb``, ``pg_ctl``, ``postgres`` and ``psql``: from ``PATH``, else the newest
    ``/usr/lib/postgresql/<version>/bin`` (Debian's layout, which does not put ``initdb`` on ``PATH``)."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        directory = Path(on_path).resolve().parent
        if (directory / "pg_ctl").exists():
            return directory
    candidates = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    candidates.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else -1, reverse=True)
    for directory in candidates:
        if (directory / "pg_ctl").exists() and (directory / "psql").exists():
            return directory
    raise PostgresUnavailable("initdb and pg_ctl not found on PATH nor in /usr/lib/postgresql/*/bin")


@dataclass
class PostgresCluster:
    """A running throwaway cluster (see the module docstring). A context manager: leaving it calls ``stop()``."""

    root: Path
    bin_dir: Path
    run_as: Sequence[str]
    role: str = ROLE
    database: str = DATABASE
    _stopped: bool = field(default=False, repr=False)
    _databases: count[int] = field(default_factory=lambda: count(1), repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        """The ``postgresql+asyncpg://`` URL of the cluster's database (SQLAlchemy's asyncpg dialect)."""
        return self.url_of(self.database)

    def url_of(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.role}@/{database}?host={self.socket_dir}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database owned by the role (named ``test_<n>`` unless ``name`` is given); its URL."""
        name = name or f"test_{next(self._databases)}"
        if not _IDENTIFIER.match(name):
            raise ValueError(f"database name {name!r}: use lowercase letters, digits and underscores")
        self.psql(f'CREATE DATABASE "{name}" OWNER "{self.role}"')
        return self.url_of(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser over the socket; its output (unaligned, tuples only)."""
        command = [
            str(self.bin_dir / "psql"),
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.socket_dir),
            "-U",
            SYSTEM_USER,
            "-d",
            database,
            "-c",
            sql,
        ]
        return _run(command, cwd=self.root, what=f"psql {sql!r}").stdout

    def stop(self) -> None:
        """Stop the server (immediately: nothing needs to be kept) and delete the cluster's folder. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if (self.data_dir / "postmaster.pid").exists():
                _run(
                    [*self.run_as, str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"],
                    cwd=self.root,
                    what="pg_ctl stop",
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def start_postgres(tmp_dir: Path | None = None) -> PostgresCluster:
    """Create and start a cluster in a new folder under ``tmp_dir`` (default: the system's temporary folder).

    Under root the folder is given to the ``postgres`` user, which must be able to reach it: a folder under pytest's
    ``tmp_path`` (mode 0700) is not, so leave ``tmp_dir`` out there. Raises ``PostgresUnavailable``.
    """
    bin_dir = find_postgres_bin()
    run_as = _run_as()
    root = Path(tempfile.mkdtemp(prefix="pg-", dir=tmp_dir))  # short: a socket path has at most 107 bytes
    cluster = PostgresCluster(root=root, bin_dir=bin_dir, run_as=run_as)
    try:
        root.chmod(0o755)  # the socket must be reachable by whoever runs the tests, maybe sandboxed as another user
        cluster.socket_dir.mkdir(mode=0o755)
        if run_as:
            account = pwd.getpwnam(SYSTEM_USER)
            for path in (root, cluster.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        initdb = [str(bin_dir / "initdb"), "-D", str(cluster.data_dir), "-U", SYSTEM_USER, "-A", "trust"]
        _run([*run_as, *initdb, "-E", "UTF8", "--no-locale", "--no-sync"], cwd=root, what="initdb")
        options = f"{SERVER_OPTIONS} -c unix_socket_directories='{cluster.socket_dir}'"
        pg_ctl = [str(bin_dir / "pg_ctl"), "start", "-D", str(cluster.data_dir), "-l", str(cluster.log_file)]
        _run(
            [*run_as, *pg_ctl, "-o", options, "-w", "-t", str(TIMEOUT)],
            cwd=root,
            what="pg_ctl start",
            log=cluster.log_file,
        )
        cluster.psql(f'CREATE ROLE "{ROLE}" LOGIN CREATEDB')
        cluster.psql(f'CREATE DATABASE "{DATABASE}" OWNER "{ROLE}"')
    except BaseException:
        cluster.stop()
        raise
    return cluster


def start_postgres_or_skip(tmp_dir: Path | None = None) -> PostgresCluster:
    """``start_postgres``, or skip the test with the reason: fail it instead when ``CI`` is set."""
    try:
        return start_postgres(tmp_dir)
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not available: {exc} (CI is set: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(f"PostgreSQL not available: {exc}")


def _run_as() -> list[str]:
    """The prefix that runs a PostgreSQL command as a user allowed to: none unless we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError as exc:
        raise PostgresUnavailable(f"running as root and there is no {SYSTEM_USER!r} system user") from exc
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root and runuser (util-linux) is not installed")
    return [runuser, "-u", SYSTEM_USER, "--"]


def _run(command: list[str], *, cwd: Path, what: str, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PostgresUnavailable(f"{what}: {exc}") from exc
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()
        if log is not None and log.exists():
            output += "\n" + log.read_text(errors="replace").strip()
        raise PostgresUnavailable(f"{what} failed (exit {completed.returncode}): {output[-2000:]}")
    return completed
