"""``DocsFetcher``: official docs pages over HTTP, through the on-disk ``DocsCache``.

The fetcher receives its ``httpx.AsyncClient`` (``default_client`` makes the real one: timeouts, a user agent, no
automatic redirects, and ``trust_env`` so the environment's proxy and CA settings apply) and its cache. It serves a
fresh cached page without a request, revalidates a stale one with ``If-None-Match``, follows redirects itself so that
every hop is checked against the allow-list of hosts, streams bodies with a size limit, and serves the stale copy when
the network fails. Every failure is a ``DocsFetchError`` naming the URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from fastapi_expert import __version__
from fastapi_expert.docs.cache import CachedPage, DocsCache
from fastapi_expert.errors import DocsCacheError, DocsFetchError

if TYPE_CHECKING:
    import httpx

    from fastapi_expert.docs.settings import DocsSettings

__all__ = ["USER_AGENT", "DocsFetcher", "FetchedPage", "default_client"]

USER_AGENT = f"fastapi-expert/{__version__} (docs fetcher; +https://github.com/fastapi-expert/fastapi-expert)"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml+xml", "application/yaml")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A page and how it was obtained: ``network`` (200), ``revalidated`` (304), ``cache`` (fresh) or ``stale``."""

    url: str
    body: str
    fetched_at: float
    origin: Literal["network", "revalidated", "cache", "stale"]


def default_client(settings: DocsSettings) -> httpx.AsyncClient:
    """The client docs are fetched with: timeouts, user agent, proxy and CA from the environment."""
    import httpx

    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 5.0)),
        headers={"User-Agent": USER_AGENT, "Accept": "text/markdown, text/plain;q=0.9, text/*;q=0.8"},
        follow_redirects=False,
        trust_env=True,
    )


class DocsFetcher:
    """Fetches pages from allowed hosts through ``cache``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        cache: DocsCache,
        *,
        allowed_hosts: frozenset[str],
        max_bytes: int,
        max_redirects: int = 5,
    ) -> None:
        self.client = client
        self.cache = cache
        self.allowed_hosts = allowed_hosts
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects

    async def fetch(self, url: str) -> FetchedPage:
        """The page at ``url``: from the cache while fresh, else from the network, else the stale copy."""
        self._check_host(url)
        cached = self.cache.get(url)
        if cached is not None and self.cache.is_fresh(cached):
            return FetchedPage(url=url, body=cached.body, fetched_at=cached.fetched_at, origin="cache")
        try:
            return await self._download(url, cached)
        except DocsFetchError as exc:
            if cached is None:
                raise
            _log.warning("serving a stale copy of %s: %s", url, exc)
            return FetchedPage(url=url, body=cached.body, fetched_at=cached.fetched_at, origin="stale")

    async def _download(self, url: str, cached: CachedPage | None) -> FetchedPage:
        import httpx

        headers = {"If-None-Match": cached.etag} if cached is not None and cached.etag else {}
        current = url
        for _ in range(self.max_redirects + 1):
            try:
                async with self.client.stream("GET", current, headers=headers) as response:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        self._check_host(current, redirected_from=url)
                        continue
                    if response.status_code == 304 and cached is not None:
                        page = self._store(url, cached.body, cached.etag, confirm=cached)
                        return FetchedPage(url=url, body=page.body, fetched_at=page.fetched_at, origin="revalidated")
                    if response.status_code != 200:
                        raise DocsFetchError(f"the server answered HTTP {response.status_code}", url=current)
                    body = await self._read(response, current)
                    page = self._store(url, body, response.headers.get("etag"))
                    return FetchedPage(url=url, body=page.body, fetched_at=page.fetched_at, origin="network")
            except httpx.TimeoutException as exc:
                raise DocsFetchError(f"timed out ({type(exc).__name__})", url=current) from exc
            except httpx.HTTPError as exc:
                raise DocsFetchError(f"could not be fetched ({type(exc).__name__}: {exc})", url=current) from exc
        raise DocsFetchError(f"more than {self.max_redirects} redirects", url=url)

    async def _read(self, response: httpx.Response, url: str) -> str:
        content_type = response.headers.get("content-type", "text/plain").split(";")[0].strip().lower()
        if not content_type.startswith(_TEXT_TYPES):
            raise DocsFetchError(f"is {content_type}, not a text document", url=url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise DocsFetchError(f"is {int(declared)} bytes; the limit is {self.max_bytes}", url=url)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise DocsFetchError(f"is larger than the limit of {self.max_bytes} bytes", url=url)
            chunks.append(chunk)
        raw = b"".join(chunks)
        if b"\x00" in raw:
            raise DocsFetchError("is binary, not a text document", url=url)
        return raw.decode(response.charset_encoding or "utf-8", errors="replace")

    def _store(self, url: str, body: str, etag: str | None, confirm: CachedPage | None = None) -> CachedPage:
        try:
            return self.cache.confirm(confirm) if confirm is not None else self.cache.put(url, body, etag)
        except DocsCacheError as exc:  # the page is still good; only the next run will fetch it again
            _log.warning("%s", exc)
            return CachedPage(url=url, body=body, fetched_at=self.cache.now(), etag=etag)

    def allows(self, url: str) -> bool:
        """Whether ``url`` may be fetched: https, on an allowed host."""
        parts = urlsplit(url)
        return parts.scheme == "https" and (parts.hostname or "").lower() in self.allowed_hosts

    def _check_host(self, url: str, redirected_from: str | None = None) -> None:
        if not self.allows(url):
            reason = f"redirected to {url}, which is" if redirected_from else "is"
            raise DocsFetchError(
                f"{reason} not on the allow-list of docs hosts ({', '.join(sorted(self.allowed_hosts))}; "
                "add hosts with FASTAPI_EXPERT_DOCS_HOSTS)",
                url=redirected_from or url,
            )
