"""SourceFile: lines split as Python's tokenizer splits them, and segments equal to ast.get_source_segment."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapi_expert.review.context import SourceFile, split_lines
from fastapi_expert.review.fixes import apply_edits
from fastapi_expert.review.rule import Edit

SOURCES = [
    "x = 1\ny = f(a, 'é')\n",
    "a = 1\x0c\nb = call(\n    'ü', 2)\n",  # a form feed must not shift the lines after it
    "if x:\r\n    y = {'k': [1, 2]}\r\nz = 3",
    "s = '''multi\nline'''\nt = s\n",
]


@pytest.mark.parametrize("text", SOURCES)
def test_segment_equals_ast_get_source_segment(text: str) -> None:
    source = SourceFile("a.py", text)
    for node in ast.walk(ast.parse(text)):
        if hasattr(node, "lineno"):
            assert source.segment(node) == (ast.get_source_segment(text, node) or ""), ast.dump(node)


def test_lines_split_like_the_tokenizer() -> None:
    assert split_lines("a\x0cb\nc\r\nd\re") == ["a\x0cb\n", "c\r\n", "d\r", "e"]
    assert "".join(split_lines("x\n\ny")) == "x\n\ny"


def test_edits_after_a_form_feed_land_on_the_right_line() -> None:
    text = "a = 1\x0c\nb = 2\n"
    tree = ast.parse(text)
    value = tree.body[1].value  # type: ignore[attr-defined]
    assert apply_edits(text, [SourceFile("a.py", text).replace(value, "3")]) == "a = 1\x0c\nb = 3\n"
    assert apply_edits("x\ny\n", [Edit(2, 0, 2, 1, "z")]) == "x\nz\n"


@settings(deadline=None, max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("ab\n\r\x0cé ")), max_size=40))
def test_split_lines_keeps_every_character(text: str) -> None:
    lines = split_lines(text)
    assert "".join(lines) == text
    assert all(line.endswith(("\n", "\r")) for line in lines[:-1])
