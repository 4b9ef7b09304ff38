"""Review results cached per file, keyed by the file's content and everything that changes what is reported.

The key hashes the text with a salt made of the package version, the rule-set version, the selected rules, the ruff
selection and target version, and the configuration fingerprint. Entries are small JSON files in the user's cache
folder (``FASTAPI_EXPERT_CACHE_DIR``, else ``$XDG_CACHE_HOME/fastapi-expert``, else ``~/.cache/fastapi-expert``),
written to a temporary file and renamed, so concurrent runs never read half an entry. The cache is best effort: an
unreadable, corrupt or unwritable entry is treated as a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from fastapi_expert import __version__
from fastapi_expert.findings import Finding

__all__ = ["CACHE_ENV", "ReviewCache", "default_cache_dir"]

CACHE_ENV = "FASTAPI_EXPERT_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where review results are cached unless told otherwise."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fastapi-expert"


class ReviewCache:
    """Findings per file content, under ``directory/review``."""

    def __init__(self, directory: Path, salt: Sequence[str]) -> None:
        self.directory = directory / "review"
        self._folder = str(self.directory)
        self._salt = "\x00".join((__version__, *salt)).encode()

    def key(self, text: str) -> str:
        return hashlib.sha256(self._salt + b"\x00" + text.encode()).hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self._folder, key[:2], f"{key[2:]}.json")  # strings: a warm review reads hundreds

    def get(self, key: str, path: str) -> list[Finding] | None:
        """The cached findings for ``key``, reported on ``path``; ``None`` on a miss."""
        try:
            with open(self._path(key), "rb") as stream:
                entries = json.loads(stream.read())
            return [Finding.from_dict(entry | {"path": path}) for entry in entries]
        except (OSError, ValueError, TypeError):
            return None

    def put(self, key: str, findings: Sequence[Finding]) -> None:
        """Store ``findings`` under ``key`` (silently skipped when the cache cannot be written)."""
        target = self._path(key)
        payload = json.dumps([finding.to_dict() | {"path": ""} for finding in findings])
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(payload)
            os.replace(temporary, target)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
