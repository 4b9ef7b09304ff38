"""The knowledge base: curated FastAPI patterns from the top-level ``knowledge/`` folder.

An entry is ``knowledge/<id>.md``: YAML front matter (title, tags, summary, related rule codes) and markdown prose with
include markers (``<!-- example: examples/<topic>/tutorial001.py lines=5-12 -->``) that point at runnable example
files. The loader validates every entry, inlines the examples when it serves one, and ranks entries for a query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fastapi_expert.errors import InputError, KnowledgeFormatError, PatternNotFound
from fastapi_expert.frontmatter import read_front_matter

if TYPE_CHECKING:
    from fastapi_expert.search_index import SearchIndex

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "Example",
    "KnowledgeBase",
    "KnowledgeHit",
    "KnowledgeSearchResult",
    "Pattern",
    "PatternMeta",
]

MAX_QUERY_CHARS = 1000
MAX_LIMIT = 50

#: ``<!-- example: examples/cors/tutorial001.py -->`` or ``<!-- example: … lines=5-12 -->``.
MARKER = re.compile(r"<!--\s*example:\s*(?P<path>[^\s>]+)(?:\s+lines=(?P<start>\d+)-(?P<end>\d+))?\s*-->")

_FENCE_LANGUAGES = {
    ".py": "python",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".json": "json",
    ".conf": "nginx",
    ".sh": "bash",
    ".ini": "ini",
    ".md": "markdown",
}
_FIELD_WEIGHTS = {"title": 3, "tags": 3, "summary": 2, "body": 1, "code": 1}


class PatternMeta(BaseModel):
    """The front matter of a knowledge entry."""

    # YAML reads a tag such as 429 as a number; it is still a word to search by.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    title: str = Field(min_length=3, max_length=120)
    tags: tuple[str, ...] = Field(min_length=2)
    summary: str = Field(min_length=10, max_length=300)
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Example:
    """One include marker: the file (relative to ``knowledge/``) and optionally a 1-based inclusive line range."""

    path: str
    lines: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Pattern:
    """A loaded knowledge entry."""

    id: str
    meta: PatternMeta
    body: str
    examples: tuple[Example, ...]

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def uri(self) -> str:
        return f"knowledge://{self.id}"


class KnowledgeHit(BaseModel):
    """One search result."""

    id: str = Field(description="The entry id; read the whole entry at `uri`.")
    title: str
    uri: str = Field(description="The MCP resource with the full entry and its runnable examples inlined.")
    score: float = Field(description="Relevance (BM25); only comparable within one result list.")
    snippet: str = Field(description="The passage of the entry that matches the query best.")
    tags: list[str]


class KnowledgeSearchResult(BaseModel):
    """The entries most relevant to a query, best first."""

    query: str
    results: list[KnowledgeHit]


class KnowledgeBase:
    """Every entry of one ``knowledge/`` folder, validated when loaded."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._patterns = {pattern.id: pattern for pattern in _load_patterns(root)}

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        """All entries, sorted by id."""
        return tuple(self._patterns[key] for key in sorted(self._patterns))

    def get(self, pattern_id: str) -> Pattern:
        """Return the entry ``pattern_id`` or raise ``PatternNotFound`` with the closest ids as suggestions."""
        try:
            return self._patterns[pattern_id]
        except KeyError:
            raise PatternNotFound(pattern_id=pattern_id, suggestions=self._closest_ids(pattern_id)) from None

    def render(self, pattern_id: str) -> str:
        """The entry as markdown: a title, its summary and tags, the prose with every example inlined."""
        pattern = self.get(pattern_id)
        body = MARKER.sub(lambda match: self._fenced(_example_of(match)), pattern.body)
        header = f"# {pattern.title}\n\n{pattern.meta.summary}\n\nTags: {', '.join(pattern.meta.tags)}"
        if pattern.meta.rules:
            header += f"\nRelated rules: {', '.join(pattern.meta.rules)}"
        return f"{header}\n\n{body.strip()}\n"

    def render_index(self) -> str:
        """A markdown list of every entry: uri, title and summary."""
        lines = ["# fastapi-expert knowledge", ""]
        lines += [f"- [{p.title}]({p.uri}): {p.meta.summary}" for p in self.patterns]
        return "\n".join(lines) + "\n"

    def example_source(self, example: Example) -> str:
        """The text an include marker stands for (the whole file, or the selected lines)."""
        path = (self.root / example.path).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            raise KnowledgeFormatError(f"example {example.path!r} does not exist", path=str(self.root))
        text = path.read_text(encoding="utf-8")
        if example.lines is None:
            return text
        start, end = example.lines
        lines = text.splitlines(keepends=True)
        if not 1 <= start <= end <= len(lines):
            raise KnowledgeFormatError(f"lines={start}-{end} is outside the file", path=example.path)
        return "".join(lines[start - 1 : end])

    def search(self, query: str, limit: int = 5) -> KnowledgeSearchResult:
        """Rank the entries against ``query`` (BM25 over title, tags, summary, prose and example code)."""
        query = _checked_query(query)
        if not 1 <= limit <= MAX_LIMIT:
            raise InputError(f"must be between 1 and {MAX_LIMIT}, got {limit}", argument="limit")
        hits = []
        for pattern_id, score, terms in self._index.rank(query, limit):
            pattern = self._patterns[pattern_id]
            hits.append(
                KnowledgeHit(
                    id=pattern.id,
                    title=pattern.title,
                    uri=pattern.uri,
                    score=round(score, 3),
                    snippet=_snippet(pattern, terms, self._index),
                    tags=list(pattern.meta.tags),
                )
            )
        return KnowledgeSearchResult(query=query, results=hits)

    @cached_property
    def _index(self) -> SearchIndex:
        from fastapi_expert.search_index import SearchIndex

        documents = {}
        for pattern in self.patterns:
            code = "\n".join(self.example_source(example) for example in pattern.examples)
            fields = {
                "title": pattern.title,
                "tags": " ".join(pattern.meta.tags),
                "summary": pattern.meta.summary,
                "body": MARKER.sub(" ", pattern.body),
                "code": code,
            }
            documents[pattern.id] = [(text, _FIELD_WEIGHTS[name]) for name, text in fields.items()]
        return SearchIndex(documents)

    def _closest_ids(self, pattern_id: str) -> list[str]:
        from rapidfuzz import process

        matches = process.extract(pattern_id, list(self._patterns), limit=3, score_cutoff=60)
        return [match[0] for match in matches]

    def _fenced(self, example: Example) -> str:
        source = self.example_source(example).rstrip("\n")
        name = Path(example.path).name
        language = "dockerfile" if name.startswith("Dockerfile") else _FENCE_LANGUAGES.get(Path(name).suffix, "")
        where = example.path if example.lines is None else f"{example.path} lines {example.lines[0]}-{example.lines[1]}"
        return f'```{language} title="{where}"\n{source}\n```'


