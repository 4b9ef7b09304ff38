"""Tests for knowledge/pagination.md: bounded limit/offset pages with a total, and keyset (cursor) pages."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

LoadExample = Callable[[str], ModuleType]
COUNT = 25


def _seed(client: TestClient) -> None:
    """25 articles over 5 days, 5 per day, so many rows tie on the sort date."""
    start = date(2026, 1, 1)
    for n in range(COUNT):
        article = {"title": f"Article {n}", "published_on": (start + timedelta(days=n % 5)).isoformat()}
        assert client.post("/articles", json=article).status_code == 201


def _expected_order(pages: list[dict[str, Any]]) -> list[int]:
    """The ids of all items on the pages, sorted newest date first, then highest id first."""
    items = [item for page in pages for item in page["items"]]
    return [item["id"] for item in sorted(items, key=lambda item: (item["published_on"], item["id"]), reverse=True)]


def _client(
    load_example: LoadExample, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'articles.db'}")
    with TestClient(load_example(path).app) as client:
        _seed(client)
        yield client


@pytest.fixture
def offset(load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    yield from _client(load_example, "examples/pagination/tutorial001.py", tmp_path, monkeypatch)


@pytest.fixture
def keyset(load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    yield from _client(load_example, "examples/pagination/tutorial002.py", tmp_path, monkeypatch)


def test_page_envelope_and_default_limit(offset: TestClient) -> None:
    """The response is a generic Page: items plus total, skip and limit, with limit defaulting to 20."""
    page = offset.get("/articles").json()
    assert set(page) == {"items", "total", "skip", "limit"}
    assert (page["total"], page["skip"], page["limit"], len(page["items"])) == (COUNT, 0, 20, 20)
    assert set(page["items"][0]) == {"id", "title", "published_on"}


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"skip": -1}, {"limit": "all"}])
def test_limit_and_skip_are_bounded(offset: TestClient, params: dict[str, Any]) -> None:
    """`Query(ge=1, le=100)` and `Query(ge=0)`: out-of-range values are a 422 naming the query parameter."""
    response = offset.get("/articles", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_pages_partition_the_rows_in_a_total_order(offset: TestClient) -> None:
    """With the id as tie-breaker, consecutive pages never overlap or skip a row, even among equal dates."""
    pages = [offset.get("/articles", params={"skip": skip, "limit": 7}).json() for skip in range(0, COUNT, 7)]
    ids = [item["id"] for page in pages for item in page["items"]]
    assert len(ids) == len(set(ids)) == COUNT
    assert ids == _expected_order(pages)
    assert offset.get("/articles", params={"skip": 0, "limit": 7}).json() == pages[0]
    assert offset.get("/articles", params={"skip": 100}).json()["items"] == []


def test_offset_pages_drift_when_rows_are_inserted(offset: TestClient) -> None:
    """The known weakness of OFFSET: a row inserted between two page requests shifts the next page."""
    first = offset.get("/articles", params={"limit": 5}).json()["items"]
    offset.post("/articles", json={"title": "Breaking", "published_on": "2026-02-01"})
    second = offset.get("/articles", params={"skip": 5, "limit": 5}).json()["items"]
    assert first[-1]["id"] == second[0]["id"]


def test_cursor_pages_walk_every_row_once(keyset: TestClient) -> None:
    """Following next_cursor visits every row once, in order, and the last page has next_cursor null."""
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 6}
    while True:
        page = keyset.get("/articles", params=params).json()
        pages.append(page)
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert [len(page["items"]) for page in pages] == [6, 6, 6, 6, 1]
    ids = [item["id"] for page in pages for item in page["items"]]
    assert ids == _expected_order(pages)
    assert len(set(ids)) == COUNT


def test_cursor_pages_do_not_drift_when_rows_are_inserted(keyset: TestClient) -> None:
    """Keyset pages continue after the last row seen, so a newer row inserted meanwhile shifts nothing."""
    first = keyset.get("/articles", params={"limit": 5}).json()
    keyset.post("/articles", json={"title": "Breaking", "published_on": "2026-02-01"})
    second = keyset.get("/articles", params={"limit": 5, "cursor": first["next_cursor"]}).json()
    assert {item["id"] for item in first["items"]}.isdisjoint(item["id"] for item in second["items"])
    assert "Breaking" not in [item["title"] for item in second["items"]]


def test_exact_fit_has_no_next_page(keyset: TestClient) -> None:
    """Fetching limit + 1 rows tells whether more exist: a page that ends exactly at the last row has no cursor."""
    page = keyset.get("/articles", params={"limit": COUNT}).json()
    assert len(page["items"]) == COUNT
    assert page["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        base64.urlsafe_b64encode(b"2026-01-01").decode(),
        base64.urlsafe_b64encode(b"yesterday|1").decode(),
    ],
)
def test_invalid_cursor_is_400(keyset: TestClient, cursor: str) -> None:
    """A cursor that does not decode to (date, id) is rejected with 400 instead of a server error."""
    response = keyset.get("/articles", params={"cursor": cursor})
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid cursor"})


def test_cursor_limit_is_bounded(keyset: TestClient) -> None:
    """The cursor endpoint bounds limit the same way: 101 is a 422."""
    assert keyset.get("/articles", params={"limit": 101}).status_code == 422


def test_generic_page_has_a_precise_schema_per_item_type(offset: TestClient) -> None:
    """Page[ArticleOut] is documented as its own schema whose items reference ArticleOut."""
    schema = offset.get("/openapi.json").json()
    response = schema["paths"]["/articles"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page_schema = schema["components"]["schemas"][response["$ref"].rsplit("/", 1)[-1]]
    assert page_schema["title"] == "Page[ArticleOut]"
    assert page_schema["properties"]["items"]["items"] == {"$ref": "#/components/schemas/ArticleOut"}
    assert set(page_schema["required"]) == {"items", "total", "skip", "limit"}
