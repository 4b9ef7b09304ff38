"""One cache folder for every capability: the review's database and the docs pages share it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_expert.cache_root import cache_root
from fastapi_expert.docs.settings import DocsSettings
from fastapi_expert.review.cache import ReviewCache, default_cache_dir


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"FASTAPI_EXPERT_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/xdg"}, Path("/c")),
        ({"FASTAPI_EXPERT_CACHE_DIR": "  ", "XDG_CACHE_HOME": "/xdg"}, Path("/xdg/fastapi-expert")),
        ({"HOME": "/home/u"}, Path("/home/u/.cache/fastapi-expert")),
        ({"FASTAPI_EXPERT_CACHE_DIR": "~/c", "HOME": "/home/u"}, Path("/home/u/c")),
    ],
)
def test_the_cache_folder(environ: dict[str, str], expected: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", environ.get("HOME", "/home/x"))
    assert cache_root(environ) == expected


def test_review_and_docs_share_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_EXPERT_CACHE_DIR", str(tmp_path))
    assert ReviewCache(default_cache_dir(), ()).path == tmp_path / "review.sqlite3"
    assert DocsSettings.from_env().cache_dir == tmp_path / "docs"
