"""``fetch_docs``: the few most relevant sections about a topic, for the version of a library the user has.

Sources, in order, each section labelled with its own:

1. ``installed``: the API of the package installed in the user's environment, extracted with griffe;
2. ``bundled``: markdown shipped inside that package (FastAPI's agent skill);
3. ``knowledge``: fastapi-expert's knowledge base, for the libraries it covers;
4. ``online``: the official docs, cached on disk: the markdown sources at the version's tag (``online.py``) when a
   version is known, else the site's ``llms.txt`` index and the pages it links (``llmstxt.py``); used when the version
   asked for is not installed, the library is not installed, or nothing local matches (and never when offline).

When no source can answer, the error says why and names the library, the topic and what was tried (``unavailable``).

An object the topic names outright (``AsyncSession.execute``) comes first; the other candidates are ranked together
with BM25, and the best are fitted into ``max_chars``. The text is the sources' own: nothing is added but titles.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_expert.docs.environment import (
    InstalledDistribution,
    PythonEnvironment,
    distributions_of,
    find_environment,
)
from fastapi_expert.docs.llmstxt import llms_txt_site_for
from fastapi_expert.docs.models import DocsAnswer, DocSection
from fastapi_expert.docs.settings import DocsSettings
from fastapi_expert.docs.unavailable import fetch_failed, nothing_found, same_version, unknown_library
from fastapi_expert.errors import DocsFetchError, InputError

if TYPE_CHECKING:
    import httpx

    from fastapi_expert.docs.installed import ApiEntry
    from fastapi_expert.docs.llmstxt import LlmsTxtSite
    from fastapi_expert.docs.online import DocsSite
    from fastapi_expert.docs.sections import SectionRanker
    from fastapi_expert.knowledge import KnowledgeBase

__all__ = [
    "DEFAULT_MAX_CHARS",
    "KNOWLEDGE_LIBRARIES",
    "MAX_LIBRARY_CHARS",
    "MAX_MAX_CHARS",
    "MAX_SECTIONS",
    "MAX_TOPIC_CHARS",
    "MAX_VERSION_CHARS",
    "MIN_MAX_CHARS",
    "DocsService",
    "fetch_docs",
]

DEFAULT_MAX_CHARS = 6000
MIN_MAX_CHARS = 200
MAX_MAX_CHARS = 100_000
MAX_TOPIC_CHARS = 500
MAX_LIBRARY_CHARS = 100
MAX_VERSION_CHARS = 64
MAX_SECTIONS = 6
#: The libraries our knowledge base has entries about.
KNOWLEDGE_LIBRARIES = frozenset({"fastapi", "pydantic", "pydantic-settings", "sqlalchemy", "starlette", "sqlmodel"})
#: Candidates each source puts forward before they are ranked together.
_PER_SOURCE = 8
_EXACT = 3
#: Candidates scoring under this share of the best one are left out: a short answer beats a padded one.
_RELEVANCE_FLOOR = 0.4
_DIVERSITY = 0.8
#: A distribution or import name (PEP 508 names, and dotted import paths).
_LIBRARY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_VERSION = re.compile(r"v?[0-9][A-Za-z0-9.+!_-]*")

ClientFactory = Callable[[DocsSettings], "httpx.AsyncClient"]


class DocsService:
    """Answers ``fetch_docs``. Everything is injectable: knowledge base, settings, environment, HTTP client."""

    def __init__(
        self,
        knowledge: KnowledgeBase | None = None,
        *,
        settings: DocsSettings | None = None,
        environment: PythonEnvironment | None = None,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self._knowledge = knowledge
        self._settings = settings
        self._environment = environment
        self._client_factory = client_factory
        #: Per process: the bundled sections of each distribution, ready to rank, and each knowledge entry's sections.
        self._bundled: dict[tuple[Path, str, str], SectionRanker] = {}
        self._entries: dict[str, list[DocSection]] = {}

    @property
    def knowledge(self) -> KnowledgeBase:
        if self._knowledge is None:
            from fastapi_expert.bundled import bundled_dir
            from fastapi_expert.knowledge import KnowledgeBase

            self._knowledge = KnowledgeBase(bundled_dir("knowledge"))
        return self._knowledge

    async def fetch_docs(
        self,
        library: str,
        topic: str,
        version: str | None = None,
        max_chars: int | None = None,
        *,
        offline: bool | None = None,
    ) -> DocsAnswer:
        """The most relevant sections about ``topic`` in ``library``'s docs, within ``max_chars``."""
        import anyio.to_thread

        from fastapi_expert.docs.online import site_for
        from fastapi_expert.docs.sections import fit_sections

        library, topic = _checked_library(library), _checked_topic(topic)
        version, max_chars = _checked_version(version), _checked_max_chars(max_chars)
        settings = self._settings or DocsSettings.from_env()
        offline = settings.offline if offline is None else offline
        environment = self._environment or find_environment()
        distributions = await anyio.to_thread.run_sync(distributions_of, environment)
        installed = await anyio.to_thread.run_sync(distributions.find, library)
        names = (installed.name, library) if installed is not None else (library,)
        site = next(filter(None, map(site_for, names)), None)
        configured = dict(settings.llms_txt)
        llms = next(filter(None, (llms_txt_site_for(name, configured) for name in names)), None)
        if installed is None and site is None and llms is None:
            raise unknown_library(library, environment, distributions)

        local = installed is not None and (version is None or same_version(version, installed.version))
        answer_version = installed.version if installed is not None and local else (version or "latest")
        exact: list[DocSection] = []
        pool: list[DocSection] = []
        if installed is not None and local:
            exact, pool = await anyio.to_thread.run_sync(self._local_sections, installed, topic, environment, settings)
        online = _online_source(site, llms, answer_version, pinned=not local)
        if not local or not (exact or pool):
            if online is None or offline:
                raise self._nothing_found(library, topic, version, installed, offline=offline, site=site, llms=llms)
            try:
                pool += await self._online_sections(online, answer_version, topic, settings)
            except DocsFetchError as exc:
                raise fetch_failed(
                    library, topic, version, installed, local=local, environment=environment, error=exc
                ) from exc
        scored = _rank(pool, topic)
        floor = _RELEVANCE_FLOOR * scored[0][1] if scored else 0.0
        ranked = _diversified([(section, score) for section, score in scored if score >= floor])
        sections = fit_sections(_unique([*exact, *ranked]), max_chars, MAX_SECTIONS)
        if not sections:
            raise self._nothing_found(library, topic, version, installed, offline=offline, site=site, llms=llms)
        return DocsAnswer(
            library=installed.name if installed is not None else library,
            version=answer_version,
            import_names=list(installed.import_names) if installed is not None else [],
            environment=environment.label if installed is not None else None,
            sections=sections,
        )

    @staticmethod
    def _nothing_found(
        library: str,
        topic: str,
        version: str | None,
        installed: InstalledDistribution | None,
        *,
        offline: bool,
        site: DocsSite | None,
        llms: LlmsTxtSite | None,
    ) -> InputError:
        return nothing_found(
            library,
            topic,
            version,
            installed,
            offline=offline,
            has_online=site is not None or llms is not None,
            version_exact_online=site is not None,
        )

    def _local_sections(
        self, installed: InstalledDistribution, topic: str, environment: PythonEnvironment, settings: DocsSettings
    ) -> tuple[list[DocSection], list[DocSection]]:
        """The installed API entries the topic names, and the best candidates of the three local sources."""
        from fastapi_expert.docs.bundled import bundled_documents
        from fastapi_expert.docs.installed import installed_api
        from fastapi_expert.docs.sections import SectionRanker

        exact: list[DocSection] = []
        pool: list[DocSection] = []
        for package in installed.import_names[:3]:
            api = installed_api(package, installed.version, environment.site_packages, settings.cache_dir / "api")
            exact += [_api_section(entry) for entry in api.exact(topic)[:_EXACT]]
            pool += [_api_section(entry) for entry, _ in api.search(topic, _PER_SOURCE)]
        key = (installed.location, installed.name, installed.version)
        bundled = self._bundled.get(key)
        if bundled is None:
            bundled = SectionRanker(
                [
                    DocSection(
                        title=" > ".join((*section.trail, section.title)),
                        source="bundled",
                        path=str(document.path),
                        content=section.content,
                    )
                    for document in bundled_documents(installed)
                    for section in document.sections
                ]
            )
            self._bundled[key] = bundled
        pool += [section for section, _ in bundled.rank(topic)[:_PER_SOURCE]]
        if installed.canonical in KNOWLEDGE_LIBRARIES:
            pool += self._knowledge_sections(topic)
        return exact, pool

    def _knowledge_sections(self, topic: str) -> list[DocSection]:
        """The sections of the best two entries, in the knowledge base's order of the entries."""
        from fastapi_expert.docs.sections import split_markdown

        candidates = []
        for hit in self.knowledge.search(topic, 2).results:
            entry = self._entries.get(hit.id)
            if entry is None:
                entry = [
                    DocSection(
                        title=" > ".join(dict.fromkeys((hit.title, *section.trail[1:], section.title))),
                        source="knowledge",
                        url=hit.uri,
                        content=section.content,
                    )
                    for section in split_markdown(self.knowledge.render(hit.id), document_title=hit.title)
                ]
                self._entries[hit.id] = entry
            candidates += [section for section, _ in _rank(entry, topic)] if len(entry) > 1 else entry
        return candidates[:_PER_SOURCE]

    async def _online_sections(
        self, source: DocsSite | LlmsTxtSite, version: str, topic: str, settings: DocsSettings
    ) -> list[DocSection]:
        from fastapi_expert.docs.cache import DocsCache
        from fastapi_expert.docs.fetcher import DocsFetcher, default_client
        from fastapi_expert.docs.llmstxt import LlmsTxtSite, llms_txt_sections
        from fastapi_expert.docs.online import online_sections

        cache = DocsCache(settings.cache_dir, ttl=settings.ttl)
        factory = self._client_factory or default_client
        async with factory(settings) as client:
            fetcher = DocsFetcher(
                client,
                cache,
                allowed_hosts=settings.allowed_hosts,
                max_bytes=settings.max_bytes,
                max_redirects=settings.max_redirects,
            )
            if isinstance(source, LlmsTxtSite):
                return await llms_txt_sections(source, topic, fetcher)
            return await online_sections(source, None if version == "latest" else version, topic, fetcher)


