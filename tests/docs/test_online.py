"""Online docs: the MkDocs navigation at a version's tag, pages chosen by topic, through a MockTransport."""

from __future__ import annotations

from importlib.metadata import version as installed_version
from pathlib import Path

import httpx
import pytest

from fastapi_expert.docs.environment import PythonEnvironment
from fastapi_expert.docs.online import SITES, NavPage, parse_mkdocs_nav, site_for
from fastapi_expert.docs.service import DocsService
from fastapi_expert.docs.settings import DocsSettings
from fastapi_expert.errors import DocsFetchError, InputError
from tests.docs.conftest import Recorder

pytestmark = pytest.mark.anyio

MKDOCS = """\
site_name: FastAPI
site_url: https://fastapi.tiangolo.com/
markdown_extensions:
  pymdownx.emoji:
    emoji_index: !!python/name:material.extensions.emoji.twemoji
  extra: !ENV [SOMETHING, default]
nav:
- FastAPI: index.md
- features.md
- Learn:
  - Tutorial - User Guide:
    - tutorial/index.md
    - Dependencies: tutorial/dependencies/index.md
    - Dependencies with yield: tutorial/dependencies/dependencies-with-yield.md
  - Advanced User Guide:
    - Lifespan Events: advanced/events.md
- External: https://example.com/page.md
- Escape: ../../etc/passwd.md
"""

YIELD_PAGE = """\
# Dependencies with yield

FastAPI supports dependencies that do some extra steps after finishing.

## A database dependency with `yield`

Only the code prior to and including the `yield` statement is executed before creating a response.
"""


def test_the_nav_lists_markdown_pages_with_their_titles() -> None:
    pages = parse_mkdocs_nav(MKDOCS)
    assert pages[:3] == [
        NavPage(titles=("FastAPI",), path="index.md"),
        NavPage(titles=(), path="features.md"),
        NavPage(titles=("Learn", "Tutorial - User Guide"), path="tutorial/index.md"),
    ]
    paths = [page.path for page in pages]
    assert "tutorial/dependencies/dependencies-with-yield.md" in paths
    assert not [path for path in paths if "://" in path or ".." in path]


@pytest.mark.parametrize("text", ["", "nav: 3", "- a list", "nav:\n  - {a: [1, 2]}\n", "key: [unclosed", "\x00"])
def test_a_malformed_nav_gives_no_pages(text: str) -> None:
    assert parse_mkdocs_nav(text) == []


def test_the_known_sites_and_their_tags() -> None:
    fastapi = site_for("FastAPI")
    assert fastapi is SITES["fastapi"]
    assert fastapi.raw_url(fastapi.ref("0.115.0"), fastapi.mkdocs) == (
        "https://raw.githubusercontent.com/fastapi/fastapi/0.115.0/docs/en/mkdocs.yml"
    )
    assert SITES["pydantic"].ref("2.11.4") == "v2.11.4"
    assert SITES["pydantic"].ref(None) == "main"
    assert site_for("not-a-library") is None
    with pytest.raises(ValueError, match="not a version"):
        fastapi.ref("../../other/repo")


def fastapi_docs(request: httpx.Request) -> httpx.Response:
    url = str(request.url)
    if url.endswith("/0.100.0/docs/en/mkdocs.yml"):
        return httpx.Response(200, text=MKDOCS, headers={"content-type": "text/plain"})
    if url.endswith("/0.100.0/docs/en/docs/tutorial/dependencies/dependencies-with-yield.md"):
        return httpx.Response(200, text=YIELD_PAGE, headers={"content-type": "text/plain"})
    if "/0.100.0/" in url:
        return httpx.Response(200, text="# Other page\n\nNothing about it.\n", headers={"content-type": "text/plain"})
    return httpx.Response(404, text="404: Not Found")


def online_service(tmp_path: Path, recorder: Recorder, environment: PythonEnvironment | None = None) -> DocsService:
    """A service online through ``recorder``, in ``environment`` (default: the one the tests run in)."""
    settings = DocsSettings(cache_dir=tmp_path / "docs", offline=False)
    return DocsService(settings=settings, environment=environment, client_factory=lambda settings: recorder.client())


