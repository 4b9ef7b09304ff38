"""The on-disk docs cache: keys, freshness, atomic writes and damaged entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fastapi_expert.docs.cache import DocsCache, normalize_url
from fastapi_expert.errors import DocsCacheError


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("HTTPS://Raw.GitHubUserContent.com:443/a/b.md#part", "https://raw.githubusercontent.com/a/b.md"),
        ("https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
    ],
)
def test_urls_are_normalized(url: str, normalized: str) -> None:
    assert normalize_url(url) == normalized


def test_a_page_round_trips_with_its_etag_and_time(tmp_path: Path) -> None:
    clock = Clock()
    cache = DocsCache(tmp_path / "docs", ttl=60, clock=clock)
    assert cache.get("https://example.com/a") is None
    cache.put("https://example.com/a", "# A\n", '"v1"')
    page = cache.get("https://EXAMPLE.com/a#top")  # the same page under another spelling of its URL
    assert page is not None
    assert (page.body, page.etag, page.fetched_at) == ("# A\n", '"v1"', clock.now)
    assert [p.name for p in (tmp_path / "docs").iterdir()] == [cache.path_of(page.url).name]  # no temporary left


def test_freshness_follows_the_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = DocsCache(tmp_path, ttl=60, clock=clock)
    page = cache.put("https://example.com/a", "body", None)
    clock.now += 59
    assert cache.is_fresh(page)
    clock.now += 1
    assert not cache.is_fresh(page)
    confirmed = cache.confirm(page)
    assert cache.is_fresh(confirmed)
    assert cache.get("https://example.com/a") == confirmed


@pytest.mark.parametrize("damage", ["{not json", '{"url": "https://example.com/a"}', "[]", ""])
def test_a_damaged_entry_is_a_miss(tmp_path: Path, damage: str) -> None:
    cache = DocsCache(tmp_path, ttl=60)
    cache.put("https://example.com/a", "body", None)
    cache.path_of("https://example.com/a").write_text(damage)
    assert cache.get("https://example.com/a") is None


def test_an_entry_of_another_url_is_a_miss(tmp_path: Path) -> None:
    cache = DocsCache(tmp_path, ttl=60)
    cache.put("https://example.com/a", "body", None)
    data = json.loads(cache.path_of("https://example.com/a").read_text())
    cache.path_of("https://example.com/b").write_text(json.dumps(data))
    assert cache.get("https://example.com/b") is None


def test_a_cache_dir_that_is_a_file_raises_docs_cache_error(tmp_path: Path) -> None:
    (tmp_path / "docs").write_text("not a folder")
    with pytest.raises(DocsCacheError, match="cannot write the docs cache"):
        DocsCache(tmp_path / "docs", ttl=60).put("https://example.com/a", "body", None)
