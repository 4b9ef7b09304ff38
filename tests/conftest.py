"""Shared fixtures: the fixture folders and the anyio backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The review cache of the whole run lives in a temporary folder, never in the user's ~/.cache."""
    directory = tmp_path_factory.mktemp("cache")
    previous = os.environ.get("FASTAPI_EXPERT_CACHE_DIR")
    os.environ["FASTAPI_EXPERT_CACHE_DIR"] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop("FASTAPI_EXPERT_CACHE_DIR", None)
    else:
        os.environ["FASTAPI_EXPERT_CACHE_DIR"] = previous


@pytest.fixture(autouse=True, scope="session")
def offline_docs() -> Iterator[None]:
    """No test fetches docs online (the fuzz test calls fetch_docs too); online tests inject a MockTransport."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FASTAPI_EXPERT_OFFLINE", "1")
        yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``network`` run only with ``FASTAPI_EXPERT_NETWORK_TESTS=1``; otherwise they show as skipped."""
    if os.environ.get("FASTAPI_EXPERT_NETWORK_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="needs the internet: set FASTAPI_EXPERT_NETWORK_TESTS=1 to run it")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fixture_knowledge() -> Path:
    return FIXTURES / "knowledge"


@pytest.fixture
def fixture_prompts() -> Path:
    return FIXTURES / "prompts"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden`` rewrites the golden files (``tests/golden/<generator>/<case>/expected*.py``)."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files from the generators instead of comparing with them",
    )
