"""Shared fixtures: the fixture folders and the anyio backend."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fixture_knowledge() -> Path:
    return FIXTURES / "knowledge"


@pytest.fixture
def fixture_prompts() -> Path:
    return FIXTURES / "prompts"
