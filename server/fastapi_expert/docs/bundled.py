"""Markdown that ships inside an installed package, such as FastAPI's own agent skill
(``fastapi/.agents/skills/fastapi/SKILL.md`` and its ``references/``): version-exact prose by the maintainers.

Every ``.md`` file the distribution's RECORD lists inside its import packages counts, except licences, change logs and
the like; files are read once per process (keyed by path, size and modification time) and split into sections.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fastapi_expert.docs.environment import InstalledDistribution
from fastapi_expert.docs.sections import MarkdownSection, split_markdown

__all__ = ["MAX_BUNDLED_FILES", "MAX_FILE_BYTES", "BundledDocument", "bundled_documents"]

MAX_BUNDLED_FILES = 200
MAX_FILE_BYTES = 1_000_000
_NOT_DOCS = ("license", "licence", "copying", "notice", "authors", "changelog", "changes", "history", "security")
_NOT_DOCS_DIRS = frozenset({"node_modules", "tests", "test", "testing", "__pycache__"})


@dataclass(frozen=True, slots=True)
class BundledDocument:
    """One markdown file of a package and its sections."""

    path: Path
    #: The file relative to site-packages, ``/``-separated: ``fastapi/.agents/skills/fastapi/SKILL.md``.
    relative: str
    sections: tuple[MarkdownSection, ...]


_CACHE: dict[tuple[Path, int, float], BundledDocument] = {}
_LOCK = threading.Lock()


def bundled_documents(distribution: InstalledDistribution) -> list[BundledDocument]:
    """The markdown documents ``distribution`` installs inside its import packages."""
    documents = []
    for relative in _markdown_files(distribution)[:MAX_BUNDLED_FILES]:
        path = distribution.location / relative
        try:
            stat = path.stat()
        except OSError:
            continue
        if stat.st_size > MAX_FILE_BYTES:
            continue
        key = (path, stat.st_size, stat.st_mtime)
        with _LOCK:
            document = _CACHE.get(key)
            if document is None:
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                sections = tuple(split_markdown(text, document_title=PurePosixPath(relative).name))
                document = BundledDocument(path=path, relative=relative, sections=sections)
                _CACHE[key] = document
        documents.append(document)
    return documents


def _markdown_files(distribution: InstalledDistribution) -> list[str]:
    packages = set(distribution.import_names)
    found = []
    for file in distribution.files:
        parts = PurePosixPath(file).parts
        if len(parts) < 2 or parts[0] not in packages or not file.lower().endswith(".md"):
            continue
        if _NOT_DOCS_DIRS.intersection(parts[:-1]) or parts[-1].lower().startswith(_NOT_DOCS):
            continue
        found.append(file)
    return sorted(found)
