"""Live checks against the real docs hosts: opt-in (FASTAPI_EXPERT_NETWORK_TESTS=1), never in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_expert.docs.cache import DocsCache
from fastapi_expert.docs.fetcher import DocsFetcher, default_client
from fastapi_expert.docs.llmstxt import LLMS_TXT_SITES, LlmsTxtSite, parse_llms_txt
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


@pytest.mark.parametrize("site", [LLMS_TXT_SITES[name] for name in sorted(LLMS_TXT_SITES)], ids=sorted(LLMS_TXT_SITES))
async def test_each_known_llms_txt_index_parses_and_links_allowed_pages(tmp_path: Path, site: LlmsTxtSite) -> None:
    settings = DocsSettings(cache_dir=tmp_path, offline=False)
    async with default_client(settings) as client:
        fetcher = DocsFetcher(
            client, DocsCache(tmp_path, ttl=60), allowed_hosts=settings.allowed_hosts, max_bytes=settings.max_bytes
        )
        index = parse_llms_txt((await fetcher.fetch(site.index_url)).body, base_url=site.index_url)
    assert [link for link in index.links if fetcher.allows(link.url)]