def _checked_query(query: str) -> str:
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}", argument="query")
    stripped = " ".join(query.split())
    if not stripped:
        raise InputError("is empty; describe what you are looking for", argument="query")
    return stripped


def _example_of(match: re.Match[str]) -> Example:
    start, end = match.group("start"), match.group("end")
    lines = (int(start), int(end)) if start and end else None
    return Example(path=match.group("path"), lines=lines)


def _load_patterns(root: Path) -> Iterable[Pattern]:
    if not root.is_dir():
        raise KnowledgeFormatError("the knowledge folder is missing", path=str(root))
    for path in sorted(root.glob("*.md")):
        if path.name == "README.md":
            continue
        yield _load_pattern(path)


def _load_pattern(path: Path) -> Pattern:
    try:
        document = read_front_matter(path)
        meta = PatternMeta.model_validate(document.meta)
    except (ValueError, ValidationError) as exc:
        raise KnowledgeFormatError(str(exc), path=str(path)) from exc
    examples = tuple(_example_of(match) for match in MARKER.finditer(document.body))
    return Pattern(id=path.stem, meta=meta, body=document.body, examples=examples)


def _snippet(pattern: Pattern, terms: Sequence[str], index: SearchIndex, width: int = 240) -> str:
    """The paragraph of the prose that holds the most query terms, cut to ``width`` characters."""
    paragraphs = [p.strip() for p in MARKER.sub("", pattern.body).split("\n\n") if p.strip()]
    prose = [p for p in paragraphs if not p.startswith(("#", "```"))] or [pattern.meta.summary]
    wanted = set(terms)
    best = max(prose, key=lambda paragraph: len(wanted.intersection(index.terms_of(paragraph))))
    best = " ".join(best.split())
    return best if len(best) <= width else best[: width - 1].rsplit(" ", 1)[0] + "…"
