"""``ApiCache``: the API griffe extracted from an installed package, on disk, so that the next process reads it back.

Griffe parses every module of a package: about 7 s for SQLAlchemy's 250 modules, 0.6 s for FastAPI's. What it yields
(``ApiEntry``: names, signatures, docstrings, ``Doc()`` parameter docs, locations) is plain text, kept as one JSON file
per environment and import package in ``api/`` under the docs cache directory. A file is used only when it was
written by the same format (``FORMAT``, raised whenever ``ApiEntry`` or its extraction changes), the same griffe and
griffe-typingdoc, for the same version of the package and the same files (the path, size and modification time of
each ``.py``/``.pyi``: an editable install changes them without a new version); otherwise the package is parsed
again and the file replaced. Files are written atomically (a temporary file, then ``os.replace``). The cache only
saves time: a file that cannot be read is a miss, one that cannot be written is logged, neither is an error.

A file read back is touched, and writing a file drops the ones not used for ``MAX_UNUSED_DAYS`` (environments that
were deleted, versions replaced) and temporary files a killed process left, so the folder does not grow forever.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from fastapi_expert.docs.installed import ApiEntry

__all__ = ["FORMAT", "MAX_UNUSED_DAYS", "ApiCache", "package_fingerprint"]

#: The version of the file format and of what the entries hold; raise it when either changes.
FORMAT = 1
#: A cached API neither read nor written for this many days is removed by the next write.
MAX_UNUSED_DAYS = 30
_TEMPORARY_GRACE = 3600  # seconds: a temporary file older than this belongs to no running write
_SOURCE_SUFFIXES = (".py", ".pyi")
_log = logging.getLogger(__name__)


class ApiCache:
    """Extracted APIs on disk under ``directory`` (the docs cache directory's ``api/``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_of(self, package: str, search_paths: tuple[Path, ...]) -> Path:
        """The file that holds the API of ``package`` as found on ``search_paths`` (one environment)."""
        where = json.dumps([package, [str(path) for path in search_paths]])
        return self.directory / f"{package}-{hashlib.sha256(where.encode()).hexdigest()[:24]}.json"

    def load(self, package: str, version: str, search_paths: tuple[Path, ...]) -> list[ApiEntry] | None:
        """The cached entries, or ``None`` when there are none for exactly this version, these files and this format."""
        path = self.path_of(package, search_paths)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") != _key(package, version, search_paths):
                return None
            entries = [
                ApiEntry(
                    name=str(name),
                    kind=str(kind),
                    signature=str(signature),
                    docstring=str(docstring),
                    parameters=tuple((str(parameter), str(text)) for parameter, text in parameters),
                    location=None if location is None else str(location),
                )
                for name, kind, signature, docstring, parameters, location in data["entries"]
            ]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # in use: kept by the pruning in store()
        return entries

    def store(self, package: str, version: str, search_paths: tuple[Path, ...], entries: list[ApiEntry]) -> None:
        """Write the entries (atomically); a directory that is not writable is logged, not raised."""
        path = self.path_of(package, search_paths)
        payload = {
            "key": _key(package, version, search_paths),
            "entries": [
                [entry.name, entry.kind, entry.signature, entry.docstring, entry.parameters, entry.location]
                for entry in entries
            ],
        }
        temporary: Path | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            descriptor, name = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            temporary = Path(name)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, separators=(",", ":"))
            os.replace(temporary, path)
        except OSError as exc:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            _log.warning("cannot write the API cache %s: %s", path, exc.strerror or exc)
            return
        self.prune()

    def prune(self, now: float | None = None) -> list[Path]:
        """Remove the files not used for ``MAX_UNUSED_DAYS`` and stale temporary files; returns what was removed."""
        now = time.time() if now is None else now
        removed = []
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.directory):
                with contextlib.suppress(OSError):
                    age = now - entry.stat(follow_symlinks=False).st_mtime
                    stale = entry.name.startswith(".tmp-") and age > _TEMPORARY_GRACE
                    if stale or (entry.name.endswith(".json") and age > MAX_UNUSED_DAYS * 86400):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
        return removed


def _key(package: str, version: str, search_paths: tuple[Path, ...]) -> list[object]:
    """What a cached API must have been extracted from, and by what, to be served."""
    return [FORMAT, _extractor(), package, version, package_fingerprint(package, search_paths)]


@lru_cache(maxsize=1)
def _extractor() -> str:
    """The versions of griffe and griffe-typingdoc (their output is what is cached)."""
    versions = []
    for distribution in ("griffelib", "griffe-typingdoc"):
        try:
            versions.append(f"{distribution} {metadata.version(distribution)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{distribution} ?")
    return ", ".join(versions)


def package_fingerprint(package: str, search_paths: tuple[Path, ...]) -> str:
    """A digest of the path, size and modification time of each source file of ``package`` where griffe finds it:
    the first search path holding a ``package/`` folder or a ``package.py`` module."""
    digest = hashlib.sha256()
    for search_path in search_paths:
        folder, module = search_path / package, search_path / f"{package}.py"
        if folder.is_dir():
            for root, folders, files in os.walk(folder):
                folders[:] = sorted(name for name in folders if name != "__pycache__")
                for name in sorted(files):
                    if name.endswith(_SOURCE_SUFFIXES):
                        digest.update(_file_line(Path(root, name), folder))
            break
        if module.is_file():
            digest.update(_file_line(module, search_path))
            break
    return digest.hexdigest()


def _file_line(path: Path, base: Path) -> bytes:
    try:
        stat = path.stat()
    except OSError:
        return b""
    return f"{path.relative_to(base).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
