"""Documents into sections, sections ranked against a topic, and the best of them fitted into ``max_chars``.

Markdown is split at ATX headings (``#`` to ``######``) outside code fences; an unclosed fence runs to the end of the
document, as CommonMark reads it. HTML (a docs site that serves no markdown) is first turned into the same markdown
shape by ``html_to_markdown``: headings, paragraphs, list items and ``<pre>`` blocks, scripts and styles dropped.
Ranking reuses the package's ``SearchIndex`` (BM25 with typo tolerance and synonyms); fitting keeps whole sections
and cuts only the best one, at a paragraph boundary, when even it is too long.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from fastapi_expert.docs.models import DocSection

__all__ = [
    "FIRST_SHARE",
    "INDEXED_CHARS",
    "MarkdownSection",
    "SectionRanker",
    "fit_sections",
    "html_to_markdown",
    "looks_like_html",
    "rank_sections",
    "split_markdown",
    "trim_text",
]

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FRONT_MATTER = re.compile(r"\A---\r?\n.*?\r?\n---\r?\n", re.S)
#: A section that would leave less than this much room for text is not started when cutting.
_MIN_CUT = 120
#: Only the start of a long section is indexed for ranking: what a section is about shows early.
INDEXED_CHARS = 2000
#: The share of ``max_chars`` the best section is cut to when it is too long and others follow ...
FIRST_SHARE = 0.6
#: ... unless ``max_chars`` is this small: then the best section gets all of it.
_SHARED_BUDGET = 1000


@dataclass(frozen=True, slots=True)
class MarkdownSection:
    """A heading and the text under it, up to the next heading; ``trail`` holds the headings above it."""

    title: str
    trail: tuple[str, ...]
    content: str


def split_markdown(text: str, *, document_title: str) -> list[MarkdownSection]:
    """The sections of a markdown document; text before the first heading is titled ``document_title``."""
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"), count=1)
    sections: list[MarkdownSection] = []
    stack: list[tuple[int, str]] = []
    title = document_title
    trail: tuple[str, ...] = ()
    lines: list[str] = []
    heading_line = False
    fence: str | None = None

    def close() -> None:
        body_lines = lines[1:] if heading_line else lines
        if any(line.strip() for line in body_lines):
            sections.append(MarkdownSection(title=title, trail=trail, content="\n".join(lines).strip("\n")))

    for line in text.split("\n"):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            lines.append(line)
            continue
        if fence_match:
            fence = fence_match.group(1)
            lines.append(line)
            continue
        heading = _HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        close()
        level, name = len(heading.group(1)), (heading.group(2) or "").strip()
        while stack and stack[-1][0] >= level:
            stack.pop()
        trail = tuple(entry[1] for entry in stack)
        stack.append((level, name))
        title, lines, heading_line = name or document_title, [line], True
    close()
    return sections


class SectionRanker:
    """Ranks a fixed list of sections against topics (the index is built once).

    The score adds three signals, because BM25's word weights are unreliable over a pool of a few dozen sections:
    BM25 relative to the best section (title words count three times; only the first ``INDEXED_CHARS`` of a content
    are indexed), the share of the topic's words the title holds (a synonym counts half), and a small bonus for the
    order each source put its own candidates in, which ``sections`` keeps (the first of a source gets ``0.25``, the
    second ``0.125``, ...).
    """

    def __init__(self, sections: Sequence[DocSection]) -> None:
        from fastapi_expert.search_index import SearchIndex

        self.sections = list(sections)
        self._index = SearchIndex(
            {str(i): [(s.title, 3), (s.content[:INDEXED_CHARS], 1)] for i, s in enumerate(self.sections)}
        )
        self._positions: list[int] = []
        seen: Counter[str] = Counter()
        for section in self.sections:
            self._positions.append(seen[section.source])
            seen[section.source] += 1

    def rank(self, topic: str) -> list[tuple[DocSection, float]]:
        """The sections that match ``topic``, best first, with their scores."""
        ranked = self._index.rank(topic, len(self.sections))
        if not ranked:
            return []
        best = ranked[0][1]
        terms = self._index.query_terms(topic)
        scored = []
        for key, score, _ in ranked:
            i = int(key)
            title_terms = self._index.terms_of(self.sections[i].title)
            covered = sum(
                1.0 if stem in title_terms else 0.5 if synonyms & title_terms else 0.0
                for stem, synonyms in terms.items()
            )
            coverage = covered / len(terms) if terms else 0.0
            scored.append((self.sections[i], score / best + coverage + 0.25 / (1 + self._positions[i])))
        return sorted(scored, key=lambda item: -item[1])


def rank_sections(sections: Sequence[DocSection], topic: str) -> list[tuple[DocSection, float]]:
    """``sections`` that match ``topic``, best first (see ``SectionRanker``)."""
    return SectionRanker(sections).rank(topic) if sections else []


def fit_sections(sections: Iterable[DocSection], max_chars: int, max_sections: int) -> list[DocSection]:
    """The sections, in order, whose titles and contents add up to at most ``max_chars``.

    Whole sections are kept; one that does not fit is passed over for the next ones. Only the best section is cut
    (at a paragraph boundary, and marked ``truncated``) when it is too long: to the whole budget when it is the only
    candidate, else to ``FIRST_SHARE`` of it, so that the next ones still have room; and once every section that fits
    is in, the first one passed over is cut to the room left, if that is worth it.
    """
    candidates = list(sections)
    chosen: list[tuple[int, DocSection]] = []
    passed_over: list[tuple[int, DocSection]] = []
    budget = max_chars
    for position, section in enumerate(candidates):
        if len(chosen) >= max_sections:
            break
        size = len(section.title) + len(section.content)
        if size <= budget and (position > 0 or len(candidates) == 1 or size <= max_chars * FIRST_SHARE):
            chosen.append((position, section))
            budget -= size
        elif position == 0:
            room = budget if len(candidates) == 1 or max_chars < _SHARED_BUDGET else int(max_chars * FIRST_SHARE)
            cut = _cut(section, room)
            if cut is not None:
                chosen.append((position, cut))
                budget -= len(cut.title) + len(cut.content)
        else:
            passed_over.append((position, section))
    if passed_over and len(chosen) < max_sections and budget >= _MIN_CUT * 3:
        position, section = passed_over[0]
        cut = _cut(section, budget)
        if cut is not None:
            chosen.append((position, cut))
    return [section for _, section in sorted(chosen, key=lambda item: item[0])]


def _cut(section: DocSection, budget: int) -> DocSection | None:
    room = budget - len(section.title)
    if room < min(_MIN_CUT, budget // 2):
        return None
    content = trim_text(section.content, room)
    return section.model_copy(update={"content": content, "truncated": True}) if content else None


def trim_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters: at the last paragraph break outside code, else at a line break
    (closing a code block left open), else at a space."""
    if len(text) <= limit:
        return text
    paragraph_ends: list[int] = []
    line_ends: list[tuple[int, str | None]] = []
    fence: str | None = None
    position = 0
    lines = text.split("\n")
    for index, line in enumerate(lines):
        fence_match = _FENCE.match(line)
        if fence is None and fence_match:
            fence = fence_match.group(1)
        elif fence is not None and fence_match and fence_match.group(1)[0] == fence[0]:
            fence = None
        position += len(line)
        line_ends.append((position, fence))
        next_blank = index + 1 < len(lines) and not lines[index + 1].strip()
        if fence is None and (next_blank or not line.strip()):
            paragraph_ends.append(position)
        position += 1
    half = limit // 2
    for floor in (half, 1):
        fitting = [end for end in paragraph_ends if floor <= end <= limit]
        if fitting:
            return text[: fitting[-1]].rstrip()
        for end, open_fence in reversed(line_ends):
            closing = f"\n{open_fence[0] * len(open_fence)}" if open_fence else ""
            if floor <= end and end + len(closing) <= limit:
                return text[:end].rstrip() + closing
    head = text[:limit]
    return head.rsplit(" ", 1)[0] if " " in head else head


def looks_like_html(text: str) -> bool:
    """Whether a body is an HTML page rather than markdown or plain text."""
    start = text.lstrip()[:500].lower()
    return start.startswith(("<!doctype html", "<html")) or ("<body" in start and "</" in text)


def html_to_markdown(html: str) -> str:
    """The text of an HTML page in markdown's shape: ``#`` headings, paragraphs, ``-`` items and fenced ``<pre>``."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


class _HtmlText(HTMLParser):
    _SKIPPED = frozenset({"script", "style", "noscript", "svg", "head", "template", "nav", "footer"})
    _BLOCKS = frozenset({"p", "div", "section", "article", "main", "table", "tr", "ul", "ol", "dl", "dd", "dt"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif self._skipping:
            return
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "pre":
            self._pre += 1
            self.parts.append("\n\n```\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "code" and not self._pre:
            self.parts.append("`")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif self._skipping:
            return
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCKS:
            self.parts.append("\n\n")
        elif tag == "pre" and self._pre:
            self._pre -= 1
            self.parts.append("\n```\n\n")
        elif tag == "code" and not self._pre:
            self.parts.append("`")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        self.parts.append(data if self._pre else re.sub(r"\s+", " ", data))
