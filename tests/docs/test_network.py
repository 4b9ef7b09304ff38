"""Live checks against the real docs hosts: opt-in (FASTAPI_EXPERT_NETWORK_TESTS=1), never in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_expert.docs.service import DocsService
from fastapi_expert.docs.settings import DocsSettings

pytestmark = [pytest.mark.network, pytest.mark.anyio]


@pytest.mark.parametrize(
    ("library", "version", "topic"),
    [("fastapi", "0.115.0", "dependencies with yield"), ("pydantic", "2.10.0", "validators")],
)
async def test_an_older_versions_docs_are_fetched_at_its_tag(
    tmp_path: Path, library: str, version: str, topic: str
) -> None:
    service = DocsService(settings=DocsSettings(cache_dir=tmp_path, offline=False))
    answer = await service.fetch_docs(library, topic, version=version)
    assert answer.version == version
    assert answer.sections
    assert {section.source for section in answer.sections} == {"online"}