async def fetch_docs(
    library: str, topic: str, version: str | None = None, max_chars: int | None = None, *, offline: bool | None = None
) -> DocsAnswer:
    """``DocsService().fetch_docs(...)`` with the shipped knowledge base and the settings of the environment."""
    return await DocsService().fetch_docs(library, topic, version, max_chars, offline=offline)


def _rank(sections: list[DocSection], topic: str) -> list[tuple[DocSection, float]]:
    from fastapi_expert.docs.sections import rank_sections

    return rank_sections(sections, topic) if sections else []


def _diversified(scored: list[tuple[DocSection, float]]) -> list[DocSection]:
    """The sections, best first, where each section already taken from a source lowers the others of that source
    by ``_DIVERSITY``: an answer that holds the concept (bundled), the API (installed) and our pattern (knowledge)
    beats five neighbouring sections of one file."""
    remaining = list(scored)
    taken: dict[str, int] = {}
    ordered: list[DocSection] = []
    while remaining:
        best = max(
            range(len(remaining)), key=lambda i: remaining[i][1] * _DIVERSITY ** taken.get(remaining[i][0].source, 0)
        )
        section, _ = remaining.pop(best)
        taken[section.source] = taken.get(section.source, 0) + 1
        ordered.append(section)
    return ordered


def _online_source(
    site: DocsSite | None, llms: LlmsTxtSite | None, version: str, *, pinned: bool
) -> DocsSite | LlmsTxtSite | None:
    """Where to read online. With no version known (``latest``): the llms.txt index when there is one, else the MkDocs
    sources of the default branch. With a version: the MkDocs sources at its tag (version-exact), else, for the
    installed version only (not ``pinned`` to one that is not installed), the llms.txt index as the next best."""
    if version == "latest":
        return llms or site
    if site is not None:
        return site
    return None if pinned else llms


