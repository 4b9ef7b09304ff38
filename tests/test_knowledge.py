"""The knowledge loader: validation, include markers, rendering and ranking (on small fixture entries)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fastapi_expert.errors import InputError, KnowledgeFormatError, PatternNotFound
from fastapi_expert.knowledge import MAX_LIMIT, MAX_QUERY_CHARS, Example, KnowledgeBase


@pytest.fixture
def knowledge(fixture_knowledge: Path) -> KnowledgeBase:
    return KnowledgeBase(fixture_knowledge)


def test_loads_every_entry_but_the_readme(knowledge: KnowledgeBase) -> None:
    assert [p.id for p in knowledge.patterns] == ["jwt-login", "pagination-basics", "websocket-rooms"]
    pattern = knowledge.get("websocket-rooms")
    assert pattern.uri == "knowledge://websocket-rooms"
    assert pattern.meta.rules == ("ASYNC210",)
    assert pattern.examples == (
        Example(path="examples/alpha/tutorial001.py"),
        Example(path="examples/alpha/tutorial001.py", lines=(2, 3)),
    )


def test_render_inlines_examples_and_line_ranges(knowledge: KnowledgeBase) -> None:
    text = knowledge.render("websocket-rooms")
    assert text.startswith("# WebSocket rooms\n\nBroadcast messages")
    assert "Related rules: ASYNC210" in text
    assert '```python title="examples/alpha/tutorial001.py"\nline one\nline two\nline three\n```' in text
    assert '```python title="examples/alpha/tutorial001.py lines 2-3"\nline two\nline three\n```' in text
    assert "<!--" not in text


def test_index_lists_every_entry(knowledge: KnowledgeBase) -> None:
    index = knowledge.render_index()
    for pattern in knowledge.patterns:
        assert f"]({pattern.uri}): {pattern.meta.summary}" in index


def test_unknown_id_suggests_close_ids(knowledge: KnowledgeBase) -> None:
    with pytest.raises(PatternNotFound) as info:
        knowledge.get("websocket-room")
    assert info.value.suggestions[0] == "websocket-rooms"
    assert str(info.value).startswith("id: no knowledge entry 'websocket-room'; did you mean 'websocket-rooms'")


def copy_fixture(fixture_knowledge: Path, tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(fixture_knowledge, root)
    return root


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter\n", "does not start with a '---'"),
        ("---\ntitle: x\n", "not closed"),
        ("---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
        ("---\ntitle: Fine title\ntags: [one]\nsummary: A long enough summary.\n---\n", "tags"),
        ("---\ntitle: Fine title\ntags: [a, b]\nsummary: A long enough summary.\nextra: 1\n---\n", "extra"),
    ],
)
def test_malformed_entries_name_the_file_and_problem(
    fixture_knowledge: Path, tmp_path: Path, text: str, problem: str
) -> None:
    root = copy_fixture(fixture_knowledge, tmp_path)
    (root / "broken.md").write_text(text)
    with pytest.raises(KnowledgeFormatError, match=problem) as info:
        KnowledgeBase(root)
    assert "broken.md" in str(info.value)


def test_marker_to_a_missing_file_or_outside_lines_fails(fixture_knowledge: Path, tmp_path: Path) -> None:
    root = copy_fixture(fixture_knowledge, tmp_path)
    head = "---\ntitle: Broken\ntags: [a, b]\nsummary: A long enough summary.\n---\n"
    (root / "missing.md").write_text(head + "<!-- example: examples/alpha/nope.py -->\n")
    (root / "outside.md").write_text(head + "<!-- example: examples/alpha/tutorial001.py lines=2-9 -->\n")
    (root / "escape.md").write_text(head + "<!-- example: ../../conftest.py -->\n")
    knowledge = KnowledgeBase(root)
    for entry, problem in [("missing", "does not exist"), ("outside", "outside the file"), ("escape", "not exist")]:
        with pytest.raises(KnowledgeFormatError, match=problem):
            knowledge.render(entry)


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeFormatError, match="missing"):
        KnowledgeBase(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("websocket broadcast", "websocket-rooms"),
        ("ws rooms", "websocket-rooms"),  # synonym
        ("websokcet", "websocket-rooms"),  # typo
        ("auth", "jwt-login"),  # synonym of authentication
        ("how do I hash passwords", "jwt-login"),  # body, stemming
        ("paginate results", "pagination-basics"),
        ("line three", "websocket-rooms"),  # example code is indexed
    ],
)
def test_search_ranks_the_expected_entry_first(knowledge: KnowledgeBase, query: str, expected: str) -> None:
    result = knowledge.search(query)
    assert result.results[0].id == expected
    assert result.results[0].uri == f"knowledge://{expected}"
    assert result.results[0].score > 0


def test_search_results_are_sorted_and_limited(knowledge: KnowledgeBase) -> None:
    results = knowledge.search("tokens rooms limit", limit=2).results
    assert len(results) == 2
    assert results[0].score >= results[1].score


def test_search_without_a_match_is_empty(knowledge: KnowledgeBase) -> None:
    assert knowledge.search("zebra quantum").results == []


def test_snippet_is_the_matching_paragraph(knowledge: KnowledgeBase) -> None:
    hit = knowledge.search("argon2 hashing").results[0]
    assert hit.snippet == "Passwords are hashed with argon2."


@pytest.mark.parametrize(
    ("query", "limit", "argument", "problem"),
    [
        ("", 5, "query", "is empty"),
        ("  \n\t ", 5, "query", "is empty"),
        ("x" * (MAX_QUERY_CHARS + 1), 5, "query", "characters long"),
        ("rooms", 0, "limit", "between 1 and"),
        ("rooms", -3, "limit", "between 1 and"),
        ("rooms", MAX_LIMIT + 1, "limit", "between 1 and"),
    ],
)
def test_bad_search_input_names_the_argument(
    knowledge: KnowledgeBase, query: str, limit: int, argument: str, problem: str
) -> None:
    with pytest.raises(InputError, match=problem) as info:
        knowledge.search(query, limit)
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument}: ")
