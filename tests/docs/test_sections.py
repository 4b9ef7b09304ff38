"""Splitting markdown (and HTML) into sections, ranking them, and fitting the best into max_chars."""

from __future__ import annotations

import pytest

from fastapi_expert.docs.models import DocSection
from fastapi_expert.docs.sections import (
    FIRST_SHARE,
    fit_sections,
    html_to_markdown,
    looks_like_html,
    rank_sections,
    split_markdown,
    trim_text,
)

DOCUMENT = """---
name: demo
---

Intro text.

# Dependencies

Use `Depends`.

## With yield

```python
# Not a heading: a comment in a code block
def get_db():
    yield db
```

## Empty

### Deeper

Deep text.
"""


def test_split_at_headings_outside_code_blocks() -> None:
    sections = split_markdown(DOCUMENT, document_title="demo.md")
    assert [(s.title, s.trail) for s in sections] == [
        ("demo.md", ()),
        ("Dependencies", ()),
        ("With yield", ("Dependencies",)),
        ("Deeper", ("Dependencies", "Empty")),
    ]
    assert sections[0].content == "Intro text."  # the front matter is metadata, not docs
    assert "# Not a heading" in sections[2].content


@pytest.mark.parametrize(
    "text",
    [
        "```python\n# unclosed fence\n\n# still code",
        "#\n\n######\n",
        "####### seven is not a heading\n",
        "",
        "\x00\ufffd",
    ],
)
def test_malformed_markdown_is_split_without_error(text: str) -> None:
    sections = split_markdown(text, document_title="t")
    assert all(section.content.strip() for section in sections)
    assert sum(len(section.content) for section in sections) <= len(text)


def test_an_unclosed_fence_runs_to_the_end() -> None:
    [section] = split_markdown("# A\n```\n# inside\n", document_title="t")
    assert section.title == "A" and "# inside" in section.content


def test_html_becomes_markdown_and_malformed_html_is_tolerated() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>t</title><script>alert('x')</script></head><body><nav>menu</nav>"
        "<h1>Lifespan</h1><p>Use <code>lifespan</code>.<p>Unclosed <b>bold<h2>Example</h2><pre>async def f():\n"
        "    yield</pre><ul><li>one<li>two</ul></body"
    )
    assert looks_like_html(html)
    text = html_to_markdown(html)
    assert "alert" not in text and "menu" not in text
    sections = split_markdown(text, document_title="page")
    assert [section.title for section in sections] == ["Lifespan", "Example"]
    assert "Use `lifespan`." in sections[0].content
    assert "```\nasync def f():\n    yield\n```" in sections[1].content
    assert "- one\n- two" in sections[1].content
    assert not looks_like_html("# Markdown\n\n<b>inline html</b>")


def section(title: str, content: str, source: str = "bundled") -> DocSection:
    return DocSection(title=title, source=source, content=content)  # type: ignore[arg-type]


def test_rank_prefers_titles_that_hold_the_topic() -> None:
    sections = [
        section("Dependency Injection", "Dependencies are declared with Depends. " * 5),
        section("Dependencies with yield", "Use yield in a dependency to clean up after the response."),
        section("Streaming", "Stream with yield from a generator."),
        section("Unrelated", "Nothing to see."),
    ]
    ranked = rank_sections(sections, "dependencies with yield")
    assert ranked[0][0].title == "Dependencies with yield"
    assert "Unrelated" not in [s.title for s, _ in ranked]
    assert [score for _, score in ranked] == sorted((score for _, score in ranked), reverse=True)


def test_fit_keeps_whole_sections_within_max_chars() -> None:
    sections = [section(f"S{i}", "word " * 100) for i in range(10)]  # 2 + 500 characters each
    fitted = fit_sections(sections, 1600, max_sections=6)
    assert [s.title for s in fitted] == ["S0", "S1", "S2"]
    assert not any(s.truncated for s in fitted)
    assert sum(len(s.title) + len(s.content) for s in fitted) <= 1600


def test_fit_cuts_a_too_long_best_section_at_a_paragraph_and_leaves_room() -> None:
    long = "\n\n".join(f"Paragraph {i} " + "x" * 80 for i in range(40))
    sections = [section("Long", long), section("Short", "short text")]
    fitted = fit_sections(sections, 1000, max_sections=6)
    assert [s.title for s in fitted] == ["Long", "Short"]
    assert fitted[0].truncated and not fitted[1].truncated
    assert len("Long") + len(fitted[0].content) <= 1000 * FIRST_SHARE
    assert fitted[0].content.endswith("x")  # ends at the end of a paragraph
    assert long.startswith(fitted[0].content)


def test_fit_passes_over_a_section_that_does_not_fit_for_later_ones() -> None:
    sections = [section("A", "a" * 300), section("B", "b" * 900), section("C", "c" * 300)]
    fitted = fit_sections(sections, 700, max_sections=6)
    assert [s.title for s in fitted] == ["A", "C"]


@pytest.mark.parametrize("limit", [10, 40, 60, 200])
def test_trim_never_exceeds_the_limit_and_closes_code_blocks(limit: int) -> None:
    text = "para one is here.\n\n```python\ncode line 1\ncode line 2\n```\n\npara three"
    trimmed = trim_text(text, limit)
    assert len(trimmed) <= limit
    assert trimmed.count("```") % 2 == 0
    assert trim_text(text, 1000) == text
