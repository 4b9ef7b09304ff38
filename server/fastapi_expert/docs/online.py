"""Official docs online: the markdown sources of a library's documentation at the tag of a version.

FastAPI, Pydantic, Starlette, HTTPX and SQLModel write their docs in markdown with MkDocs, in their repositories.
At the tag of the version asked for (or installed), the ``mkdocs.yml`` navigation lists the pages with their titles;
the pages whose titles and paths match the topic best are fetched (through ``DocsFetcher``, so cached) and split into
sections. Without a version, the default branch is read and the answer says ``latest``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi_expert.docs.environment import canonical_name
from fastapi_expert.docs.models import DocSection
from fastapi_expert.docs.sections import html_to_markdown, looks_like_html, split_markdown
from fastapi_expert.errors import DocsFetchError

if TYPE_CHECKING:
    from fastapi_expert.docs.fetcher import DocsFetcher

__all__ = ["SITES", "DocsSite", "NavPage", "online_sections", "parse_mkdocs_nav", "site_for"]

_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]{0,63}")


@dataclass(frozen=True, slots=True)
class DocsSite:
    """Where a library's markdown docs live: a GitHub repository, its tag scheme and its MkDocs layout."""

    distribution: str
    repository: str
    #: The tag of a version: ``{version}`` or ``v{version}``.
    tag: str
    branch: str
    mkdocs: str = "mkdocs.yml"
    docs_dir: str = "docs"

    def ref(self, version: str | None) -> str:
        """The git ref of ``version`` (the default branch for ``None``)."""
        if version is None:
            return self.branch
        if not _VERSION.fullmatch(version):
            raise ValueError(f"not a version: {version!r}")
        return self.tag.format(version=version)

    def raw_url(self, ref: str, path: str) -> str:
        return f"https://raw.githubusercontent.com/{self.repository}/{ref}/{path}"


SITES: dict[str, DocsSite] = {
    site.distribution: site
    for site in (
        DocsSite("fastapi", "fastapi/fastapi", "{version}", "master", "docs/en/mkdocs.yml", "docs/en/docs"),
        DocsSite("pydantic", "pydantic/pydantic", "v{version}", "main"),
        DocsSite("starlette", "Kludex/starlette", "{version}", "main"),
        DocsSite("httpx", "encode/httpx", "{version}", "master"),
        DocsSite("sqlmodel", "fastapi/sqlmodel", "{version}", "main"),
    )
}


def site_for(library: str) -> DocsSite | None:
    """The docs site of a distribution or import name, if fastapi-expert knows one."""
    return SITES.get(canonical_name(library))


@dataclass(frozen=True, slots=True)
class NavPage:
    """A page of the MkDocs navigation: its titles from the top of the nav down, and its path under ``docs_dir``."""

    titles: tuple[str, ...]
    path: str


def parse_mkdocs_nav(text: str) -> list[NavPage]:
    """The markdown pages an ``mkdocs.yml`` lists in its ``nav`` (tags such as ``!!python/name:`` are ignored)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    try:
        config = yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader that ignores unknown tags
    except yaml.YAMLError:
        return []
    nav = config.get("nav") if isinstance(config, dict) else None
    return list(dict.fromkeys(_walk_nav(nav, ()))) if isinstance(nav, list) else []


def _walk_nav(items: list[Any], titles: tuple[str, ...]) -> Iterator[NavPage]:
    for item in items:
        if isinstance(item, str):
            yield from _page(titles, item)
        elif isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, str):
                    yield from _page((*titles, str(title)), value)
                elif isinstance(value, list):
                    yield from _walk_nav(value, (*titles, str(title)))


def _page(titles: tuple[str, ...], path: str) -> Iterator[NavPage]:
    if path.endswith(".md") and "://" not in path and ".." not in path.split("/"):
        yield NavPage(titles=titles, path=path.lstrip("/"))


async def online_sections(
    site: DocsSite, version: str | None, topic: str, fetcher: DocsFetcher, *, pages: int = 2
) -> list[DocSection]:
    """Sections of the ``pages`` docs pages whose nav titles and paths match ``topic`` best."""
    from fastapi_expert.search_index import SearchIndex

    ref = site.ref(version)
    nav_url = site.raw_url(ref, site.mkdocs)
    nav = parse_mkdocs_nav((await fetcher.fetch(nav_url)).body)
    if not nav:
        raise DocsFetchError("has no navigation listing markdown pages", url=nav_url)
    index = SearchIndex(
        {str(i): [(" ".join(page.titles), 3), (page.path.replace("/", " "), 2)] for i, page in enumerate(nav)}
    )
    sections: list[DocSection] = []
    for key, _, _ in index.rank(topic, pages):
        page = nav[int(key)]
        url = site.raw_url(ref, f"{site.docs_dir}/{page.path}")
        body = (await fetcher.fetch(url)).body
        text = html_to_markdown(body) if looks_like_html(body) else body
        title = page.titles[-1] if page.titles else page.path
        for section in split_markdown(text, document_title=title):
            heading = " > ".join((*section.trail, section.title))
            sections.append(DocSection(title=heading, source="online", url=url, content=section.content))
    return sections
