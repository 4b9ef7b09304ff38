"""Docs sites that publish an ``llms.txt`` index (https://llmstxt.org): the index parsed, the best pages fetched.

An ``llms.txt`` is markdown of a fixed shape: an H1 with the project's name (required), a blockquote summary, optional
prose, then H2 sections whose lists link to pages, ``- [Title](https://...): notes``; links in the section named
``Optional`` may be skipped. ``parse_llms_txt`` reads exactly that (links inside code fences are ignored, relative
links are resolved against the index's URL, only http(s) links are kept) and rejects what is not an index: HTML (a
site that answers every path with a page), text without an H1, an index that links no page.

The links are ranked against the topic by their titles, notes, sections and paths; the best few are fetched through
``DocsFetcher`` (allow-list of hosts, cache, size limits) and split into sections like the MkDocs pages of
``online.py``. Links to hosts off the allow-list are never requested.

Which sites publish one (checked against public sources, November 2026; ``FASTAPI_EXPERT_DOCS_LLMS_TXT`` adds more):
Pydantic at ``https://docs.pydantic.dev/latest/llms.txt`` (its README links it; it may redirect to ``pydantic.dev``;
only ``/latest/`` has one, so it is not version-exact), which also covers pydantic-settings; Pydantic AI and FastMCP
at their sites' roots. FastAPI, Starlette, HTTPX, SQLModel and SQLAlchemy publish none that is usable (SQLAlchemy's
``/llms.txt`` answers with an HTML page): the first four are read from their MkDocs sources (``online.py``);
SQLAlchemy, whose docs are Sphinx reStructuredText, only from its installed package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from fastapi_expert.docs.environment import canonical_name

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi_expert.docs.fetcher import DocsFetcher
    from fastapi_expert.docs.models import DocSection

__all__ = [
    "LLMS_TXT_SITES",
    "OPTIONAL_SECTION",
    "LlmsLink",
    "LlmsTxt",
    "LlmsTxtFormatError",
    "LlmsTxtSite",
    "llms_txt_sections",
    "llms_txt_site_for",
    "parse_llms_txt",
    "rank_links",
]

#: The section of an index whose links "can be skipped if a shorter context is needed" (llmstxt.org).
OPTIONAL_SECTION = "Optional"
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$")
_HEADING = re.compile(r"^(#{2,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
#: ``- [Title](url "optional title"): notes``, with ``-``, ``*`` or ``+`` bullets and ``<url>`` in angle brackets.
_LINK = re.compile(
    r"""^\s*[-*+][ \t]+\[(?P<title>(?:[^\[\]\\]|\\.|\[[^\]]*\])+)\]"""
    r"""\(\s*(?P<url><[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)"""
    r"""(?:\s*:\s*(?P<notes>.*))?\s*$"""
)
_MAX_LINKS = 5000
_MAX_TEXT = 300


class LlmsTxtFormatError(ValueError):
    """The text is not an llms.txt index; the message says why."""


@dataclass(frozen=True, slots=True)
class LlmsLink:
    """One page an index links to: its title, absolute URL, the notes after it and the H2 section it is listed in."""

    title: str
    url: str
    notes: str = ""
    section: str = ""

    @property
    def optional(self) -> bool:
        """Whether the link is listed under ``## Optional`` (or a heading below it)."""
        return self.section.split(" > ")[0] == OPTIONAL_SECTION


@dataclass(frozen=True, slots=True)
class LlmsTxt:
    """A parsed index: the project's name, its summary (the blockquote) and the pages it links, in order."""

    title: str
    summary: str
    links: tuple[LlmsLink, ...]


@dataclass(frozen=True, slots=True)
class LlmsTxtSite:
    """A library whose docs site publishes an llms.txt index, and the hosts the index and its pages are served from."""

    distribution: str
    index_url: str
    hosts: frozenset[str]

    @classmethod
    def at(cls, distribution: str, index_url: str, *extra_hosts: str) -> LlmsTxtSite:
        host = (urlsplit(index_url).hostname or "").lower()
        return cls(canonical_name(distribution), index_url, frozenset({host, *extra_hosts}))


LLMS_TXT_SITES: dict[str, LlmsTxtSite] = {
    site.distribution: site
    for site in (
        LlmsTxtSite.at("pydantic", "https://docs.pydantic.dev/latest/llms.txt", "pydantic.dev"),
        LlmsTxtSite.at("pydantic-settings", "https://docs.pydantic.dev/latest/llms.txt", "pydantic.dev"),
        LlmsTxtSite.at("pydantic-ai", "https://ai.pydantic.dev/llms.txt"),
        LlmsTxtSite.at("pydantic-ai-slim", "https://ai.pydantic.dev/llms.txt"),
        LlmsTxtSite.at("fastmcp", "https://gofastmcp.com/llms.txt"),
    )
}


def llms_txt_site_for(library: str, configured: Mapping[str, str] | None = None) -> LlmsTxtSite | None:
    """The llms.txt site of a distribution or import name: from ``configured`` (name -> index URL) first."""
    name = canonical_name(library)
    for configured_name, url in (configured or {}).items():
        if canonical_name(configured_name) == name:
            return LlmsTxtSite.at(name, url)
    return LLMS_TXT_SITES.get(name)


def parse_llms_txt(text: str, *, base_url: str) -> LlmsTxt:
    """The index in ``text``, its links made absolute against ``base_url``; ``LlmsTxtFormatError`` if it is none."""
    from fastapi_expert.docs.sections import looks_like_html

    text = text.lstrip("\ufeff")
    if looks_like_html(text):
        raise LlmsTxtFormatError("is an HTML page, not an llms.txt index")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    title_match = _H1.match(lines[start].strip()) if start is not None else None
    if start is None or title_match is None:
        raise LlmsTxtFormatError("does not start with an H1 title (`# Name`)")
    summary: list[str] = []
    links: dict[str, LlmsLink] = {}
    section = ""
    fence: str | None = None
    in_summary = True
    for line in lines[start + 1 :]:
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            in_summary = False
            continue
        stripped = line.strip()
        if in_summary and stripped.startswith(">"):
            summary.append(stripped.lstrip(">").strip())
            continue
        if stripped:
            in_summary = False
        heading = _HEADING.match(stripped)
        if heading:
            level, name = len(heading.group(1)), heading.group(2).strip()
            section = name if level == 2 or not section else f"{section.split(' > ')[0]} > {name}"
            continue
        link = _LINK.match(line)
        if link is None:
            continue
        url = _absolute(link.group("url").strip("<>"), base_url)
        if url is None or url in links:
            continue
        links[url] = LlmsLink(
            title=_clean(link.group("title")),
            url=url,
            notes=_clean(link.group("notes") or ""),
            section=section,
        )
        if len(links) >= _MAX_LINKS:
            break
    if not links:
        raise LlmsTxtFormatError("links no pages (no `- [Title](url)` list items)")
    return LlmsTxt(title=_clean(title_match.group(1)), summary=" ".join(summary).strip(), links=tuple(links.values()))


def rank_links(links: tuple[LlmsLink, ...], topic: str, limit: int) -> list[LlmsLink]:
    """The ``limit`` links whose titles, notes, sections and paths match ``topic`` best; optional ones on ties last."""
    from fastapi_expert.search_index import SearchIndex

    index = SearchIndex(
        {
            str(i): [(link.title, 3), (_path_words(link.url), 2), (link.notes, 1), (link.section, 1)]
            for i, link in enumerate(links)
        }
    )
    ranked = index.rank(topic, limit * 2)
    ordered = sorted(ranked, key=lambda item: (-item[1], links[int(item[0])].optional, int(item[0])))
    return [links[int(key)] for key, _, _ in ordered[:limit]]


async def llms_txt_sections(site: LlmsTxtSite, topic: str, fetcher: DocsFetcher, *, pages: int = 2) -> list[DocSection]:
    """Sections of the ``pages`` pages of the index that match ``topic`` best (none when no link matches it).

    The index, or every chosen page, failing to download is a ``DocsFetchError``; one page of two failing is not.
    """
    from fastapi_expert.docs.models import DocSection
    from fastapi_expert.docs.sections import html_to_markdown, looks_like_html, split_markdown
    from fastapi_expert.errors import DocsFetchError

    index_page = await fetcher.fetch(site.index_url)
    try:
        index = parse_llms_txt(index_page.body, base_url=site.index_url)
    except LlmsTxtFormatError as exc:
        raise DocsFetchError(f"is not an llms.txt index: it {exc}", url=site.index_url) from exc
    allowed = tuple(link for link in index.links if fetcher.allows(link.url))
    if not allowed:
        raise DocsFetchError(
            f"links only pages on hosts off the allow-list of docs hosts ({', '.join(sorted(fetcher.allowed_hosts))})",
            url=site.index_url,
        )
    sections: list[DocSection] = []
    failures: list[DocsFetchError] = []
    for link in rank_links(allowed, topic, pages):
        try:
            body = (await fetcher.fetch(link.url)).body
        except DocsFetchError as exc:
            failures.append(exc)
            continue
        text = html_to_markdown(body) if looks_like_html(body) else body
        for section in split_markdown(text, document_title=link.title):
            heading = " > ".join((*section.trail, section.title))
            sections.append(DocSection(title=heading, source="online", url=link.url, content=section.content))
    if failures and not sections:
        raise failures[0]
    return sections


def _absolute(url: str, base_url: str) -> str | None:
    absolute = urljoin(base_url, url)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(fragment="").geturl()


def _clean(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", " ".join(text.split()))[:_MAX_TEXT]


def _path_words(url: str) -> str:
    path = unquote(urlsplit(url).path)
    return re.sub(r"[/_.-]+", " ", path.removesuffix(".md").removesuffix("index")).strip()
