"""Review results cached per file, keyed by the file's content and everything that changes what is reported.

The key hashes the text with a salt made of the package version, the rule-set version, the selected rules, the ruff
selection and target version, and the configuration fingerprint. Entries live in one SQLite database in the user's
cache folder (``FASTAPI_EXPERT_CACHE_DIR``, else ``$XDG_CACHE_HOME/fastapi-expert``, else ``~/.cache/fastapi-expert``):
a cold review of a tree writes every file's entry in one transaction (one file per entry cost half a millisecond each
on ext4, a quarter of a cold run), a warm one reads them with a few queries, and SQLite's locking (WAL journal, a busy
timeout) keeps concurrent runs and server threads from ever seeing half an entry. The cache is best effort: a
locked, unreadable or corrupt database or entry is a miss, and a database that is not one is replaced. Entries not
written for 30 days are dropped when a run writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from fastapi_expert import __version__
from fastapi_expert.cache_root import cache_root
from fastapi_expert.findings import Finding

__all__ = ["ReviewCache", "default_cache_dir"]

#: Entries older than this (seconds since written) are dropped by the next run that writes.
MAX_AGE = 30 * 24 * 3600
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, findings TEXT NOT NULL, written INTEGER NOT NULL)"


def default_cache_dir() -> Path:
    """Where review results are cached unless told otherwise (``review.sqlite3`` in the cache folder)."""
    return cache_root()


class ReviewCache:
    """Findings per file content, in ``directory/review.sqlite3`` (a connection per operation: any thread, nothing
    left open)."""

    def __init__(self, directory: Path, salt: Sequence[str]) -> None:
        self.path = directory / "review.sqlite3"
        self._salt = "\x00".join((__version__, *salt)).encode()
        self._broken = False  # set when the database cannot be opened: the cache is off for this instance

    def key(self, text: str) -> str:
        return hashlib.sha256(self._salt + b"\x00" + text.encode()).hexdigest()

    def get(self, key: str, path: str) -> list[Finding] | None:
        """The cached findings for ``key``, reported on ``path``; ``None`` on a miss."""
        return self.get_many([(key, path)]).get(path)

    def get_many(self, wanted: Sequence[tuple[str, str]]) -> dict[str, list[Finding]]:
        """For each ``(key, path)`` whose key has an entry: the path and its findings, reported on that path (files
        with the same content share one entry)."""
        payloads: dict[str, list[dict[str, object]]] = {}
        connection = self._open() if wanted else None
        if connection is None:
            return {}
        try:
            for key in {key for key, _ in wanted}:  # one prepared statement, reused: about 5 microseconds a key
                row = connection.execute("SELECT findings FROM entries WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    with contextlib.suppress(ValueError):
                        payloads[key] = json.loads(row[0])
        except sqlite3.Error:
            return {}
        finally:
            connection.close()
        found: dict[str, list[Finding]] = {}
        for key, path in wanted:
            if key in payloads:
                with contextlib.suppress(ValueError, TypeError):  # a corrupt entry is a miss
                    found[path] = [Finding.from_dict(entry | {"path": path}) for entry in payloads[key]]
        return found

    def put(self, key: str, findings: Sequence[Finding]) -> None:
        """Store ``findings`` under ``key`` (silently skipped when the cache cannot be written)."""
        self.put_many([(key, findings)])

    def put_many(self, entries: Iterable[tuple[str, Sequence[Finding]]]) -> None:
        """Store every ``(key, findings)`` in one transaction; skipped as a whole when the cache cannot be written."""
        now = int(time.time())
        rows = [
            (key, json.dumps([finding.to_dict() | {"path": ""} for finding in findings]), now)
            for key, findings in entries
        ]
        connection = self._open() if rows else None  # a warm run writes nothing (and takes no write lock)
        if connection is None:
            return
        try:
            with contextlib.suppress(sqlite3.Error), connection:
                connection.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", rows)
                connection.execute("DELETE FROM entries WHERE written < ?", (now - MAX_AGE,))
        finally:
            connection.close()

    def _open(self) -> sqlite3.Connection | None:
        """A connection to the database, created on first use; ``None`` when it cannot be opened."""
        if self._broken:
            return None
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            except (OSError, sqlite3.Error):
                break
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                connection.close()
                if attempt or not _not_a_database(exc):
                    break
                with contextlib.suppress(OSError):  # a file that is not a database: start a new one
                    self.path.unlink()
                continue
            connection.isolation_level = "DEFERRED"
            return connection
        self._broken = True
        return None


def _not_a_database(exc: sqlite3.DatabaseError) -> bool:
    return "not a database" in str(exc) or "malformed" in str(exc)