def _unique(sections: list[DocSection]) -> list[DocSection]:
    seen: set[tuple[str, str, str | None, str | None]] = set()
    unique = []
    for section in sections:
        key = (section.source, section.title, section.url, section.path)
        if key not in seen:
            seen.add(key)
            unique.append(section)
    return unique


def _api_section(entry: ApiEntry) -> DocSection:
    return DocSection(title=entry.name, source="installed", path=entry.location, content=entry.render())


def _checked_library(library: str) -> str:
    library = library.strip()
    if not library:
        raise InputError(
            "is empty; name a distribution (SQLAlchemy) or an import name (sqlalchemy)", argument="library"
        )
    if len(library) > MAX_LIBRARY_CHARS:
        raise InputError(f"is {len(library)} characters long; the limit is {MAX_LIBRARY_CHARS}", argument="library")
    if not _LIBRARY.fullmatch(library):
        raise InputError(
            f"{library[:60]!r} is not a distribution or import name (letters, digits, '.', '-' and '_' only)",
            argument="library",
        )
    return library


def _checked_topic(topic: str) -> str:
    if len(topic) > MAX_TOPIC_CHARS:
        raise InputError(f"is {len(topic)} characters long; the limit is {MAX_TOPIC_CHARS}", argument="topic")
    topic = " ".join(topic.split())
    if not topic:
        raise InputError(
            "is empty; say what you want to know (field_validator, dependencies with yield)", argument="topic"
        )
    return topic


def _checked_version(version: str | None) -> str | None:
    if version is None or not version.strip():
        return None
    version = version.strip()
    if len(version) > MAX_VERSION_CHARS or not _VERSION.fullmatch(version):
        raise InputError(f"{version[:60]!r} is not a version number (such as 2.11.4)", argument="version")
    return version


def _checked_max_chars(max_chars: int | None) -> int:
    if max_chars is None:
        return DEFAULT_MAX_CHARS
    if not MIN_MAX_CHARS <= max_chars <= MAX_MAX_CHARS:
        raise InputError(f"must be between {MIN_MAX_CHARS} and {MAX_MAX_CHARS}, got {max_chars}", argument="max_chars")
    return max_chars
