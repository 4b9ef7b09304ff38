"""``DocsCache``: fetched pages on disk, keyed by normalised URL, with their ``fetched_at`` and ETag.

One JSON file per URL (named by the SHA-256 of the normalised URL), written atomically (a temporary file in the same
directory, then ``os.replace``), so a crash never leaves half a page. A page is fresh for the TTL; a stale page is
still served when the network fails (stale-while-offline), and its ETag makes the refresh a conditional request.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi_expert.errors import DocsCacheError

__all__ = ["CachedPage", "DocsCache", "normalize_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(url: str) -> str:
    """The cache key of a URL: scheme and host lower-cased, default port and fragment dropped, query sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host if parts.port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{parts.port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A page as cached: its URL, body, when it was fetched (or last confirmed by a 304) and its ETag."""

    url: str
    body: str
    fetched_at: float
    etag: str | None = None


class DocsCache:
    """Pages on disk under ``directory``; ``clock`` (seconds since the epoch) is injectable for tests."""

    def __init__(self, directory: Path, *, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.ttl = ttl
        self._clock = clock

    def now(self) -> float:
        """The cache's clock: seconds since the epoch."""
        return self._clock()

    def path_of(self, url: str) -> Path:
        """The file that holds the page of ``url``."""
        digest = hashlib.sha256(normalize_url(url).encode()).hexdigest()
        return self.directory / f"{digest}.json"

    def get(self, url: str) -> CachedPage | None:
        """The cached page of ``url``, fresh or not; ``None`` when absent or unreadable (a damaged entry is a miss)."""
        path = self.path_of(url)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            page = CachedPage(
                url=str(data["url"]),
                body=str(data["body"]),
                fetched_at=float(data["fetched_at"]),
                etag=str(data["etag"]) if data.get("etag") is not None else None,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return page if normalize_url(page.url) == normalize_url(url) else None

    def is_fresh(self, page: CachedPage) -> bool:
        """Whether ``page`` was fetched (or confirmed) less than the TTL ago."""
        return 0 <= self._clock() - page.fetched_at < self.ttl

    def put(self, url: str, body: str, etag: str | None) -> CachedPage:
        """Store ``body`` for ``url``, fetched now; raises ``DocsCacheError`` when the directory is not writable."""
        page = CachedPage(url=url, body=body, fetched_at=self._clock(), etag=etag)
        self._write(page)
        return page

    def confirm(self, page: CachedPage) -> CachedPage:
        """Mark ``page`` fetched now (the server answered 304 Not Modified)."""
        confirmed = CachedPage(url=page.url, body=page.body, fetched_at=self._clock(), etag=page.etag)
        self._write(confirmed)
        return confirmed

    def _write(self, page: CachedPage) -> None:
        path = self.path_of(page.url)
        payload = {"url": page.url, "fetched_at": page.fetched_at, "etag": page.etag, "body": page.body}
        temporary: Path | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            descriptor, name = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            temporary = Path(name)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(payload, handle)
            os.replace(temporary, path)
        except OSError as exc:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            raise DocsCacheError(f"cannot write the docs cache: {exc.strerror or exc}", path=str(path)) from exc
