"""DocsFetcher over httpx.MockTransport: no real network. Cache hits, ETags, TTL, stale copies, redirects, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from fastapi_expert.docs.cache import DocsCache
from fastapi_expert.docs.fetcher import USER_AGENT, DocsFetcher, default_client
from fastapi_expert.docs.settings import DocsSettings
from fastapi_expert.errors import DocsFetchError
from tests.docs.conftest import Recorder
from tests.docs.test_cache import Clock

pytestmark = pytest.mark.anyio

HOST = "raw.githubusercontent.com"
URL = f"https://{HOST}/fastapi/fastapi/0.165.0/docs/en/docs/tutorial/dependencies.md"
MB = 1024 * 1024


def fetcher_for(recorder: Recorder, cache: DocsCache, max_bytes: int = 5 * MB) -> DocsFetcher:
    return DocsFetcher(recorder.client(), cache, allowed_hosts=frozenset({HOST}), max_bytes=max_bytes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path: Path, clock: Clock) -> DocsCache:
    return DocsCache(tmp_path / "docs", ttl=3600, clock=clock)


def markdown(text: str = "# Dependencies\n\nUse Depends.\n", etag: str = '"v1"') -> httpx.Response:
    return httpx.Response(200, text=text, headers={"content-type": "text/markdown; charset=utf-8", "etag": etag})


async def test_a_fresh_cached_page_is_served_without_a_request(cache: DocsCache) -> None:
    recorder = Recorder(lambda request: markdown())
    fetcher = fetcher_for(recorder, cache)
    first = await fetcher.fetch(URL)
    second = await fetcher.fetch(URL)
    assert (first.origin, second.origin) == ("network", "cache")
    assert second.body == first.body == "# Dependencies\n\nUse Depends.\n"
    assert len(recorder.requests) == 1


async def test_an_expired_page_is_revalidated_with_its_etag_and_a_304_keeps_it(cache: DocsCache, clock: Clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return markdown()

    recorder = Recorder(handler)
    fetcher = fetcher_for(recorder, cache)
    await fetcher.fetch(URL)
    clock.now += 3600  # the TTL has passed
    page = await fetcher.fetch(URL)
    assert page.origin == "revalidated"
    assert page.body == "# Dependencies\n\nUse Depends.\n"
    assert page.fetched_at == clock.now
    assert "if-none-match" not in recorder.requests[0].headers
    assert recorder.requests[1].headers["if-none-match"] == '"v1"'
    assert (await fetcher.fetch(URL)).origin == "cache"  # the 304 made it fresh again
    assert len(recorder.requests) == 2


async def test_an_expired_page_that_changed_is_replaced(cache: DocsCache, clock: Clock) -> None:
    bodies = iter([markdown("old", '"v1"'), markdown("new", '"v2"')])
    fetcher = fetcher_for(Recorder(lambda request: next(bodies)), cache)
    await fetcher.fetch(URL)
    clock.now += 3601
    page = await fetcher.fetch(URL)
    assert (page.origin, page.body) == ("network", "new")
    cached = cache.get(URL)
    assert cached is not None and cached.etag == '"v2"'


async def test_the_stale_copy_is_served_when_the_network_fails(cache: DocsCache, clock: Clock) -> None:
    responses = iter([markdown()])

    def handler(request: httpx.Request) -> httpx.Response:
        try:
            return next(responses)
        except StopIteration:
            raise httpx.ConnectError("no route to host", request=request) from None

    fetcher = fetcher_for(Recorder(handler), cache)
    await fetcher.fetch(URL)
    clock.now += 10 * 3600
    page = await fetcher.fetch(URL)
    assert page.origin == "stale"
    assert page.body == "# Dependencies\n\nUse Depends.\n"


async def test_a_server_error_without_a_cached_copy_is_a_clear_error(cache: DocsCache) -> None:
    fetcher = fetcher_for(Recorder(lambda request: httpx.Response(404, text="Not Found")), cache)
    with pytest.raises(DocsFetchError, match="HTTP 404") as info:
        await fetcher.fetch(URL)
    assert info.value.url == URL


async def test_a_timeout_is_a_clear_error(cache: DocsCache) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(DocsFetchError, match="timed out") as info:
        await fetcher_for(Recorder(handler), cache).fetch(URL)
    assert str(info.value).startswith(URL)
    assert isinstance(info.value.__cause__, httpx.TimeoutException)


async def test_a_redirect_off_the_allow_list_is_refused(cache: DocsCache) -> None:
    recorder = Recorder(lambda request: httpx.Response(302, headers={"location": "https://evil.example/x.md"}))
    with pytest.raises(DocsFetchError, match=r"redirected to https://evil\.example/x\.md, which is not on the allow"):
        await fetcher_for(recorder, cache).fetch(URL)
    assert [str(request.url) for request in recorder.requests] == [URL]  # the other host was never asked


async def test_a_redirect_on_the_allow_list_is_followed(cache: DocsCache) -> None:
    moved = f"https://{HOST}/fastapi/fastapi/0.165.0/docs/en/docs/tutorial/dependencies/index.md"

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == URL:
            return httpx.Response(
                301, headers={"location": "/fastapi/fastapi/0.165.0/docs/en/docs/tutorial/dependencies/index.md"}
            )
        return markdown("moved here")

    recorder = Recorder(handler)
    page = await fetcher_for(recorder, cache).fetch(URL)
    assert page.body == "moved here"
    assert [str(request.url) for request in recorder.requests] == [URL, moved]
    assert cache.get(URL) is not None  # cached under the URL asked for


async def test_redirect_loops_end(cache: DocsCache) -> None:
    recorder = Recorder(lambda request: httpx.Response(302, headers={"location": URL}))
    with pytest.raises(DocsFetchError, match="more than 5 redirects"):
        await fetcher_for(recorder, cache).fetch(URL)
    assert len(recorder.requests) == 6


@pytest.mark.parametrize("url", ["https://evil.example/docs.md", f"http://{HOST}/a.md", "file:///etc/passwd"])
async def test_urls_off_the_allow_list_are_refused_before_any_request(cache: DocsCache, url: str) -> None:
    recorder = Recorder(lambda request: markdown())
    with pytest.raises(DocsFetchError, match="not on the allow-list"):
        await fetcher_for(recorder, cache).fetch(url)
    assert recorder.requests == []


async def test_a_50_mb_body_is_refused_while_streaming(cache: DocsCache) -> None:
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for _ in range(50):
            sent.append(MB)
            yield b"x" * MB

    recorder = Recorder(lambda request: httpx.Response(200, content=body(), headers={"content-type": "text/plain"}))
    with pytest.raises(DocsFetchError, match="larger than the limit of 5242880 bytes"):
        await fetcher_for(recorder, cache).fetch(URL)
    assert len(sent) < 50  # reading stopped at the limit
    assert cache.get(URL) is None


async def test_a_declared_50_mb_body_is_refused_without_reading_it(cache: DocsCache) -> None:
    response = httpx.Response(200, content=b"x", headers={"content-type": "text/plain", "content-length": str(50 * MB)})
    with pytest.raises(DocsFetchError, match=f"is {50 * MB} bytes; the limit is"):
        await fetcher_for(Recorder(lambda request: response), cache).fetch(URL)


@pytest.mark.parametrize(
    ("content", "content_type", "error"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "text/plain", "binary"),
        (b"%PDF-1.7", "application/pdf", "not a text document"),
    ],
)
async def test_non_text_bodies_are_refused(cache: DocsCache, content: bytes, content_type: str, error: str) -> None:
    response = httpx.Response(200, content=content, headers={"content-type": content_type})
    with pytest.raises(DocsFetchError, match=error):
        await fetcher_for(Recorder(lambda request: response), cache).fetch(URL)


async def test_undecodable_bytes_are_replaced_not_fatal(cache: DocsCache) -> None:
    response = httpx.Response(200, content=b"# Title\n\ncaf\xe9 \xff\n", headers={"content-type": "text/markdown"})
    page = await fetcher_for(Recorder(lambda request: response), cache).fetch(URL)
    assert page.body.startswith("# Title\n\ncaf")


async def test_an_unwritable_cache_does_not_lose_the_page(tmp_path: Path) -> None:
    (tmp_path / "docs").write_text("a file where the cache folder should be")
    cache = DocsCache(tmp_path / "docs", ttl=3600)
    page = await fetcher_for(Recorder(lambda request: markdown()), cache).fetch(URL)
    assert page.origin == "network" and page.body.startswith("# Dependencies")


async def test_the_default_client_sets_a_user_agent_timeouts_and_honours_the_environment(tmp_path: Path) -> None:
    settings = DocsSettings(cache_dir=tmp_path, timeout=7.0)
    async with default_client(settings) as client:
        assert client.headers["user-agent"] == USER_AGENT
        assert client.timeout.read == 7.0 and client.timeout.connect == 5.0
        assert client.follow_redirects is False
        assert client.trust_env is True
