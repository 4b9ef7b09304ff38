"""Tests for the caching knowledge entry."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from tests.knowledge.conftest import LoadExample


@pytest.fixture
def articles(load_example: LoadExample) -> Iterator[TestClient]:
    module = load_example("examples/caching/tutorial001.py")
    with TestClient(module.app) as client:
        yield client


def test_response_carries_etag_and_cache_control(articles: TestClient) -> None:
    """A 200 carries a quoted ETag and a Cache-Control policy."""
    response = articles.get("/articles/1")
    assert response.status_code == 200
    assert response.json() == {"id": 1, "title": "Caching in FastAPI", "version": 1}
    assert response.headers["etag"] == '"1-1"'
    assert response.headers["cache-control"] == "public, max-age=60, must-revalidate"


@pytest.mark.parametrize("if_none_match", ['"1-1"', 'W/"1-1"', '"0-9", "1-1"', "*"])
def test_matching_if_none_match_is_304_without_body(articles: TestClient, if_none_match: str) -> None:
    """If-None-Match with the current tag (weak, in a list, or *) gets 304 with no body, keeping ETag and policy."""
    response = articles.get("/articles/1", headers={"If-None-Match": if_none_match})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == '"1-1"'
    assert response.headers["cache-control"] == "public, max-age=60, must-revalidate"


def test_update_changes_the_etag_so_old_copies_revalidate_to_200(articles: TestClient) -> None:
    """After an update the version, hence the ETag, changes: the old tag no longer matches and the client gets 200."""
    old = articles.get("/articles/1").headers["etag"]
    updated = articles.put("/articles/1", json={"title": "HTTP caching"})
    assert updated.headers["etag"] == '"1-2"'
    response = articles.get("/articles/1", headers={"If-None-Match": old})
    assert response.status_code == 200
    assert response.json()["title"] == "HTTP caching"
    assert response.headers["etag"] == '"1-2"'


def test_stale_if_match_is_412(articles: TestClient) -> None:
    """A write with If-Match of an older version is refused with 412, preventing a lost update."""
    stale = articles.get("/articles/1").headers["etag"]
    assert articles.put("/articles/1", json={"title": "first"}, headers={"If-Match": stale}).status_code == 200
    response = articles.put("/articles/1", json={"title": "second"}, headers={"If-Match": stale})
    assert response.status_code == 412
    assert articles.get("/articles/1").json()["title"] == "first"


def test_unknown_article_is_404(articles: TestClient) -> None:
    """Missing resources are 404 for reads and conditional writes alike."""
    assert articles.get("/articles/9").status_code == 404
    assert articles.put("/articles/9", json={"title": "x"}).status_code == 404


def test_openapi_documents_200_model_and_304(articles: TestClient) -> None:
    """response_model keeps the documented 200 schema even though the function may return a bare 304 Response."""
    responses = articles.get("/openapi.json").json()["paths"]["/articles/{article_id}"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Article"}
    assert responses["304"] == {"description": "Not Modified"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rates(load_example: LoadExample) -> Iterator[tuple[ModuleType, TestClient, FakeClock]]:
    module = load_example("examples/caching/tutorial002.py")
    clock = FakeClock()
    cache = module.TTLCache(ttl=300, clock=clock)
    module.app.dependency_overrides[module.get_rates_cache] = lambda: cache
    with TestClient(module.app) as client:
        yield module, client, clock


def test_expensive_call_is_made_once_within_the_ttl(rates: tuple[ModuleType, TestClient, FakeClock]) -> None:
    """Within the TTL, repeated requests are answered from the cache: the upstream is called once."""
    module, client, clock = rates
    first = client.get("/rates")
    clock.now = 299.9
    second = client.get("/rates")
    assert first.json() == second.json() == {"USD": 1.08, "GBP": 0.85}
    assert module.upstream_calls == ["EUR"]
    assert first.headers["cache-control"] == "public, max-age=60"


def test_entry_expires_after_the_ttl(rates: tuple[ModuleType, TestClient, FakeClock]) -> None:
    """Once the TTL has passed the entry is dropped and the upstream is called again."""
    module, client, clock = rates
    client.get("/rates")
    clock.now = 300
    client.get("/rates")
    assert module.upstream_calls == ["EUR", "EUR"]


def test_cache_is_keyed_by_argument(rates: tuple[ModuleType, TestClient, FakeClock]) -> None:
    """Different arguments are different entries; invalid keys are rejected before reaching the cache."""
    module, client, _ = rates
    assert client.get("/rates", params={"base": "USD"}).json() == {"EUR": 0.93}
    client.get("/rates")
    client.get("/rates", params={"base": "USD"})
    assert module.upstream_calls == ["USD", "EUR"]
    assert client.get("/rates", params={"base": "usd; drop"}).status_code == 422


def test_default_cache_is_the_module_instance(load_example: LoadExample) -> None:
    """Without an override the app shares one module-level cache across requests (per process)."""
    module = load_example("examples/caching/tutorial002.py")
    with TestClient(module.app) as client:
        client.get("/rates")
        client.get("/rates")
    assert module.upstream_calls == ["EUR"]
    assert module.get_rates_cache() is module.rates_cache


def test_antipattern_lru_cache_on_async_function_breaks_on_second_call(load_example: LoadExample) -> None:
    """lru_cache on an async def caches the coroutine: the second request awaits it again and fails."""
    module = load_example("antipatterns/caching/lru_cache_async.py")
    with TestClient(module.app) as client:
        assert client.get("/rates").status_code == 200
        with pytest.raises(RuntimeError, match="cannot reuse already awaited coroutine"):
            client.get("/rates")