async def test_a_version_that_is_not_installed_is_read_online_at_its_tag(tmp_path: Path) -> None:
    recorder = Recorder(fastapi_docs)
    service = online_service(tmp_path, recorder)
    answer = await service.fetch_docs("fastapi", "dependencies with yield", version="0.100.0")
    assert answer.version == "0.100.0"
    assert {section.source for section in answer.sections} == {"online"}
    first = answer.sections[0]
    assert first.title.startswith("Dependencies with yield")
    assert first.url == (
        "https://raw.githubusercontent.com/fastapi/fastapi/0.100.0/docs/en/docs/tutorial/dependencies/"
        "dependencies-with-yield.md"
    )
    assert all(section.content in YIELD_PAGE for section in answer.sections if section.url == first.url)
    requested = [str(request.url) for request in recorder.requests]
    assert requested[0].endswith("/fastapi/0.100.0/docs/en/mkdocs.yml")
    # The second answer comes from the on-disk cache: not one more request.
    await service.fetch_docs("fastapi", "dependencies with yield", version="0.100.0")
    assert len(recorder.requests) == len(requested)


async def test_a_version_that_does_not_exist_online_is_an_error_naming_version(tmp_path: Path) -> None:
    service = online_service(tmp_path, Recorder(fastapi_docs))
    with pytest.raises(InputError, match=r"^version: fastapi 0\.0\.1 is not installed \(installed: .*HTTP 404"):
        await service.fetch_docs("fastapi", "lifespan", version="0.0.1")


async def test_a_library_that_is_not_installed_is_read_online_as_latest(
    tmp_path: Path, fake_environment: PythonEnvironment
) -> None:
    def sqlmodel_docs(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == "https://raw.githubusercontent.com/fastapi/sqlmodel/main/mkdocs.yml":
            return httpx.Response(200, text="nav:\n- Relationships: tutorial/relationships.md\n")
        if url == "https://raw.githubusercontent.com/fastapi/sqlmodel/main/docs/tutorial/relationships.md":
            return httpx.Response(200, text="# Relationship Attributes\n\nUse `Relationship()`.\n")
        return httpx.Response(404)

    service = online_service(tmp_path, Recorder(sqlmodel_docs), fake_environment)
    answer = await service.fetch_docs("sqlmodel", "relationships")
    assert (answer.library, answer.version) == ("sqlmodel", "latest")
    assert [section.title for section in answer.sections] == ["Relationship Attributes"]


async def test_a_network_failure_with_nothing_local_is_a_docs_fetch_error(
    tmp_path: Path, fake_environment: PythonEnvironment
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(DocsFetchError, match="could not be fetched"):
        await online_service(tmp_path, Recorder(down), fake_environment).fetch_docs("sqlmodel", "relationships")


async def test_offline_the_network_is_never_used(tmp_path: Path) -> None:
    recorder = Recorder(fastapi_docs)
    service = online_service(tmp_path, recorder)
    with pytest.raises(InputError, match=r"^version: .*online docs are off"):
        await service.fetch_docs("fastapi", "lifespan", version="0.100.0", offline=True)
    assert recorder.requests == []


async def test_a_topic_nothing_local_matches_is_looked_up_online(tmp_path: Path) -> None:
    def fastapi_latest(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        installed = "/fastapi/" + installed_version("fastapi") + "/docs/en/"
        if url.endswith(installed + "mkdocs.yml"):
            return httpx.Response(200, text="nav:\n- Quokkas: advanced/quokkas.md\n")
        if url.endswith(installed + "docs/advanced/quokkas.md"):
            return httpx.Response(200, text="# Quokkas\n\nA quokka is not an API.\n")
        return httpx.Response(404)

    recorder = Recorder(fastapi_latest)
    answer = await online_service(tmp_path, recorder).fetch_docs("fastapi", "quokkas")
    assert answer.version == installed_version("fastapi")
    assert [(section.source, section.title) for section in answer.sections] == [("online", "Quokkas")]


async def test_a_topic_nothing_matches_when_the_network_is_down_is_an_error_naming_topic(tmp_path: Path) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(InputError, match=r"^topic: nothing in fastapi's .*could not be fetched"):
        await online_service(tmp_path, Recorder(down)).fetch_docs("fastapi", "quokkas")
